// Train: runs one experiment file into its run folder.
//
// The run folder (<output_dir>/<name>) holds
//   experiment.pbtxt   the resolved config (file + overrides, defaults shown)
//   manifest.json      what produced the run: git commit and dirty flag,
//                      compiler, oneDNN version, CPU ISA, threads, seed,
//                      SHA-256 of every data file
//   metrics.jsonl      one JSON object per line: training progress and
//                      periodic validation metrics
//   checkpoint.ckpt    the latest checkpoint (atomic, checksummed)
//   results.json       the final test metrics (written last; reproducible)
//   timing.json        training wall time of this process
//   roc.tsv, test_embeddings.npy, test_labels.npy   for reports
// Training resumes from checkpoint.ckpt when the folder has one (and
// training.resume is true); sampler, miner and data order depend only on the
// seed and the step, so a resumed run ends with the same numbers as an
// uninterrupted one.
#ifndef SIAMESE_FRAMEWORK_TRAIN_TRAINER_H_
#define SIAMESE_FRAMEWORK_TRAIN_TRAINER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "framework/core/experiment_file.h"

namespace siamese {

struct TrainOptions {
  // Stop (as if killed) once this many steps are done and checkpointed;
  // -1: run to the end. For tests of resumption.
  int64_t stop_after_step = -1;
  // The command line, recorded in the manifest.
  std::string command_line;
  // Progress lines on stderr.
  bool verbose = true;
};

struct TrainResult {
  std::string run_dir;
  int64_t steps_done = 0;
  bool finished = false;
  std::string results_json;  // set when finished
};

absl::StatusOr<TrainResult> Train(const ExperimentFile& file, const TrainOptions& options = {});

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_TRAINER_H_
