// Loss "ntxent": SimCLR's NT-Xent / InfoNCE over the batch's pairs (formula
// in the proto): a softmax over each anchor's positive and its negatives.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/logsumexp.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "plugins/losses/common/pair_matrix.h"
#include "plugins/losses/ntxent/ntxent.pb.h"

namespace siamese {
namespace {

class NtXentLoss : public Loss {
 public:
  explicit NtXentLoss(const NtXentLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const NtXentLossParams& p,
                                                      const PluginContext&) {
    if (!(p.temperature() > 0) || !std::isfinite(p.temperature())) {
      return FieldError("temperature",
                        absl::StrCat("must be finite and > 0, got ", p.temperature()));
    }
    return std::unique_ptr<Loss>(new NtXentLoss(p));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Variable Compute(const LossInput& in) override {
    const Pairs& pairs = in.tuples->pairs();
    if (pairs.pos_a.empty() || pairs.neg_a.empty()) return ZeroLoss(in.distances);
    const PairMasks m = MasksOf(in);
    const int64_t c = m.columns;
    std::vector<int64_t> anchors, positives;  // each positive pair in both orders
    DirectedPositives(pairs, in.comparisons().directed(), &anchors, &positives);
    // Row r's candidates: its positive and the anchor's negatives.
    std::vector<char> candidates(anchors.size() * c);
    for (size_t r = 0; r < anchors.size(); ++r) {
      for (int64_t j = 0; j < c; ++j) candidates[r * c + j] = m.negative[anchors[r] * c + j];
      candidates[r * c + positives[r]] = 1;
    }
    const Variable logits =
        MulScalar(SimilarityOf(in.distances, in.distance), 1 / p_.temperature());
    // l_ap = log sum_{candidates} exp(logit) - logit_ap.
    Variable lse = MaskedLogSumExp(GatherRows(logits, anchors), candidates, /*add_one=*/false);
    return MeanAll(Sub(lse, GatherDistances(logits, anchors, positives)));
  }

 private:
  NtXentLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "ntxent", siamese::ntxent, NtXentLossParams,
                        "Chen et al. 2020 (SimCLR): softmax of each positive against its "
                        "anchor's negatives, at a temperature",
                        &NtXentLoss::Create);

}  // namespace
}  // namespace siamese
