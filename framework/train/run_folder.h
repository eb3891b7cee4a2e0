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
#include <memory>
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
  // The same folder's paths without touching the file system (the ranks of
  // a data-parallel run that write nothing).
  static absl::StatusOr<RunFolder> Named(const std::string& output_dir, const std::string& name);

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

  // Takes an exclusive lock on the folder (flock of <dir>/.lock, which
  // records the holder's pid) for this object's lifetime, so that two
  // processes never train into one folder; FailedPrecondition naming the
  // folder and the holder otherwise. Then removes what interrupted atomic
  // writes left (*.tmp.<pid>: only the lock holder writes here).
  absl::Status Lock();

  // Removes every file a previous run left (a run that starts from step 0
  // in a used folder), so the folder never holds two experiments.
  void ClearPreviousRun() const;
  // Removes the files of a finished run's end (results, timing, report
  // files), before it is extended or evaluated again.
  void ClearResults() const;
  // Keeps the metrics.jsonl lines of steps <= `step`, other than the final
  // "test" line (a run resumed from the checkpoint of `step`), so every step
  // appears once.
  absl::Status TruncateMetrics(int64_t step) const;

  absl::Status WriteExperiment(const std::string& text) const;
  absl::Status WriteManifest(const Manifest& manifest) const;
  absl::Status AppendMetrics(const MetricsLine& line) const;
  absl::Status WriteResults(const RunResults& results) const;
  absl::Status WriteTiming(const Timing& timing) const;
  // roc.tsv (threshold, far, tar) and the test embeddings with their labels.
  absl::Status WriteReportFiles(const EvaluationReport& report,
                                const std::vector<int64_t>& test_labels) const;

 private:
  explicit RunFolder(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  std::shared_ptr<int> lock_fd_;  // closed (unlocked) with the last copy
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_RUN_FOLDER_H_
