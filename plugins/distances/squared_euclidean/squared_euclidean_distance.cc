// Distance "squared_euclidean": ||a - b||_2^2.
//   Matrix  max(||a||^2 + ||b||^2 - 2 a.b, 0), one GEMM
//           (PairwiseSquaredEuclidean; exactly 0 on a self-distance
//           matrix's diagonal)
//   Paired  ||a - b||^2
//   Pair    ||a - b||^2 in double
//   Block   max(s, 0) of the GEMM kernel's squared distances s;
//           RankingBlock gives s itself (no clamp)
#include <algorithm>

#include "framework/core/distance_function.h"
#include "framework/core/gemm_distance.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/distance.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "plugins/distances/squared_euclidean/squared_euclidean.pb.h"

namespace siamese {
namespace {

class SquaredEuclideanDistance : public DistanceFunction {
 public:
  static absl::StatusOr<std::unique_ptr<DistanceFunction>> Create(
      const SquaredEuclideanDistanceParams&, const PluginContext&) {
    return std::unique_ptr<DistanceFunction>(new SquaredEuclideanDistance);
  }

  Variable Matrix(const Variable& a, const Variable& b) const override {
    return PairwiseSquaredEuclidean(a, b);
  }
  Variable Paired(const Variable& a, const Variable& b) const override {
    return Sum(Square(Sub(a, b)), {1});
  }

  double Pair(const double* a, const double* b, int64_t dim) const override {
    double ss = 0;
    for (int64_t k = 0; k < dim; ++k) ss += (a[k] - b[k]) * (a[k] - b[k]);
    return ss;
  }

  absl::StatusOr<std::unique_ptr<const PreparedRows>> Prepare(const Tensor& rows) const override {
    auto p = GemmRows::Make(rows, RowTransform::kNone);
    if (!p.ok()) return p.status();
    return std::unique_ptr<const PreparedRows>(std::move(*p));
  }
  void Block(const PreparedRows& a, int64_t begin, int64_t count, const PreparedRows& b,
             float* out) const override {
    RankingBlock(a, begin, count, b, out);
    const int64_t size = count * b.size();
    for (int64_t i = 0; i < size; ++i) out[i] = std::max(out[i], 0.0f);
  }
  void RankingBlock(const PreparedRows& a, int64_t begin, int64_t count, const PreparedRows& b,
                    float* out) const override {
    GemmDistanceBlock(static_cast<const GemmRows&>(a), begin, count,
                      static_cast<const GemmRows&>(b), GemmEpilogue::kSquaredDistance, out);
  }
};

SIAMESE_REGISTER_PLUGIN(DistanceFunction, "squared_euclidean",
                        siamese::squared_euclidean_distance, SquaredEuclideanDistanceParams,
                        "||a - b||_2^2", &SquaredEuclideanDistance::Create);

}  // namespace
}  // namespace siamese
