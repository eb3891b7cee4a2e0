// Distance "scaffold_distance_example": see scaffold_distance_example.proto for the formula.
//   Matrix  [N, D] x [M, D] -> [N, M]: |a_i - b_j| summed over D, from
//           differentiable ops on the broadcast difference [N, M, D]
//   Paired  the same for row i of a and row i of b -> [N]
//   Pair    the same in double (the reference formula; verification pairs,
//           few-shot episodes, and evaluation's blocks by default)
// |x| is Relu(x) + Relu(-x), whose gradient is sign(x), 0 at x = 0 (so a
// self-distance matrix's diagonal has no gradient).
#include <cmath>

#include "framework/core/distance_function.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "plugins/testing/scaffold/scaffold_distance_example/scaffold_distance_example.pb.h"

namespace siamese {
namespace {

Variable Abs(const Variable& x) { return Add(Relu(x), Relu(Neg(x))); }

class ScaffoldDistanceExampleDistance : public DistanceFunction {
 public:
  // Created once per name and shared; a distance has no parameters.
  static absl::StatusOr<std::unique_ptr<DistanceFunction>> Create(const ScaffoldDistanceExampleDistanceParams&,
                                                                  const PluginContext&) {
    return std::unique_ptr<DistanceFunction>(new ScaffoldDistanceExampleDistance);
  }

  // --- Training: larger is farther, the anchor a first (row i of the
  // result is a_i's); autograd derives the gradients. a and b may be the
  // same Variable (the batch against itself).
  Variable Matrix(const Variable& a, const Variable& b) const override {
    const int64_t n = a.dim(0), m = b.dim(0), dim = a.dim(1);
    const Variable diff = Sub(Reshape(a, {n, 1, dim}), Reshape(b, {1, m, dim}));  // [N, M, D]
    return Sum(Abs(diff), {2});
  }
  Variable Paired(const Variable& a, const Variable& b) const override {
    return Sum(Abs(Sub(a, b)), {1});
  }
  // Similarity(d), for similarity losses: the default -d. A registered
  // similarity s (d = -s) gives s back; cosine gives 1 - d.

  // --- Properties (these are the defaults, written out to be chosen).
  // d(a, b) == d(b, a); false: pair miners list both orders of a pair.
  bool symmetric() const override { return true; }
  // d depends on the directions of a and b only (k-means then clusters
  // unit vectors).
  bool normalizes() const override { return false; }
  // d >= 0 and d(a, a) = 0 (the collapse warning watches the mean).
  bool nonnegative() const override { return true; }

  // --- Evaluation, on plain values, in double.
  double Pair(const double* a, const double* b, int64_t dim) const override {
    double sum = 0;
    for (int64_t k = 0; k < dim; ++k) sum += std::fabs(a[k] - b[k]);
    return sum;
  }
  // Prepare, Block and RankingBlock keep their defaults: Pair on every
  // (query, reference) pair, exact and deterministic but not fast. A
  // distance made of one dot product per pair overrides them with the GEMM
  // kernel of framework/core/gemm_distance.h (plugins/distances/snr/).
};

SIAMESE_REGISTER_PLUGIN(DistanceFunction, "scaffold_distance_example", siamese::scaffold_distance_example_distance, ScaffoldDistanceExampleDistanceParams,
                        "one line on what it does (shown by train --list_plugins)",
                        &ScaffoldDistanceExampleDistance::Create);

}  // namespace
}  // namespace siamese
