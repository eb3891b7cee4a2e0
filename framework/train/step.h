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
  // The mean distance between two embeddings of the batch (before the
  // update): near 0 when the embedding has collapsed to a point.
  double embedding_spread = 0;
};

// Runs step `step` (0-based) on `batch` of the training split. When the loss
// is not finite, nothing is updated and the error (FailedPrecondition) says
// so; when the update makes a parameter non-finite, the error names it (the
// weights in memory are then unusable: never checkpoint them). The caller
// decides what that means for the run.
absl::StatusOr<StepResult> TrainingStep(Components* components, const Batch& batch, int64_t step);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_STEP_H_
