#include "framework/core/distance.h"

#include <cfloat>

#include "absl/strings/str_cat.h"
#include "framework/ops/activation.h"
#include "framework/ops/distance.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"

namespace siamese {

absl::StatusOr<Distance> Distance::FromName(const std::string& name) {
  if (name == "euclidean") return Euclidean();
  if (name == "squared_euclidean") return SquaredEuclidean();
  if (name == "cosine") return Cosine();
  return absl::InvalidArgumentError(absl::StrCat(
      "distance must be \"euclidean\", \"squared_euclidean\" or \"cosine\", got \"", name, "\""));
}

const char* Distance::name() const {
  switch (kind_) {
    case Kind::kEuclidean:
      return "euclidean";
    case Kind::kSquaredEuclidean:
      return "squared_euclidean";
    case Kind::kCosine:
      return "cosine";
  }
  return "?";
}

Variable Distance::Matrix(const Variable& a, const Variable& b) const {
  switch (kind_) {
    case Kind::kEuclidean:
      return PairwiseEuclidean(a, b);
    case Kind::kSquaredEuclidean:
      return PairwiseSquaredEuclidean(a, b);
    case Kind::kCosine:
      return PairwiseCosineDistance(a, b);
  }
  return Variable();
}

Variable Distance::Paired(const Variable& a, const Variable& b) const {
  if (kind_ == Kind::kCosine) {
    return RSubScalar(Sum(Mul(L2Normalize(a), L2Normalize(b)), {1}), 1.0f);
  }
  Variable sq = Sum(Square(Sub(a, b)), {1});
  if (kind_ == Kind::kSquaredEuclidean) return sq;
  // As PairwiseEuclidean: sqrt(max(sq, 1e-12)), finite gradient at 0.
  return Sqrt(Clamp(sq, 1e-12f, FLT_MAX));
}

}  // namespace siamese
