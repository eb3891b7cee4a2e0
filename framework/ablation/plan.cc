#include "framework/ablation/plan.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "framework/io/checksum.h"
#include "framework/io/run_dir.h"
#include "framework/records/records.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace siamese {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

// Keeps the first error as "<prefix>:line:col: message".
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  explicit FirstError(std::string prefix) : prefix_(std::move(prefix)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first_.empty())
      first_ = absl::StrCat(prefix_, ":", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string prefix_;
  std::string first_;
};

absl::StatusOr<std::string> ReadText(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open ", what));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "path:line:col: " of a field of the ablation file: `field` of the root
// (axis < 0), of axis `axis` (value < 0) or of its value `value`; "path: "
// when it is not written in the file (a default, or set by an override).
class Locator {
 public:
  Locator(std::string path, const TextFormat::ParseInfoTree* tree)
      : path_(std::move(path)), tree_(tree) {}

  std::string operator()(const std::string& field, int axis = -1, int value = -1) const {
    const auto* d = Ablation::descriptor();
    const TextFormat::ParseInfoTree* t = tree_;
    const google::protobuf::Descriptor* at = d;
    if (axis >= 0) {
      t = t->GetTreeForNested(d->FindFieldByName("axis"), axis);
      at = AblationAxis::descriptor();
      if (t != nullptr && value >= 0) {
        t = t->GetTreeForNested(at->FindFieldByName("value"), value);
        at = AblationValue::descriptor();
      }
    }
    if (t != nullptr) {
      // A field of the message the location is asked in; a field of another
      // (an axis's "value" asked of a value) is located at the file only.
      const FieldDescriptor* f = at->FindFieldByName(field);
      if (f == nullptr) return absl::StrCat(path_, ": ");
      auto loc = t->GetLocation(f, f->is_repeated() ? 0 : -1);
      if (loc.line >= 0) return absl::StrCat(path_, ":", loc.line + 1, ":", loc.column + 1, ": ");
    }
    return absl::StrCat(path_, ": ");
  }

 private:
  std::string path_;
  const TextFormat::ParseInfoTree* tree_;
};

std::string Stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

std::string Folder(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

absl::Status Validate(const Ablation& a, const Locator& where) {
  if (a.mode() != "grid" && a.mode() != "one_at_a_time") {
    return absl::InvalidArgumentError(absl::StrCat(
        where("mode"), "mode: must be \"grid\" or \"one_at_a_time\", got \"", a.mode(), "\""));
  }
  if (a.seeds_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where("seeds"), "seeds: at least one seed is required"));
  }
  for (int i = 0; i < a.seeds_size(); ++i) {
    for (int j = 0; j < i; ++j) {
      if (a.seeds(i) == a.seeds(j)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where("seeds"), "seeds: seed ", a.seeds(i), " appears twice"));
      }
    }
  }
  if (a.check_sample() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where("check_sample"), "check_sample: must be >= 0, got ", a.check_sample()));
  }
  for (int i = 0; i < a.axis_size(); ++i) {
    const AblationAxis& axis = a.axis(i);
    if (axis.name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where("axis", i), "axis ", i + 1, ": name is required"));
    }
    for (int j = 0; j < i; ++j) {
      if (a.axis(j).name() == axis.name()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where("name", i), "axis \"", axis.name(), "\" appears twice"));
      }
    }
    if (axis.value_size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(where("name", i), "axis \"", axis.name(),
                                                     "\": at least one value is required"));
    }
    for (int v = 0; v < axis.value_size(); ++v) {
      const std::string& label = axis.value(v).label();
      if (label.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(where("label", i, v), "axis \"", axis.name(),
                                                       "\": value ", v + 1, " has no label"));
      }
      for (int w = 0; w < v; ++w) {
        if (axis.value(w).label() == label) {
          return absl::InvalidArgumentError(absl::StrCat(where("label", i, v), "axis \"",
                                                         axis.name(), "\": label \"", label,
                                                         "\" appears twice"));
        }
      }
    }
  }
  return absl::OkStatus();
}

// Each cell as one value index per axis, in the mode's order.
std::vector<std::vector<int>> Expand(const Ablation& a) {
  const int n = a.axis_size();
  std::vector<std::vector<int>> cells;
  if (a.mode() == "grid") {
    std::vector<int> idx(n, 0);
    while (true) {
      cells.push_back(idx);
      int k = n - 1;  // the last axis changes fastest
      while (k >= 0 && ++idx[k] == a.axis(k).value_size()) idx[k--] = 0;
      if (k < 0) break;
    }
  } else {
    cells.push_back(std::vector<int>(n, 0));
    for (int k = 0; k < n; ++k) {
      for (int v = 1; v < a.axis(k).value_size(); ++v) {
        std::vector<int> idx(n, 0);
        idx[k] = v;
        cells.push_back(idx);
      }
    }
  }
  return cells;
}

}  // namespace

std::vector<std::string> DefaultAblationMetrics() {
  return {"precision_at_1", "r_precision", "map_at_r", "roc_auc", "verification_accuracy"};
}

