// Distance: the quantity embeddings are compared with. A type, not a flag:
// losses, miners and evaluation receive a Distance and apply margins and
// thresholds to exactly what it computes, so a margin tuned for squared
// Euclidean distance is never silently applied to a cosine distance.
//
// A Distance is a small value (a name and a shared, stateless
// implementation) naming a registered DistanceFunction plugin
// (distance_function.h; plugins/distances/):
//   euclidean          ||a - b||_2   (sqrt(max(sq, 1e-12)): finite gradient at 0)
//   squared_euclidean  ||a - b||_2^2
//   cosine             1 - a.b / (||a|| ||b||)
//   dot_product        -a.b          (a similarity, negated)
//   snr                Var(b - a) / Var(a)   (asymmetric: a is the anchor)
// For all of them, larger means farther. Training (Matrix, Paired: autograd
// ops) and evaluation (framework/eval, through function()) use this one
// type.
#ifndef SIAMESE_FRAMEWORK_CORE_DISTANCE_H_
#define SIAMESE_FRAMEWORK_CORE_DISTANCE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "framework/autograd/variable.h"
#include "framework/core/distance_function.h"

namespace siamese {

class Distance {
 public:
  // The distances every build links (//plugins/distances). Resolved by name
  // when first used; a program that does not link the plugin aborts then,
  // naming it.
  static Distance Euclidean() { return Distance("euclidean"); }
  static Distance SquaredEuclidean() { return Distance("squared_euclidean"); }
  static Distance Cosine() { return Distance("cosine"); }
  // A registered distance plugin; NotFound listing the registered names
  // for anything else.
  static absl::StatusOr<Distance> FromName(const std::string& name);

  const char* name() const { return name_.c_str(); }
  // The registered implementation (evaluation calls Pair, Prepare, Block
  // and RankingBlock on it).
  const DistanceFunction& function() const;

  // [N, D] x [M, D] -> [N, M], entry (i, j) = d(a_i, b_j); differentiable.
  Variable Matrix(const Variable& a, const Variable& b) const { return function().Matrix(a, b); }
  // Row i of a against row i of b: [N, D] x [N, D] -> [N], differentiable.
  Variable Paired(const Variable& a, const Variable& b) const { return function().Paired(a, b); }
  // The similarity similarity-based losses use, from values d of this
  // distance (DistanceFunction::Similarity).
  Variable Similarity(const Variable& d) const { return function().Similarity(d); }
  bool symmetric() const { return function().symmetric(); }
  bool normalizes() const { return function().normalizes(); }
  bool nonnegative() const { return function().nonnegative(); }

  // Distances are equal when they name the same plugin.
  bool operator==(const Distance& o) const { return name_ == o.name_; }
  bool operator!=(const Distance& o) const { return name_ != o.name_; }

 private:
  explicit Distance(std::string name);
  Distance(std::string name, std::shared_ptr<const DistanceFunction> function)
      : name_(std::move(name)), function_(std::move(function)) {}

  std::string name_;
  // Null until the plugin was found (a static factory called before the
  // plugins registered, e.g. during static initialization).
  std::shared_ptr<const DistanceFunction> function_;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_DISTANCE_H_
