// The training loop: runs steps from a first step to the run's end, and
// after each one notifies its observers, in the order they were added.
// Progress lines, metrics, periodic evaluation, checkpoints, early stopping
// and distributed hooks are observers (observers.h); none of them edits the
// loop.
#ifndef SIAMESE_FRAMEWORK_TRAIN_LOOP_H_
#define SIAMESE_FRAMEWORK_TRAIN_LOOP_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/train/assembly.h"
#include "framework/train/step.h"

namespace siamese {

// What an observer learns after a step.
struct StepInfo {
  int64_t steps_done = 0;  // including this step (1 after the first)
  int64_t total_steps = 0;
  int64_t epoch = 0;  // 0-based epoch of this step
  StepResult result;
};

// What an observer may ask of the loop after a step.
struct LoopControl {
  // End training now; the run then finishes (final evaluation), e.g.
  // early stopping.
  bool finish = false;
  // Leave now as if killed: no final evaluation (the run resumes later).
  bool pause = false;
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  // Before the first step the loop runs (`first_step` > 0 after a resume).
  virtual absl::Status OnStart(int64_t first_step, int64_t total_steps) {
    (void)first_step;
    (void)total_steps;
    return absl::OkStatus();
  }
  // After every step. An error stops the run with that error.
  virtual absl::Status AfterStep(const StepInfo& info, LoopControl* control) = 0;
  // When the loop ends, however it ends (not after an error).
  virtual void OnEnd() {}
};

struct LoopResult {
  int64_t steps_done = 0;
  // Examples trained on by this Run() (the batches of the steps it ran).
  int64_t examples = 0;
  bool paused = false;  // an observer asked to leave as if killed
  // The loss of step `steps_done` was not finite: nothing was updated in
  // that step and the loop stopped; `divergence` says which step and value.
  bool diverged = false;
  absl::Status divergence;
};

class TrainingLoop {
 public:
  // REQUIRES: components outlives the loop.
  explicit TrainingLoop(Components* components) : components_(components) {}

  // Not owned; REQUIRES: outlives Run().
  void AddObserver(TrainingObserver* observer) { observers_.push_back(observer); }

  // Runs steps first_step .. total_steps - 1. A loss that is not finite
  // ends the loop with LoopResult::diverged; errors are an observer's.
  absl::StatusOr<LoopResult> Run(int64_t first_step);

 private:
  Components* components_;
  std::vector<TrainingObserver*> observers_;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_LOOP_H_
