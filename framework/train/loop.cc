#include "framework/train/loop.h"

namespace siamese {

absl::StatusOr<LoopResult> TrainingLoop::Run(int64_t first_step) {
  Components& c = *components_;
  for (TrainingObserver* o : observers_) {
    if (absl::Status s = o->OnStart(first_step, c.total_steps); !s.ok()) return s;
  }
  // The sampler is a pure function of the epoch: compute each epoch's
  // batches once (epoch 0's came with the components).
  std::vector<Batch> batches = std::move(c.first_epoch_batches);
  int64_t batches_epoch = 0;
  c.model.encoder->Train();
  LoopResult result;
  result.steps_done = first_step;
  for (int64_t step = first_step; step < c.total_steps; ++step) {
    const int64_t epoch = step / c.batches_per_epoch;
    if (epoch != batches_epoch || batches.empty()) {
      batches = c.sampler->EpochBatches(epoch);
      batches_epoch = epoch;
    }
    auto step_result = TrainingStep(&c, batches[step % c.batches_per_epoch], step);
    if (!step_result.ok()) {
      result.diverged = true;
      result.divergence = step_result.status();
      break;
    }
    result.steps_done = step + 1;
    result.examples += step_result->examples;
    StepInfo info{step + 1, c.total_steps, epoch, *step_result};
    LoopControl control;
    for (TrainingObserver* o : observers_) {
      if (absl::Status s = o->AfterStep(info, &control); !s.ok()) return s;
    }
    if (control.pause) {
      result.paused = true;
      break;
    }
    if (control.finish) break;
  }
  for (TrainingObserver* o : observers_) o->OnEnd();
  return result;
}

}  // namespace siamese
