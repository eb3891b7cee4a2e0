// Train: runs one experiment file into its run folder (run_folder.h lists
// the files). The parts, in order:
//   AssembleTraining (assembly.h)   data, model, miner, sampler, optimizer,
//                                   schedule; every check, located in the file
//   RunFolder (run_folder.h)        the folder and its records
//   RestoreTraining (bundle.h)      resume from the folder's checkpoint
//   TrainingLoop (loop.h)           the steps (step.h), with observers
//                                   (observers.h): progress, validation,
//                                   checkpoints
//   final evaluation (evaluate.h)   test metrics -> checkpoint, results.json
// SIGINT, SIGTERM and SIGHUP during the steps end training after the step
// in progress, with a checkpoint (interrupt.h); a second signal exits at
// once.
// Training resumes from checkpoint.ckpt when the folder has one (and
// training.resume is true); sampler, miner and data order depend only on the
// seed and the step, and the checkpoint carries the optimizer, loss and
// miner state, so a resumed run ends with the same numbers as an
// uninterrupted one.
//
// Data parallel (TrainOptions::communicator of N > 1 ranks, e.g.
// `mpirun -np N train_mpi`): every rank calls Train with the same file.
// Each rank embeds its share of every global batch, miner and loss see the
// gathered batch, gradients are all-reduced (step.h), so the ranks hold the
// same weights throughout. Rank 0 alone writes the run folder (lock,
// checkpoints, metrics, results) and prints; on a resume it reads the
// checkpoint and sends it to the others, so only rank 0 needs the folder.
// Validation and test evaluation embed each split over the ranks and give
// every rank the same metrics. A signal to any rank stops every rank after
// the same step, with rank 0's checkpoint. An error on one rank cannot be
// recovered by the others (they would wait in the next collective): the
// binary ends the job (train.cc).
#ifndef SIAMESE_FRAMEWORK_TRAIN_TRAINER_H_
#define SIAMESE_FRAMEWORK_TRAIN_TRAINER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "framework/core/experiment_file.h"
#include "framework/distributed/communicator.h"
#include "framework/proto/records.pb.h"

namespace siamese {

struct TrainOptions {
  // Stop (as if killed) once this many steps are done and checkpointed;
  // -1: run to the end. For tests of resumption.
  int64_t stop_after_step = -1;
  // The command line, recorded in the manifest.
  std::string command_line;
  // Progress lines on stderr (rank 0's only).
  bool verbose = true;
  // The job's ranks (framework/distributed/communicator.h); nullptr or one
  // rank: this process alone. Not owned; REQUIRES: outlives Train().
  Communicator* communicator = nullptr;
};

struct TrainResult {
  std::string run_dir;
  int64_t steps_done = 0;
  bool finished = false;
  // The signal (SIGINT, SIGTERM, SIGHUP) that ended training early with a
  // checkpoint (framework/train/interrupt.h); 0 if none.
  int interrupted_by = 0;
  // When finished: what results.json holds, as a message and as its JSON
  // text (without the final newline).
  RunResults results;
  std::string results_json;
  // When finished: what timing.json holds.
  Timing timing;
};

absl::StatusOr<TrainResult> Train(const ExperimentFile& file, const TrainOptions& options = {});

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_TRAINER_H_
