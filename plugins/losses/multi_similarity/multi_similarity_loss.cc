// Loss "multi_similarity": Wang et al. 2019, the soft weighting of every
// positive and negative pair of an example (formula in the proto).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/logsumexp.h"
#include "framework/ops/reduce.h"
#include "plugins/losses/common/pair_matrix.h"
#include "plugins/losses/multi_similarity/multi_similarity.pb.h"

namespace siamese {
namespace {

class MultiSimilarityLoss : public Loss {
 public:
  explicit MultiSimilarityLoss(const MultiSimilarityLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const MultiSimilarityLossParams& p,
                                                      const PluginContext&) {
    if (!(p.alpha() > 0) || !std::isfinite(p.alpha())) {
      return FieldError("alpha", absl::StrCat("must be finite and > 0, got ", p.alpha()));
    }
    if (!(p.beta() > 0) || !std::isfinite(p.beta())) {
      return FieldError("beta", absl::StrCat("must be finite and > 0, got ", p.beta()));
    }
    if (!std::isfinite(p.base())) {
      return FieldError("base", absl::StrCat("must be finite, got ", p.base()));
    }
    return std::unique_ptr<Loss>(new MultiSimilarityLoss(p));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Variable Compute(const LossInput& in) override {
    const Pairs& pairs = in.tuples->pairs();
    if (pairs.size() == 0) return ZeroLoss(in.distances);
    const PairMasks m = MasksOf(in);
    const Variable s = SimilarityOf(in.distances, in.distance);
    const float a = p_.alpha(), b = p_.beta(), base = p_.base();
    // 1/alpha log(1 + sum_P exp(-alpha (s - base))), one value per example.
    Variable pos =
        MulScalar(MaskedLogSumExp(MulScalar(RSubScalar(s, base), a), m.positive, true), 1.0f / a);
    // 1/beta log(1 + sum_N exp(beta (s - base))).
    Variable neg =
        MulScalar(MaskedLogSumExp(MulScalar(AddScalar(s, -base), b), m.negative, true), 1.0f / b);
    return MeanAll(Add(pos, neg));
  }

 private:
  MultiSimilarityLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "multi_similarity", siamese::multi_similarity,
                        MultiSimilarityLossParams,
                        "Wang et al. 2019: soft weights of every positive and negative pair",
                        &MultiSimilarityLoss::Create);

}  // namespace
}  // namespace siamese
