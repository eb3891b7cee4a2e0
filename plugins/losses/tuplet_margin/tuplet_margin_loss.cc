// Loss "tuplet_margin": Yu and Tao's tuplet margin loss (formula in the
// proto).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/logsumexp.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "plugins/losses/common/pair_matrix.h"
#include "plugins/losses/tuplet_margin/tuplet_margin.pb.h"

namespace siamese {
namespace {

class TupletMarginLoss : public Loss {
 public:
  explicit TupletMarginLoss(const TupletMarginLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const TupletMarginLossParams& p,
                                                      const PluginContext&) {
    if (!(p.margin() >= 0 && p.margin() < M_PI / 2)) {
      return FieldError("margin", absl::StrCat("must be in [0, pi/2) radians, got ", p.margin()));
    }
    if (!(p.scale() > 0) || !std::isfinite(p.scale())) {
      return FieldError("scale", absl::StrCat("must be finite and > 0, got ", p.scale()));
    }
    return std::unique_ptr<Loss>(new TupletMarginLoss(p));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Variable Compute(const LossInput& in) override {
    const Pairs& pairs = in.tuples->pairs();
    if (pairs.pos_a.empty() || pairs.neg_a.empty()) return ZeroLoss(in.distances);
    const PairMasks m = MasksOf(in);
    const int64_t n = m.columns;
    std::vector<int64_t> anchors, positives;  // each positive pair in both orders
    DirectedPositives(pairs, in.comparisons().directed(), &anchors, &positives);
    const int64_t rows = static_cast<int64_t>(anchors.size());
    std::vector<char> negatives(rows * n);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < n; ++j) negatives[r * n + j] = m.negative[anchors[r] * n + j];
    }
    const Variable cos = SimilarityOf(
        Distance::Cosine().Matrix(in.embeddings, in.references_or_batch()), Distance::Cosine());
    // cos(theta - b) = cos(theta) cos(b) + sin(theta) sin(b), sin(theta) >= 0.
    const Variable c = GatherDistances(cos, anchors, positives);
    const Variable sin = Sqrt(Clamp(RSubScalar(Square(c), 1.0f), 1e-12f, 1.0f));
    const float b = p_.margin();
    const Variable shifted = Add(MulScalar(c, std::cos(b)), MulScalar(sin, std::sin(b)));
    const Variable logits =
        MulScalar(Sub(GatherRows(cos, anchors), Reshape(shifted, {rows, 1})), p_.scale());
    return MeanAll(MaskedLogSumExp(logits, negatives, /*add_one=*/true));
  }

 private:
  TupletMarginLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "tuplet_margin", siamese::tuplet_margin, TupletMarginLossParams,
                        "Yu and Tao 2019: each positive's angle, less a slack margin, against "
                        "its anchor's negatives",
                        &TupletMarginLoss::Create);

}  // namespace
}  // namespace siamese
