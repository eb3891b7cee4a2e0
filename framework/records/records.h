// The JSON records of a run folder (framework/proto/records.proto: results,
// metrics lines, manifest, timing), written and read with protobuf's own
// JSON support, so every file is strict JSON and has one schema.
//
// Writing: field names are the proto's snake_case names; a NaN or infinite
// number becomes the JSON string "NaN", "Infinity" or "-Infinity" (never a
// bare nan/inf token, which strict readers reject); fields never set are
// left out. Reading: unknown fields and malformed text are errors naming
// the file (and line, for metrics.jsonl).
#ifndef SIAMESE_FRAMEWORK_RECORDS_RECORDS_H_
#define SIAMESE_FRAMEWORK_RECORDS_RECORDS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "framework/proto/records.pb.h"
#include "google/protobuf/message.h"

namespace siamese {

// One JSON object: on one line (metrics.jsonl), or indented over several
// (results.json, manifest.json, timing.json). No trailing newline.
std::string ToJson(const google::protobuf::Message& record, bool one_line = false);

// Parses `text` into `record` (cleared first). Errors: InvalidArgument
// "<where>: <protobuf's reason>".
absl::Status ParseJson(absl::string_view text, const std::string& where,
                       google::protobuf::Message* record);

// Writes `record` indented, with a final newline, atomically (see
// framework/io/atomic_file.h). Errors name the file.
absl::Status WriteJsonFile(const std::string& path, const google::protobuf::Message& record);

// Reads a file WriteJsonFile wrote. Errors name the file.
absl::Status ReadJsonFile(const std::string& path, google::protobuf::Message* record);

// Appends `record` as one line to `path` (created if missing) and flushes.
// Errors name the file and the system's reason.
absl::Status AppendJsonLine(const std::string& path, const google::protobuf::Message& record);

// Every line of metrics.jsonl, in file order; blank lines are skipped.
// Errors name the file and the line.
absl::StatusOr<std::vector<MetricsLine>> ReadMetricsLines(const std::string& path);

// The results as flat metric names -> values, the names ablation files and
// summaries use: precision_at_1, r_precision, map_at_r, recall_at_<k>,
// knn_accuracy, num_queries, and with verification roc_auc, eer,
// tar_at_far_1e-3, tar_at_far_1e-2, verification_accuracy, threshold,
// validation_accuracy, few_shot_accuracy, nmi and ami (of the clustering);
// the same of the untrained encoder prefixed "untrained_";
// gain_precision_at_1, gain_r_precision, gain_map_at_r, gain_roc_auc,
// gain_few_shot_accuracy; selected_step and selected_validation_score with
// model selection. Fields not set are left out.
std::map<std::string, double> MetricValues(const RunResults& results);

// Whether `name` is one MetricValues can give (recall_at_<k> for any k), or
// "train_seconds" (timing.json); what ablation files may list.
bool IsKnownMetric(const std::string& name);
// The known names, for an error message ("recall_at_<k>" for the family).
std::string KnownMetricNames();

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_RECORDS_RECORDS_H_
