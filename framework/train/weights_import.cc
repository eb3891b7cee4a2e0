#include "framework/train/weights_import.h"

#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace siamese {
namespace {

// PyTorch's BatchNorm step counter: the framework's batch norm has a fixed
// momentum and no counter, so it is never loaded.
constexpr char kBatchNormCounter[] = ".num_batches_tracked";
// How many names an error lists.
constexpr size_t kListed = 12;

bool Matches(const std::string& name, const std::string& prefix) {
  if (prefix.empty() || name == prefix) return true;
  if (absl::EndsWith(prefix, ".")) return absl::StartsWith(name, prefix);
  return absl::StartsWith(name, prefix + ".");
}

bool Included(const std::string& name, const InitConfig& init) {
  if (init.include_prefixes().empty()) return true;
  for (const std::string& p : init.include_prefixes()) {
    if (Matches(name, p)) return true;
  }
  return false;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

std::string List(const std::vector<std::string>& names) {
  if (names.size() <= kListed) return absl::StrJoin(names, ", ");
  return absl::StrCat(absl::StrJoin(names.begin(), names.begin() + kListed, ", "), ", ... (",
                      names.size(), " in all)");
}

// "features.0.weight" (as "conv0.weight"), or just the name when unmapped.
std::string Named(const std::string& file_name, const std::string& mapped) {
  if (file_name == mapped) return absl::StrCat("\"", file_name, "\"");
  return absl::StrCat("\"", file_name, "\" (as \"", mapped, "\")");
}

}  // namespace

std::string MapWeightName(const std::string& name, const InitConfig& init) {
  const NameMapping* best = nullptr;
  for (const NameMapping& m : init.name_map()) {
    if (absl::StartsWith(name, m.from_prefix()) &&
        (best == nullptr || m.from_prefix().size() > best->from_prefix().size())) {
      best = &m;
    }
  }
  if (best == nullptr) return name;
  return best->to_prefix() + name.substr(best->from_prefix().size());
}

std::string ImportReport::Summary() const {
  std::string out =
      absl::StrCat("init: loaded ", loaded, " tensors (", values, " values) from ", path);
  if (!skipped.empty())
    absl::StrAppend(&out, "; kept initialization (not included): ", List(skipped));
  if (!missing.empty())
    absl::StrAppend(&out, "; kept initialization (not in the file): ", List(missing));
  if (!unused.empty()) absl::StrAppend(&out, "; unused (match nothing): ", List(unused));
  if (!ignored.empty()) absl::StrAppend(&out, "; ignored: ", List(ignored));
  return out;
}

absl::StatusOr<ImportReport> ImportWeights(const TensorArchive& weights, const std::string& path,
                                           const InitConfig& init, Module* encoder) {
  ImportReport report;
  report.path = path;
  // The encoder's tensors, by name.
  std::map<std::string, Tensor*> targets;
  std::vector<std::string> target_names;
  for (auto& [name, v] : encoder->NamedParameters()) {
    Variable var = v;
    targets[name] = &var.mutable_value();
    target_names.push_back(name);
  }
  for (auto& [name, t] : encoder->NamedBuffers()) {
    targets[name] = t;
    target_names.push_back(name);
  }
  std::set<std::string> from_prefixes;
  for (const NameMapping& m : init.name_map()) {
    if (!from_prefixes.insert(m.from_prefix()).second) {
      return absl::InvalidArgumentError(absl::StrCat("init.name_map: from_prefix \"",
                                                     m.from_prefix(), "\" is given twice"));
    }
  }
  for (const std::string& p : init.include_prefixes()) {
    bool any = false;
    for (const std::string& name : target_names) any = any || Matches(name, p);
    if (!any) {
      return absl::InvalidArgumentError(absl::StrCat(
          "init.include_prefixes: \"", p,
          "\" matches no parameter or buffer of the encoder; it has: ", List(target_names)));
    }
  }
  // The file's tensors, by mapped name, within include_prefixes.
  std::map<std::string, const ArchiveTensor*> sources;
  std::map<std::string, std::string> file_name_of;
  std::vector<std::string> mapped_names;
  for (const ArchiveTensor& t : weights.tensors) {
    const std::string mapped = MapWeightName(t.name, init);
    if (absl::EndsWith(t.name, kBatchNormCounter) || !Included(mapped, init)) {
      report.ignored.push_back(t.name);
      continue;
    }
    if (!sources.emplace(mapped, &t).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": tensors \"", file_name_of[mapped], "\" and \"", t.name,
                       "\" are both mapped to \"", mapped, "\" (check init.name_map)"));
    }
    file_name_of[mapped] = t.name;
    mapped_names.push_back(mapped);
    if (targets.count(mapped) == 0) {
      if (!init.allow_unused()) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": tensor ", Named(t.name, mapped),
            " matches no parameter or buffer of the encoder (map it with init.name_map, leave it "
            "out with init.include_prefixes, or set init.allow_unused); the encoder has: ",
            List(target_names)));
      }
      report.unused.push_back(t.name);
    }
  }
  // Check everything before changing anything.
  std::vector<std::pair<const ArchiveTensor*, Tensor*>> loads;
  for (const std::string& name : target_names) {
    if (!Included(name, init)) {
      report.skipped.push_back(name);
      continue;
    }
    auto it = sources.find(name);
    if (it == sources.end()) {
      if (!init.allow_missing()) {
        return absl::NotFoundError(absl::StrCat(
            path, ": no tensor for the encoder's \"", name,
            "\" (map a file name to it with init.name_map, or set init.allow_missing to keep its "
            "initialization); the file has (mapped): ",
            mapped_names.empty() ? std::string("nothing") : List(mapped_names)));
      }
      report.missing.push_back(name);
      continue;
    }
    const ArchiveTensor& src = *it->second;
    Tensor* dst = targets[name];
    const std::string what = Named(src.name, name);
    if (!src.is_float()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor ", what, " has dtype ", src.dtype, "; weights must be floating point"));
    }
    const std::vector<int64_t> want(dst->shape().begin(), dst->shape().end());
    if (src.shape != want) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": tensor ", what, " has shape ",
                                                     ShapeString(src.shape), "; the encoder's \"",
                                                     name, "\" has shape ", ShapeString(want)));
    }
    for (size_t i = 0; i < src.data.size(); ++i) {
      if (!std::isfinite(src.data[i])) {
        return absl::DataLossError(
            absl::StrCat(path, ": tensor ", what, " holds ", src.data[i], " at element ", i));
      }
    }
    loads.emplace_back(&src, dst);
  }
  for (auto& [src, dst] : loads) {
    const Tensor t = Tensor::FromVector(dst->shape(), src->data);
    // Keep the destination's memory layout (convolution weights may be
    // blocked); the values are converted from the plain layout.
    *dst = t.ToLayout(dst->desc());
    ++report.loaded;
    report.values += static_cast<int64_t>(src->data.size());
  }
  return report;
}

}  // namespace siamese
