// Distance "snr": the signal-to-noise ratio of Yuan et al. 2019 ("Signal-to-
// Noise Ratio: A Robust Distance Metric for Deep Metric Learning"):
//   d(a, b) = Var(b - a) / Var(a)
// the variance of the noise b - a over the variance of the anchor's signal
// a, over the D components of each embedding. The two variances' 1/(D - 1)
// cancel, so with x' = x - mean(x):
//   d(a, b) = ||b' - a'||^2 / max(||a'||^2, 1e-12)
// The floor keeps a constant anchor (zero variance; PML gives inf or NaN)
// finite. Invariant to adding a constant to every component of a or b and
// to scaling both by the same factor.
//   Matrix  ||b' - a'||^2 from one GEMM on the centered rows
//           (PairwiseSquaredEuclidean: clamped at 0, exactly 0 on a
//           self-distance matrix's diagonal), divided row by row by the
//           anchor's ||a'||^2
//   Paired  the same for row i of a and row i of b
//   Pair    the same in double
//   Block   max(s, 0) / max(||q'||^2, 1e-12) of the GEMM kernel's squared
//           distances s between centered rows (retrieval ranks by it)
//
// Asymmetric (symmetric() false): d(a, b) != d(b, a) in general. The anchor
// a is the row: Matrix(e, e)[i][j] = d(e_i, e_j) with example i as the
// anchor, as in PML's SNRDistance (its query is the row). Triplet losses and
// miners read d(anchor, positive) and d(anchor, negative) from the anchor's
// row; pair miners ("all", "hard_pairs") list both orders of a pair, each
// judged by its own value, as PML does; losses over the whole matrix
// (multi-similarity, NT-Xent, ...) see row i as example i's view.
// Evaluation: retrieval ranks references by d(query, reference), few-shot
// classifies by d(query, support or prototype) (the query's ||q'||^2 is the
// same for all of a row, so both rank by ||r' - q'||^2), verification
// measures d(pairs.a[i], pairs.b[i]).
//
// pytorch-metric-learning: SNRDistance(normalize_embeddings=False) (its
// default normalizes the embeddings first). Not inverted: PML's margins
// carry over unchanged.
#include <algorithm>
#include <cfloat>

#include "framework/core/distance_function.h"
#include "framework/core/gemm_distance.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/distance.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "plugins/distances/snr/snr.pb.h"

namespace siamese {
namespace {

// The floor of the anchor's ||a'||^2.
constexpr float kFloor = 1e-12f;

Variable Centered(const Variable& x) { return Sub(x, Mean(x, {1}, /*keepdims=*/true)); }

class SnrDistance : public DistanceFunction {
 public:
  static absl::StatusOr<std::unique_ptr<DistanceFunction>> Create(const SnrDistanceParams&,
                                                                  const PluginContext&) {
    return std::unique_ptr<DistanceFunction>(new SnrDistance);
  }

  Variable Matrix(const Variable& a, const Variable& b) const override {
    const Variable ac = Centered(a);
    // One Variable for a self-distance matrix: an exact 0 diagonal and the
    // fused backward of PairwiseSquaredEuclidean.
    const Variable bc = a.SameAs(b) ? ac : Centered(b);
    const Variable noise = PairwiseSquaredEuclidean(ac, bc);                         // [N, M]
    const Variable signal = Clamp(Sum(Square(ac), {1}, /*keepdims=*/true), kFloor, FLT_MAX);  // [N, 1]
    return Div(noise, signal);
  }
  Variable Paired(const Variable& a, const Variable& b) const override {
    const Variable noise = Sum(Square(Centered(Sub(b, a))), {1});
    const Variable signal = Clamp(Sum(Square(Centered(a)), {1}), kFloor, FLT_MAX);
    return Div(noise, signal);
  }
  bool symmetric() const override { return false; }

  double Pair(const double* a, const double* b, int64_t dim) const override {
    double mean_a = 0, mean_noise = 0;
    for (int64_t k = 0; k < dim; ++k) {
      mean_a += a[k];
      mean_noise += b[k] - a[k];
    }
    mean_a /= static_cast<double>(dim);
    mean_noise /= static_cast<double>(dim);
    double signal = 0, noise = 0;
    for (int64_t k = 0; k < dim; ++k) {
      signal += (a[k] - mean_a) * (a[k] - mean_a);
      const double e = b[k] - a[k] - mean_noise;
      noise += e * e;
    }
    return noise / std::max(signal, static_cast<double>(kFloor));
  }

  absl::StatusOr<std::unique_ptr<const PreparedRows>> Prepare(const Tensor& rows) const override {
    auto p = GemmRows::Make(rows, RowTransform::kCenter);
    if (!p.ok()) return p.status();
    return std::unique_ptr<const PreparedRows>(std::move(*p));
  }
  void Block(const PreparedRows& a, int64_t begin, int64_t count, const PreparedRows& b,
             float* out) const override {
    const GemmRows& q = static_cast<const GemmRows&>(a);
    GemmDistanceBlock(q, begin, count, static_cast<const GemmRows&>(b),
                      GemmEpilogue::kSquaredDistance, out);
    const int64_t m = b.size();
    for (int64_t i = 0; i < count; ++i) {
      const float signal = std::max(q.squared_norms()[begin + i], kFloor);
      float* row = out + i * m;
      for (int64_t j = 0; j < m; ++j) row[j] = std::max(row[j], 0.0f) / signal;
    }
  }
};

SIAMESE_REGISTER_PLUGIN(DistanceFunction, "snr", siamese::snr_distance, SnrDistanceParams,
                        "Yuan et al. 2019: Var(b - a) / Var(a), the anchor a first "
                        "(asymmetric)",
                        &SnrDistance::Create);

}  // namespace
}  // namespace siamese
