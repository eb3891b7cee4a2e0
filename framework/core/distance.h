// Distance: the quantity embeddings are compared with. A type, not a flag:
// losses, miners and evaluation receive a Distance and apply margins and
// thresholds to exactly what it computes, so a margin tuned for squared
// Euclidean distance is never silently applied to a cosine distance.
//
//   kEuclidean         ||a - b||_2   (sqrt(max(sq, 1e-12)): finite gradient at 0)
//   kSquaredEuclidean  ||a - b||_2^2
//   kCosine            1 - a.b / (||a|| ||b||)
// For all three, larger means farther. Training (Matrix, Paired: autograd
// ops) and evaluation (framework/eval: a blocked kernel on plain floats) use
// this one type.
#ifndef SIAMESE_FRAMEWORK_CORE_DISTANCE_H_
#define SIAMESE_FRAMEWORK_CORE_DISTANCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "framework/autograd/variable.h"

namespace siamese {

class Distance {
 public:
  enum class Kind { kEuclidean, kSquaredEuclidean, kCosine };

  static Distance Euclidean() { return Distance(Kind::kEuclidean); }
  static Distance SquaredEuclidean() { return Distance(Kind::kSquaredEuclidean); }
  static Distance Cosine() { return Distance(Kind::kCosine); }
  // "euclidean", "squared_euclidean" or "cosine"; anything else is an error
  // listing the three.
  static absl::StatusOr<Distance> FromName(const std::string& name);

  Kind kind() const { return kind_; }
  const char* name() const;

  // [N, D] x [M, D] -> [N, M], differentiable; one GEMM.
  Variable Matrix(const Variable& a, const Variable& b) const;
  // Row i of a against row i of b: [N, D] x [N, D] -> [N], differentiable.
  Variable Paired(const Variable& a, const Variable& b) const;

  bool operator==(const Distance& o) const { return kind_ == o.kind_; }
  bool operator!=(const Distance& o) const { return kind_ != o.kind_; }

 private:
  explicit Distance(Kind kind) : kind_(kind) {}
  Kind kind_;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_DISTANCE_H_
