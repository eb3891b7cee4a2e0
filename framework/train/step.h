// One training step, as the math reads:
//
//   x = batch (normalized)           e = encoder(x)           [N, D]
//   d = distance(e, e)               [N, N]
//   tuples = miner(e, d, labels)     (or the sampler's own tuples)
//   l = loss(e, d, labels, tuples)
//   backward(l); optimizer update at schedule(step)
//
// Deterministic: everything random derives from (seed, step).
#ifndef SIAMESE_FRAMEWORK_TRAIN_STEP_H_
#define SIAMESE_FRAMEWORK_TRAIN_STEP_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "framework/core/sampler.h"
#include "framework/train/assembly.h"

namespace siamese {

struct StepResult {
  float loss = 0;
  float learning_rate = 0;
  int64_t examples = 0;  // the batch's size
  int64_t tuples = 0;    // what the loss saw
};

// Runs step `step` (0-based) on `batch` of the training split. When the loss
// is not finite, nothing is updated and the error (FailedPrecondition) says
// so; the caller decides what that means for the run.
absl::StatusOr<StepResult> TrainingStep(Components* components, const Batch& batch, int64_t step);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_STEP_H_
