// The observers a training run uses (loop.h): each does one job after a
// step, and none of them edits the loop.
//
//   ProgressObserver     every log_every steps: the mean loss, learning rate
//                        and throughput since the previous report, as a
//                        progress line on stderr and a "train" line of
//                        metrics.jsonl
//   ValidationObserver   every eval_every steps: retrieval on the validation
//                        split, printed and appended to metrics.jsonl; with
//                        model selection, keeps the best model (best.ckpt)
//                        and stops early when patience runs out; counts the
//                        time it takes (timing.json validation_seconds)
//   PauseObserver        leaves the loop as if killed after a given step
//                        (tests of resumption)
//   RankConsensusObserver  data-parallel runs: every rank pauses or
//                        finishes at the step any rank asked to (a signal
//                        reaches ranks at different steps)
//   CheckpointObserver   every checkpoint_every steps, and when the loop is
//                        left early: a checkpoint (bundle.h)
// Observers given no RunFolder (nullptr: the ranks of a data-parallel run
// other than rank 0) compute and decide as the writer does but write
// nothing.
#ifndef SIAMESE_FRAMEWORK_TRAIN_OBSERVERS_H_
#define SIAMESE_FRAMEWORK_TRAIN_OBSERVERS_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "framework/distributed/communicator.h"
#include "framework/proto/experiment.pb.h"
#include "framework/train/assembly.h"
#include "framework/train/loop.h"
#include "framework/train/run_folder.h"

namespace siamese {

class ProgressObserver : public TrainingObserver {
 public:
  // verbose: print progress lines on stderr ("\r"-updated on a terminal).
  ProgressObserver(const RunFolder* folder, int64_t log_every, bool verbose);
  absl::Status OnStart(int64_t first_step, int64_t total_steps) override;
  absl::Status AfterStep(const StepInfo& info, LoopControl* control) override;
  void OnEnd() override;

 private:
  using Clock = std::chrono::steady_clock;
  const RunFolder* folder_;
  int64_t log_every_;
  bool verbose_;
  bool tty_;
  bool printed_ = false;
  int64_t first_step_ = 0;
  Clock::time_point start_, since_;
  int64_t examples_since_ = 0;
  double loss_sum_ = 0;
  int64_t loss_count_ = 0;
};

class ValidationObserver : public TrainingObserver {
 public:
  // Evaluates every `eval_every` steps (never when 0, or when the validation
  // split has fewer than 2 examples). With `selection` (else nullptr), the
  // model of every evaluation that improves selection->metric by more than
  // min_delta is saved to best.ckpt and recorded in components->selection.
  ValidationObserver(const RunFolder* folder, Components* components,
                     const EvaluationConfig& config, int64_t eval_every,
                     const SelectionConfig* selection, std::string experiment_text, bool verbose);
  absl::Status AfterStep(const StepInfo& info, LoopControl* control) override;
  // Wall time spent in evaluations (and best-model saves) so far.
  double seconds() const { return seconds_; }

 private:
  absl::Status Evaluate(const StepInfo& info, LoopControl* control);
  const RunFolder* folder_;
  Components* components_;
  EvaluationConfig config_;
  int64_t eval_every_;
  const SelectionConfig* selection_;
  std::string experiment_text_;
  bool verbose_;
  double seconds_ = 0;
};

// The value of a SelectionConfig metric ("map_at_r", "precision_at_1",
// "r_precision") in `m`.
double SelectionScore(const RetrievalMetrics& m, const std::string& metric);

// Watches for training that does nothing useful and says so once, on
// stderr and in results.json ("warnings"): the first `window` steps mined
// no tuple (the loss is 0, nothing trains; mining nothing later is a solved
// task), or `window` consecutive steps whose batch embeddings all but
// coincide (mean distance below 1e-3 of the first step's: the embedding
// collapsed to a point, the loss sits at the margin; checked only under a
// distance that is nonnegative(), not dot_product).
class CollapseObserver : public TrainingObserver {
 public:
  CollapseObserver(Components* components, int64_t window, bool verbose);
  absl::Status AfterStep(const StepInfo& info, LoopControl* control) override;

 private:
  void Warn(const std::string& warning);
  Components* components_;
  int64_t window_;
  bool verbose_;
};

class PauseObserver : public TrainingObserver {
 public:
  explicit PauseObserver(int64_t after_step) : after_step_(after_step) {}
  absl::Status AfterStep(const StepInfo& info, LoopControl* control) override;

 private:
  int64_t after_step_;
};

class RankConsensusObserver : public TrainingObserver {
 public:
  // REQUIRES: comm outlives the observer; every rank adds one at the same
  // place (after every observer that may ask to pause or finish, before the
  // checkpoint observer).
  explicit RankConsensusObserver(Communicator* comm) : comm_(comm) {}
  absl::Status AfterStep(const StepInfo& info, LoopControl* control) override;

 private:
  Communicator* comm_;
};

class CheckpointObserver : public TrainingObserver {
 public:
  // Saves every `every` steps (0: never periodically) and whenever an
  // earlier observer asked the loop to pause.
  CheckpointObserver(const RunFolder* folder, const Components* components,
                     std::string experiment_text, int64_t every);
  absl::Status AfterStep(const StepInfo& info, LoopControl* control) override;
  // The step of the last checkpoint this observer wrote, or -1.
  int64_t last_saved_step() const { return last_saved_step_; }

 private:
  const RunFolder* folder_;
  const Components* components_;
  std::string experiment_text_;
  int64_t every_;
  int64_t last_saved_step_ = -1;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_OBSERVERS_H_
