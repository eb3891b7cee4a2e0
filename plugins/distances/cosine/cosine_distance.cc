// Distance "cosine": 1 - a.b / (max(||a||, 1e-12) max(||b||, 1e-12)).
//   Matrix      1 - L2Normalize(a) . L2Normalize(b)^T, one GEMM
//               (PairwiseCosineDistance)
//   Paired      1 - sum(L2Normalize(a) * L2Normalize(b))
//   Similarity  1 - d: the cosine similarity itself
//   Pair        the same formula in double
//   Block       1 - x.y of the rows normalized once (in double), by the
//               GEMM kernel
// normalizes(): clustering runs k-means on the normalized embeddings.
#include <algorithm>
#include <cmath>

#include "framework/core/distance_function.h"
#include "framework/core/gemm_distance.h"
#include "framework/core/registry.h"
#include "framework/ops/distance.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "plugins/distances/cosine/cosine.pb.h"

namespace siamese {
namespace {

class CosineDistance : public DistanceFunction {
 public:
  static absl::StatusOr<std::unique_ptr<DistanceFunction>> Create(const CosineDistanceParams&,
                                                                  const PluginContext&) {
    return std::unique_ptr<DistanceFunction>(new CosineDistance);
  }

  Variable Matrix(const Variable& a, const Variable& b) const override {
    return PairwiseCosineDistance(a, b);
  }
  Variable Paired(const Variable& a, const Variable& b) const override {
    return RSubScalar(Sum(Mul(L2Normalize(a), L2Normalize(b)), {1}), 1.0f);
  }
  Variable Similarity(const Variable& d) const override { return RSubScalar(d, 1.0f); }
  bool normalizes() const override { return true; }

  double Pair(const double* a, const double* b, int64_t dim) const override {
    double dot = 0, na = 0, nb = 0;
    for (int64_t k = 0; k < dim; ++k) {
      dot += a[k] * b[k];
      na += a[k] * a[k];
      nb += b[k] * b[k];
    }
    // Norms clamped at 1e-12, as torch.nn.functional.normalize.
    return 1.0 - dot / (std::max(std::sqrt(na), 1e-12) * std::max(std::sqrt(nb), 1e-12));
  }

  absl::StatusOr<std::unique_ptr<const PreparedRows>> Prepare(const Tensor& rows) const override {
    auto p = GemmRows::Make(rows, RowTransform::kNormalize);
    if (!p.ok()) return p.status();
    return std::unique_ptr<const PreparedRows>(std::move(*p));
  }
  void Block(const PreparedRows& a, int64_t begin, int64_t count, const PreparedRows& b,
             float* out) const override {
    GemmDistanceBlock(static_cast<const GemmRows&>(a), begin, count,
                      static_cast<const GemmRows&>(b), GemmEpilogue::kOneMinusDot, out);
  }
};

SIAMESE_REGISTER_PLUGIN(DistanceFunction, "cosine", siamese::cosine_distance,
                        CosineDistanceParams, "1 - a.b / (||a|| ||b||); similarity 1 - d",
                        &CosineDistance::Create);

}  // namespace
}  // namespace siamese
