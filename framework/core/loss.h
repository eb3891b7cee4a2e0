// Loss: maps a batch's embeddings, distances, labels and mined tuples to a
// scalar Variable (differentiable with respect to the embeddings).
#ifndef SIAMESE_FRAMEWORK_CORE_LOSS_H_
#define SIAMESE_FRAMEWORK_CORE_LOSS_H_

#include <vector>

#include "framework/autograd/variable.h"
#include "framework/core/distance.h"
#include "framework/core/miner.h"
#include "framework/proto/experiment.pb.h"

namespace siamese {

struct LossInput {
  Variable embeddings;  // [N, D]
  Variable distances;   // [N, N], computed with `distance` from embeddings
  const std::vector<int64_t>* labels = nullptr;
  const MinedTuples* tuples = nullptr;
  Distance distance = Distance::Euclidean();
};

class Loss {
 public:
  using Config = LossConfig;
  static constexpr const char* kKind = "loss";

  virtual ~Loss() = default;

  // The tuples this loss consumes; the framework checks that the miner agrees.
  virtual TupleKind input() const = 0;
  // A scalar (rank-0) Variable. With no tuples the loss is 0 (and still a
  // Variable connected to the embeddings, so backward is well defined).
  virtual Variable Compute(const LossInput& input) = 0;
};

// Helpers for loss authors.
// d[rows[i], cols[i]] for each i, as a [T] Variable (differentiable).
Variable GatherDistances(const Variable& distances, const std::vector<int64_t>& rows,
                         const std::vector<int64_t>& cols);
// A rank-0 zero connected to `distances` (the loss of a batch with no tuples).
Variable ZeroLoss(const Variable& distances);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_LOSS_H_
