// Distance "dot_product": the dot-product similarity s = a.b, registered as
// the distance d = -a.b, so that larger is farther as for every distance.
//   Matrix      -(a . b^T), one GEMM
//   Paired      -sum(a * b)
//   Similarity  -d = a.b (what multi-similarity, circle, NT-Xent, ... use)
//   Pair        -a.b in double
//   Block       -x.y by the GEMM kernel
// d can be negative and d(a, a) = -||a||^2 is not 0: nonnegative() is false
// (the trainer's collapse warning, which watches the mean distance, is off).
// The embeddings are used as they are: on L2-normalized embeddings (an
// encoder's normalize option) d = cosine distance - 1.
//
// pytorch-metric-learning. PML's DotProductSimilarity normalizes the
// embeddings by default (it is then its CosineSimilarity); this plugin is
// DotProductSimilarity(normalize_embeddings=False). PML works with s and
// flips its comparisons for it (is_inverted); here the loss sees d = -s, so
// a PML margin maps as follows:
//   - a margin between two distances (triplet loss and triplet_margin /
//     semi_hard miners: d(a, p) - d(a, n) + margin) keeps its value:
//     PML's s(a, n) - s(a, p) + margin is the same number;
//   - a threshold on one distance is negated: contrastive loss and
//     hard_pairs miner (PML's PairMarginMiner) pos_margin = -PML's,
//     neg_margin = -PML's (PML's ContrastiveLoss(pos_margin=1,
//     neg_margin=0) on similarities is pos_margin: -1 neg_margin: 0 here),
//     likewise lifted structure's margins;
//   - parameters of losses written in the similarity (multi_similarity's
//     base, circle's m, NT-Xent's temperature) apply to s = a.b and keep
//     their values.
// tests/pml_crosscheck_test.cc checks the matrix, a triplet, a contrastive
// loss and miners against PML under these rules.
#include "framework/core/distance_function.h"
#include "framework/core/gemm_distance.h"
#include "framework/core/registry.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/linear.h"
#include "framework/ops/reduce.h"
#include "plugins/distances/dot_product/dot_product.pb.h"

namespace siamese {
namespace {

class DotProductDistance : public DistanceFunction {
 public:
  static absl::StatusOr<std::unique_ptr<DistanceFunction>> Create(const DotProductDistanceParams&,
                                                                  const PluginContext&) {
    return std::unique_ptr<DistanceFunction>(new DotProductDistance);
  }

  Variable Matrix(const Variable& a, const Variable& b) const override {
    return Neg(MatMul(a, b, /*transpose_a=*/false, /*transpose_b=*/true));
  }
  Variable Paired(const Variable& a, const Variable& b) const override {
    return Neg(Sum(Mul(a, b), {1}));
  }
  // The default -d: a.b.
  bool nonnegative() const override { return false; }

  double Pair(const double* a, const double* b, int64_t dim) const override {
    double dot = 0;
    for (int64_t k = 0; k < dim; ++k) dot += a[k] * b[k];
    return -dot;
  }

  absl::StatusOr<std::unique_ptr<const PreparedRows>> Prepare(const Tensor& rows) const override {
    // kNone checks that the squared norms fit a float, which bounds every
    // dot product (Cauchy-Schwarz).
    auto p = GemmRows::Make(rows, RowTransform::kNone);
    if (!p.ok()) return p.status();
    return std::unique_ptr<const PreparedRows>(std::move(*p));
  }
  void Block(const PreparedRows& a, int64_t begin, int64_t count, const PreparedRows& b,
             float* out) const override {
    GemmDistanceBlock(static_cast<const GemmRows&>(a), begin, count,
                      static_cast<const GemmRows&>(b), GemmEpilogue::kNegativeDot, out);
  }
};

SIAMESE_REGISTER_PLUGIN(DistanceFunction, "dot_product", siamese::dot_product_distance,
                        DotProductDistanceParams,
                        "-a.b: the dot-product similarity, negated (similarity a.b)",
                        &DotProductDistance::Create);

}  // namespace
}  // namespace siamese
