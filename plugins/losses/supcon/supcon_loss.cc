// Loss "supcon": Khosla et al.'s supervised contrastive loss (formula in the
// proto): every positive of an example against all its candidates.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/logsumexp.h"
#include "framework/ops/reduce.h"
#include "plugins/losses/common/pair_matrix.h"
#include "plugins/losses/supcon/supcon.pb.h"

namespace siamese {
namespace {

class SupConLoss : public Loss {
 public:
  explicit SupConLoss(const SupConLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const SupConLossParams& p,
                                                      const PluginContext&) {
    if (!(p.temperature() > 0) || !std::isfinite(p.temperature())) {
      return FieldError("temperature",
                        absl::StrCat("must be finite and > 0, got ", p.temperature()));
    }
    return std::unique_ptr<Loss>(new SupConLoss(p));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Variable Compute(const LossInput& in) override {
    const Pairs& pairs = in.tuples->pairs();
    if (pairs.pos_a.empty() || pairs.neg_a.empty()) return ZeroLoss(in.distances);
    const PairMasks m = MasksOf(in);
    const int64_t n = m.rows, c = m.columns;
    // w_ij = 1/|P_i| for j in P_i (0 elsewhere); rows without positives are
    // dropped through has_positive.
    Tensor weights = Tensor::Zeros({n, c});
    Tensor has_positive = Tensor::Zeros({n});
    std::vector<char> candidates(n * c);
    for (int64_t i = 0; i < n; ++i) {
      int64_t count = 0;
      for (int64_t j = 0; j < c; ++j) {
        count += m.positive[i * c + j];
        candidates[i * c + j] = m.positive[i * c + j] | m.negative[i * c + j];
      }
      if (count == 0) continue;
      has_positive.data()[i] = 1.0f;
      for (int64_t j = 0; j < c; ++j) {
        if (m.positive[i * c + j]) weights.data()[i * c + j] = 1.0f / static_cast<float>(count);
      }
    }
    const Variable logits =
        MulScalar(SimilarityOf(in.distances, in.distance), 1 / p_.temperature());
    // l_i = log sum_{A_i} exp(logit_ij) - mean_{P_i} logit_ip.
    Variable lse = MaskedLogSumExp(logits, candidates, /*add_one=*/false);
    Variable mean_positive = Sum(Mul(logits, Variable(weights)), {1});
    Variable l = Mul(Sub(lse, mean_positive), Variable(has_positive));
    // The mean over the l_i > 0, as PML's AvgNonZeroReducer.
    return MeanOfNonZero(l);
  }

 private:
  SupConLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "supcon", siamese::supcon, SupConLossParams,
                        "Khosla et al. 2020: every positive of an example against all its "
                        "candidates, at a temperature",
                        &SupConLoss::Create);

}  // namespace
}  // namespace siamese
