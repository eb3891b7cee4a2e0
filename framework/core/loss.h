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
#include "framework/core/references.h"
#include "framework/core/tuples.h"
#include "framework/nn/module.h"
#include "framework/proto/experiment.pb.h"

namespace siamese {

struct LossInput {
  Variable embeddings;                           // [N, D]
  Variable distances;                            // [N, M]: `distance` from embeddings to references
  const std::vector<int64_t>* labels = nullptr;  // N class ids
  const Tuples* tuples = nullptr;                // of kind input()
  Distance distance = Distance::Euclidean();
  // What the batch is compared with (framework/core/references.h). By
  // default the batch itself: reference_embeddings is `embeddings`,
  // references is null, M == N and pairs are unordered. With a cross-batch
  // memory: the memory's [M, D] embeddings (constants: gradients reach the
  // encoder through the rows only), their labels and each row's own
  // column, and tuples are directed (row, column). Only losses whose
  // accepts_references() is true are given references.
  Variable reference_embeddings;  // undefined: `embeddings`
  const References* references = nullptr;

  Comparisons comparisons() const { return Comparisons(labels, references); }
  // The [M, D] embeddings the columns of `distances` were computed from.
  const Variable& references_or_batch() const {
    return reference_embeddings.defined() ? reference_embeddings : embeddings;
  }
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
  // True when Compute() handles input.references: an [N, M] distance
  // matrix and directed tuples (pair masks from MasksOf(pairs, input) in
  // plugins/losses/common/pair_matrix.h do this). Default: false (the
  // trainer then refuses a cross-batch memory with this loss, naming it).
  virtual bool accepts_references() const { return false; }

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