absl::StatusOr<AblationPlan> PlanAblation(const std::string& path, int jobs,
                                          const std::vector<std::string>& overrides) {
  if (jobs < 1) return absl::InvalidArgumentError(absl::StrCat("jobs: must be >= 1, got ", jobs));
  auto text = ReadText(path, "ablation file");
  if (!text.ok()) return text.status();
  AblationPlan plan;
  TextFormat::ParseInfoTree tree;
  {
    FirstError errors(path);
    TextFormat::Parser parser;
    parser.RecordErrorsTo(&errors);
    parser.WriteLocationsTo(&tree);
    if (!parser.ParseFromString(*text, &plan.ablation)) {
      return absl::InvalidArgumentError(errors.first());
    }
  }
  for (size_t i = 0; i < overrides.size(); ++i) {
    FirstError errors(absl::StrCat("ablation override ", i + 1, " (\"", overrides[i], "\")"));
    TextFormat::Parser parser;
    parser.RecordErrorsTo(&errors);
    Ablation fragment;
    if (!parser.ParseFromString(overrides[i], &fragment)) {
      return absl::InvalidArgumentError(errors.first());
    }
    MergeOverride(fragment, &plan.ablation);
  }
  const Ablation& a = plan.ablation;
  const Locator where(path, &tree);
  if (absl::Status s = Validate(a, where); !s.ok()) return s;

  plan.name = a.name().empty() ? Stem(path) : a.name();
  if (a.base().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": base: the base experiment file is required"));
  }
  plan.base_path = a.base().front() == '/' ? a.base() : Folder(path) + a.base();
  auto output_dir = ResolveUserPath(a.output_dir());
  if (!output_dir.ok()) return output_dir.status();
  plan.dir = absl::StrCat(*output_dir, "/", plan.name);
  plan.metrics.assign(a.metrics().begin(), a.metrics().end());
  for (const std::string& m : plan.metrics) {
    if (!IsKnownMetric(m)) {
      return absl::InvalidArgumentError(absl::StrCat(where("metrics"), "metrics: unknown metric \"",
                                                     m, "\"; known: ", KnownMetricNames()));
    }
  }
  if (plan.metrics.empty()) plan.metrics = DefaultAblationMetrics();
  auto base_text = ReadText(plan.base_path, "base experiment file");
  if (!base_text.ok()) {
    return absl::Status(base_text.status().code(),
                        absl::StrCat(where("base"), "base: ", base_text.status().message()));
  }

  std::map<std::string, std::string> label_of_hash;
  for (const std::vector<int>& idx : Expand(a)) {
    Cell cell;
    cell.is_base = std::all_of(idx.begin(), idx.end(), [](int v) { return v == 0; });
    std::vector<std::string> words;
    std::vector<std::string> value_overrides;
    for (int k = 0; k < a.axis_size(); ++k) {
      const AblationValue& value = a.axis(k).value(idx[k]);
      cell.axis_values.emplace_back(a.axis(k).name(), value.label());
      words.push_back(absl::StrCat(a.axis(k).name(), "=", value.label()));
      value_overrides.push_back(value.override());
      // Each override alone against the base, so that an error names it.
      auto alone = ExperimentFile::Parse(plan.base_path, *base_text, {value.override()});
      if (!alone.ok()) {
        return absl::Status(
            alone.status().code(),
            absl::StrCat(where("override", k, idx[k]), "axis \"", a.axis(k).name(), "\", value \"",
                         value.label(), "\": ", alone.status().message()));
      }
    }
    cell.label = words.empty() ? "base" : absl::StrJoin(words, " ");
    const int cell_index = static_cast<int>(plan.cells.size());
    for (uint64_t seed : a.seeds()) {
      std::vector<std::string> o = value_overrides;
      o.push_back(absl::StrCat("seed: ", seed));
      auto first = ExperimentFile::Parse(plan.base_path, *base_text, o);
      if (!first.ok()) {
        return absl::Status(first.status().code(), absl::StrCat(path, ": cell \"", cell.label,
                                                                "\": ", first.status().message()));
      }
      const int threads = std::max(1, (*first)->config().threads() / jobs);
      o.push_back(absl::StrCat("threads: ", threads));
      o.push_back(absl::StrCat("output_dir: \"", plan.dir, "/runs\""));
      auto resolved = ExperimentFile::Parse(plan.base_path, *base_text, o);
      if (!resolved.ok()) return resolved.status();
      Experiment key = (*resolved)->config();
      key.clear_name();
      key.clear_output_dir();
      std::string key_text;
      TextFormat::PrintToString(key, &key_text);
      PlannedRun run;
      run.cell = cell_index;
      run.seed = seed;
      run.hash = Sha256Hex(key_text).substr(0, 12);
      run.run_dir = absl::StrCat(plan.dir, "/runs/", run.hash);
      auto [it, inserted] = label_of_hash.emplace(run.hash, cell.label);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": cells \"", it->second, "\" and \"", cell.label,
            "\" resolve to the same experiment (seed ", seed, "); give them different overrides"));
      }
      o.push_back(absl::StrCat("name: \"", run.hash, "\""));
      auto named = ExperimentFile::Parse(plan.base_path, *base_text, o);
      if (!named.ok()) return named.status();
      run.overrides = std::move(o);
      run.experiment = std::shared_ptr<const ExperimentFile>(std::move(*named));
      plan.runs.push_back(std::move(run));
    }
    plan.cells.push_back(std::move(cell));
  }
  return plan;
}

}  // namespace siamese
