// RunFolder: the folder of one run, <output_dir>/<name>, and every file in
// it. No other code builds a path inside a run folder.
//
//   experiment.pbtxt     the resolved config (file + overrides, defaults shown)
//   manifest.json        what produced the run (Manifest in records.proto)
//   metrics.jsonl        one MetricsLine per line: training progress,
//                        periodic validation, the final test metrics
//   checkpoint.ckpt      the latest checkpoint (framework/train/bundle.h); once
//                        the run finished, the model the results are of
//   best.ckpt            with model selection: the best model on validation
//   results.json         the final test metrics (RunResults), written last
//   timing.json          this process's training time (Timing)
//   roc.tsv, test_embeddings.npy, test_labels.npy   for reports
// JSON files are written with framework/records/records.h: strict JSON.
#ifndef SIAMESE_FRAMEWORK_TRAIN_RUN_FOLDER_H_
#define SIAMESE_FRAMEWORK_TRAIN_RUN_FOLDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/proto/records.pb.h"
#include "framework/train/evaluate.h"

namespace siamese {

class RunFolder {
 public:
  // <output_dir>/<name>, with output_dir resolved as a user path
  // (framework/io/run_dir.h) and created if missing.
  static absl::StatusOr<RunFolder> Create(const std::string& output_dir, const std::string& name);

  const std::string& dir() const { return dir_; }
  std::string experiment_path() const { return dir_ + "/experiment.pbtxt"; }
  std::string manifest_path() const { return dir_ + "/manifest.json"; }
  std::string metrics_path() const { return dir_ + "/metrics.jsonl"; }
  std::string checkpoint_path() const { return dir_ + "/checkpoint.ckpt"; }
  // The best model so far by the validation metric (SelectionConfig).
  std::string best_checkpoint_path() const { return dir_ + "/best.ckpt"; }
  std::string results_path() const { return dir_ + "/results.json"; }
  std::string timing_path() const { return dir_ + "/timing.json"; }
  std::string roc_path() const { return dir_ + "/roc.tsv"; }
  std::string test_embeddings_path() const { return dir_ + "/test_embeddings.npy"; }
  std::string test_labels_path() const { return dir_ + "/test_labels.npy"; }

  bool HasCheckpoint() const;

  absl::Status WriteExperiment(const std::string& text) const;
  absl::Status WriteManifest(const Manifest& manifest) const;
  // Deletes metrics.jsonl (a run that starts from step 0).
  void ClearMetrics() const;
  absl::Status AppendMetrics(const MetricsLine& line) const;
  absl::Status WriteResults(const RunResults& results) const;
  absl::Status WriteTiming(const Timing& timing) const;
  // roc.tsv (threshold, far, tar) and the test embeddings with their labels.
  absl::Status WriteReportFiles(const EvaluationReport& report,
                                const std::vector<int64_t>& test_labels) const;

 private:
  explicit RunFolder(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_RUN_FOLDER_H_
