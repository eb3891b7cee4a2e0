// Loss: maps a batch's embeddings, distances, labels and mined tuples to a
// scalar Variable (differentiable with respect to the embeddings).
//
// A loss is a Module: it may own trainable parameters (class proxies, a
// learnable margin) and buffers (state kept across steps). They are trained
// by the run's optimizer alongside the encoder's, at the learning rate times
// the experiment's loss.learning_rate_multiplier; named "loss.<name>" in the
// optimizer, in init.frozen_prefixes and in `train --list_plugins`; saved
// in every checkpoint and restored on resume. Losses without either
// register nothing.
#ifndef SIAMESE_FRAMEWORK_CORE_LOSS_H_
#define SIAMESE_FRAMEWORK_CORE_LOSS_H_

#include <vector>

#include "framework/autograd/variable.h"
#include "framework/core/distance.h"
#include "framework/core/tuples.h"
#include "framework/nn/module.h"
#include "framework/proto/experiment.pb.h"

namespace siamese {

struct LossInput {
  Variable embeddings;                           // [N, D]
  Variable distances;                            // [N, N], computed with `distance` from embeddings
  const std::vector<int64_t>* labels = nullptr;  // N class ids
  const Tuples* tuples = nullptr;                // of kind input()
  Distance distance = Distance::Euclidean();
};

class Loss : public Module {
 public:
  using Config = LossConfig;
  static constexpr const char* kKind = "loss";

  // The tuples this loss consumes; the trainer converts the miner's tuples
  // to this kind (ConvertTuples).
  virtual TupleKind input() const = 0;
  // False for losses that compare each example with trainable class
  // weights (proxies) rather than with other examples: the trainer then
  // needs no miner, mines nothing and passes no tuples (input() is
  // ignored), and counts every example as one tuple. Default: true.
  virtual bool uses_tuples() const { return true; }
  // A scalar (rank-0) Variable. With no tuples the loss is 0 (and still a
  // Variable connected to the embeddings, so backward is well defined).
  virtual Variable Compute(const LossInput& input) = 0;

  // Called by the trainer before step `step`'s Compute(). Losses that draw
  // random numbers derive their stream from (seed, step) here, as encoders
  // do (encoder.h). Default: nothing.
  virtual void BeginStep(int64_t step) { (void)step; }
};

// Helpers for loss authors.
// d[rows[i], cols[i]] for each i, as a [T] Variable (differentiable).
Variable GatherDistances(const Variable& distances, const std::vector<int64_t>& rows,
                         const std::vector<int64_t>& cols);
// A rank-0 zero connected to `distances` (the loss of a batch with no tuples).
Variable ZeroLoss(const Variable& distances);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_LOSS_H_
