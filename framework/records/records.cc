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
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not a valid ", record->GetDescriptor()->name(), " record: ",
                     std::string(status.message())));
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
    return absl::InternalError(absl::StrCat(path, ": cannot append: ",
                                            std::strerror(written ? errno : write_errno)));
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

std::map<std::string, double> MetricValues(const RunResults& results) {
  std::map<std::string, double> out;
  if (results.has_retrieval()) {
    const RetrievalRecord& r = results.retrieval();
    if (r.has_precision_at_1()) out["precision_at_1"] = r.precision_at_1();
    if (r.has_r_precision()) out["r_precision"] = r.r_precision();
    if (r.has_map_at_r()) out["map_at_r"] = r.map_at_r();
    for (const RecallAtK& k : r.recall_at_k()) out[absl::StrCat("recall_at_", k.k())] = k.recall();
    if (r.has_knn_accuracy()) out["knn_accuracy"] = r.knn_accuracy();
    if (r.has_num_queries()) out["num_queries"] = r.num_queries();
  }
  if (results.has_verification()) {
    const VerificationRecord& v = results.verification();
    if (v.has_roc_auc()) out["roc_auc"] = v.roc_auc();
    if (v.has_eer()) out["eer"] = v.eer();
    if (v.has_tar_at_far_1e_3()) out["tar_at_far_1e-3"] = v.tar_at_far_1e_3();
    if (v.has_tar_at_far_1e_2()) out["tar_at_far_1e-2"] = v.tar_at_far_1e_2();
    if (v.has_accuracy()) out["verification_accuracy"] = v.accuracy();
    if (v.has_threshold()) out["threshold"] = v.threshold();
    if (v.has_validation_accuracy()) out["validation_accuracy"] = v.validation_accuracy();
  }
  return out;
}

}  // namespace siamese
