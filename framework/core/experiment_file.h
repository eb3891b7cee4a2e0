// Reading an experiment file (protobuf text format, framework/proto/
// experiment.proto) and the command-line overrides merged into it.
//
// Every error names the file, the line and the field:
//   experiments/configs/x.pbtxt:12:5: Message type "siamese.TrainingConfig"
//       has no field named "batchsize".
//   experiments/configs/x.pbtxt:14:3: training.batch_size: must be >= 2, got 1
// Overrides are text-format fragments of an Experiment ("training { epochs: 3 }");
// each replaces what it sets: scalars and repeated fields are replaced, not
// appended, nested messages merge field by field, and naming a different
// plugin drops the previous plugin's parameters.
#ifndef SIAMESE_FRAMEWORK_CORE_EXPERIMENT_FILE_H_
#define SIAMESE_FRAMEWORK_CORE_EXPERIMENT_FILE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/proto/experiment.pb.h"
#include "google/protobuf/text_format.h"

namespace siamese {

class ExperimentFile {
 public:
  // Parses `path` (no path resolution here) and merges `overrides` in order.
  static absl::StatusOr<std::unique_ptr<ExperimentFile>> Load(
      const std::string& path, const std::vector<std::string>& overrides = {});
  // As Load, with the file's text given (for tests and ablation cells).
  static absl::StatusOr<std::unique_ptr<ExperimentFile>> Parse(
      const std::string& path, const std::string& text,
      const std::vector<std::string>& overrides = {});

  const Experiment& config() const { return config_; }
  const std::string& path() const { return path_; }

  // "file:line:col: " of a field given by names from the root, e.g.
  // {"training", "batch_size"} or {"loss", "[siamese.triplet]", "margin"};
  // "file: " when the field is not written in the file (a default, or set by
  // an override: then "override N: ").
  std::string Where(const std::vector<std::string>& field_path) const;

  // Prefixes a plugin's FieldError with the location of the field inside
  // `section` (e.g. "loss"); other statuses get the file name.
  absl::Status Locate(const std::string& section, const absl::Status& status) const;

  // The resolved config in text format (what the run folder records).
  std::string ResolvedText() const;

 private:
  absl::Status Validate() const;
  absl::Status Error(const std::vector<std::string>& field_path, const std::string& message) const;

  std::string path_;
  Experiment config_;
  google::protobuf::TextFormat::ParseInfoTree tree_;
  std::vector<std::unique_ptr<google::protobuf::TextFormat::ParseInfoTree>> override_trees_;
};

// Merges `from` into `to` with the override rules above.
void MergeOverride(const google::protobuf::Message& from, google::protobuf::Message* to);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_EXPERIMENT_FILE_H_
