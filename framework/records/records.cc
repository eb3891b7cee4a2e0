#include "framework/records/records.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "framework/io/atomic_file.h"
#include "google/protobuf/util/json_util.h"

namespace siamese {

std::string ToJson(const google::protobuf::Message& record, bool one_line) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = !one_line;
  std::string out;
  // Fails only for messages protobuf cannot print (Any with unknown types);
  // records have none.
  (void)google::protobuf::util::MessageToJsonString(record, &out, options);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

absl::Status ParseJson(absl::string_view text, const std::string& where,
                       google::protobuf::Message* record) {
  record->Clear();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), record, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": not a valid ",
                                                   record->GetDescriptor()->name(),
                                                   " record: ", std::string(status.message())));
  }
  return absl::OkStatus();
}

absl::Status WriteJsonFile(const std::string& path, const google::protobuf::Message& record) {
  return WriteFileAtomically(path, ToJson(record) + "\n");
}

absl::Status ReadJsonFile(const std::string& path, google::protobuf::Message* record) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseJson(*text, path, record);
}

absl::Status AppendJsonLine(const std::string& path, const google::protobuf::Message& record) {
  const std::string line = ToJson(record, /*one_line=*/true) + "\n";
  FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat(path, ": cannot append: ", std::strerror(errno)));
  }
  const bool written = std::fwrite(line.data(), 1, line.size(), f) == line.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot append: ", std::strerror(written ? errno : write_errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<MetricsLine>> ReadMetricsLines(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  std::vector<MetricsLine> lines;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    MetricsLine m;
    if (absl::Status s = ParseJson(line, absl::StrCat(path, ":", number), &m); !s.ok()) return s;
    lines.push_back(std::move(m));
  }
  return lines;
}

namespace {

void AddMetrics(const RetrievalRecord* retrieval, const VerificationRecord* verification,
                const FewShotRecord* few_shot, const ClusteringRecord* clustering,
                const std::string& prefix, std::map<std::string, double>* out_map) {
  std::map<std::string, double>& out = *out_map;
  if (retrieval != nullptr) {
    const RetrievalRecord& r = *retrieval;
    if (r.has_precision_at_1()) out[prefix + "precision_at_1"] = r.precision_at_1();
    if (r.has_r_precision()) out[prefix + "r_precision"] = r.r_precision();
    if (r.has_map_at_r()) out[prefix + "map_at_r"] = r.map_at_r();
    for (const RecallAtK& k : r.recall_at_k()) {
      out[absl::StrCat(prefix, "recall_at_", k.k())] = k.recall();
    }
    if (r.has_knn_accuracy()) out[prefix + "knn_accuracy"] = r.knn_accuracy();
    if (r.has_num_queries()) out[prefix + "num_queries"] = r.num_queries();
  }
  if (verification != nullptr) {
    const VerificationRecord& v = *verification;
    if (v.has_roc_auc()) out[prefix + "roc_auc"] = v.roc_auc();
    if (v.has_eer()) out[prefix + "eer"] = v.eer();
    if (v.has_tar_at_far_1e_3()) out[prefix + "tar_at_far_1e-3"] = v.tar_at_far_1e_3();
    if (v.has_tar_at_far_1e_2()) out[prefix + "tar_at_far_1e-2"] = v.tar_at_far_1e_2();
    if (v.has_accuracy()) out[prefix + "verification_accuracy"] = v.accuracy();
    if (v.has_threshold()) out[prefix + "threshold"] = v.threshold();
    if (v.has_validation_accuracy()) out[prefix + "validation_accuracy"] = v.validation_accuracy();
  }
  if (few_shot != nullptr && few_shot->has_accuracy()) {
    out[prefix + "few_shot_accuracy"] = few_shot->accuracy();
  }
  if (clustering != nullptr) {
    if (clustering->has_nmi()) out[prefix + "nmi"] = clustering->nmi();
    if (clustering->has_ami()) out[prefix + "ami"] = clustering->ami();
  }
}

}  // namespace

std::map<std::string, double> MetricValues(const RunResults& results) {
  std::map<std::string, double> out;
  AddMetrics(results.has_retrieval() ? &results.retrieval() : nullptr,
             results.has_verification() ? &results.verification() : nullptr,
             results.has_few_shot() ? &results.few_shot() : nullptr,
             results.has_clustering() ? &results.clustering() : nullptr, "", &out);
  if (results.has_untrained()) {
    const TestMetrics& u = results.untrained();
    AddMetrics(u.has_retrieval() ? &u.retrieval() : nullptr,
               u.has_verification() ? &u.verification() : nullptr,
               u.has_few_shot() ? &u.few_shot() : nullptr,
               u.has_clustering() ? &u.clustering() : nullptr, "untrained_", &out);
  }
  if (results.has_gain_over_untrained()) {
    const GainRecord& g = results.gain_over_untrained();
    if (g.has_precision_at_1()) out["gain_precision_at_1"] = g.precision_at_1();
    if (g.has_r_precision()) out["gain_r_precision"] = g.r_precision();
    if (g.has_map_at_r()) out["gain_map_at_r"] = g.map_at_r();
    if (g.has_roc_auc()) out["gain_roc_auc"] = g.roc_auc();
    if (g.has_few_shot_accuracy()) out["gain_few_shot_accuracy"] = g.few_shot_accuracy();
  }
  if (results.has_selection()) {
    out["selected_step"] = results.selection().step();
    out["selected_validation_score"] = results.selection().validation_score();
  }
  return out;
}

namespace {

const char* const kBaseMetrics[] = {"precision_at_1",
                                    "r_precision",
                                    "map_at_r",
                                    "knn_accuracy",
                                    "num_queries",
                                    "roc_auc",
                                    "eer",
                                    "tar_at_far_1e-3",
                                    "tar_at_far_1e-2",
                                    "verification_accuracy",
                                    "threshold",
                                    "validation_accuracy",
                                    "few_shot_accuracy",
                                    "nmi",
                                    "ami"};
const char* const kGainMetrics[] = {"precision_at_1", "r_precision", "map_at_r", "roc_auc",
                                    "few_shot_accuracy"};

bool IsBaseMetric(const std::string& name) {
  for (const char* m : kBaseMetrics) {
    if (name == m) return true;
  }
  const std::string recall = "recall_at_";
  return name.size() > recall.size() && name.compare(0, recall.size(), recall) == 0 &&
         name.find_first_not_of("0123456789", recall.size()) == std::string::npos;
}

}  // namespace

bool IsKnownMetric(const std::string& name) {
  if (name == "train_seconds" || name == "selected_step" || name == "selected_validation_score") {
    return true;
  }
  if (IsBaseMetric(name)) return true;
  if (name.rfind("untrained_", 0) == 0) return IsBaseMetric(name.substr(10));
  if (name.rfind("gain_", 0) == 0) {
    for (const char* m : kGainMetrics) {
      if (name.substr(5) == m) return true;
    }
  }
  return false;
}

std::string KnownMetricNames() {
  std::string out;
  for (const char* m : kBaseMetrics) absl::StrAppend(&out, m, ", ");
  absl::StrAppend(&out, "recall_at_<k>, the same prefixed untrained_, gain_");
  for (const char* m : kGainMetrics) absl::StrAppend(&out, m, "/");
  out.pop_back();
  absl::StrAppend(&out, ", selected_step, selected_validation_score, train_seconds");
  return out;
}

}  // namespace siamese
