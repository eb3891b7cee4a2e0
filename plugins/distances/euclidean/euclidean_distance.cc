// Distance "euclidean": ||a - b||_2.
//   Matrix  sqrt(max(||a||^2 + ||b||^2 - 2 a.b, 1e-12)), one GEMM
//           (PairwiseEuclidean); at least 1e-6, with a finite gradient
//   Paired  sqrt(max(||a - b||^2, 1e-12))
//   Pair    sqrt(||a - b||^2) in double
//   Block   sqrt(max(s, 0)) of the GEMM kernel's squared distances s;
//           RankingBlock gives s itself (no square root, no clamp)
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "framework/core/distance_function.h"
#include "framework/core/gemm_distance.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/distance.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "plugins/distances/euclidean/euclidean.pb.h"

namespace siamese {
namespace {

class EuclideanDistance : public DistanceFunction {
 public:
  static absl::StatusOr<std::unique_ptr<DistanceFunction>> Create(const EuclideanDistanceParams&,
                                                                  const PluginContext&) {
    return std::unique_ptr<DistanceFunction>(new EuclideanDistance);
  }

  Variable Matrix(const Variable& a, const Variable& b) const override {
    return PairwiseEuclidean(a, b);
  }
  Variable Paired(const Variable& a, const Variable& b) const override {
    // As PairwiseEuclidean: sqrt(max(sq, 1e-12)), finite gradient at 0.
    return Sqrt(Clamp(Sum(Square(Sub(a, b)), {1}), 1e-12f, FLT_MAX));
  }

  double Pair(const double* a, const double* b, int64_t dim) const override {
    double ss = 0;
    for (int64_t k = 0; k < dim; ++k) ss += (a[k] - b[k]) * (a[k] - b[k]);
    return std::sqrt(ss);
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
    for (int64_t i = 0; i < size; ++i) out[i] = std::sqrt(std::max(out[i], 0.0f));
  }
  void RankingBlock(const PreparedRows& a, int64_t begin, int64_t count, const PreparedRows& b,
                    float* out) const override {
    GemmDistanceBlock(static_cast<const GemmRows&>(a), begin, count,
                      static_cast<const GemmRows&>(b), GemmEpilogue::kSquaredDistance, out);
  }
};

SIAMESE_REGISTER_PLUGIN(DistanceFunction, "euclidean", siamese::euclidean_distance,
                        EuclideanDistanceParams, "||a - b||_2 (the default)",
                        &EuclideanDistance::Create);

}  // namespace
}  // namespace siamese
