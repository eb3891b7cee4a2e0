// Loss "circle": Sun et al.'s circle loss (formula in the proto): each
// similarity weighted by how far it is from its optimum.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/logsumexp.h"
#include "framework/ops/reduce.h"
#include "plugins/losses/circle/circle.pb.h"
#include "plugins/losses/common/pair_matrix.h"

namespace siamese {
namespace {

class CircleLoss : public Loss {
 public:
  explicit CircleLoss(const CircleLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const CircleLossParams& p,
                                                      const PluginContext&) {
    if (!std::isfinite(p.m())) return FieldError("m", absl::StrCat("must be finite, got ", p.m()));
    if (!(p.gamma() > 0) || !std::isfinite(p.gamma())) {
      return FieldError("gamma", absl::StrCat("must be finite and > 0, got ", p.gamma()));
    }
    return std::unique_ptr<Loss>(new CircleLoss(p));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Variable Compute(const LossInput& in) override {
    const Pairs& pairs = in.tuples->pairs();
    if (pairs.pos_a.empty() || pairs.neg_a.empty()) return ZeroLoss(in.distances);
    const PairMasks masks = MasksOf(in);
    const int64_t n = masks.rows, c = masks.columns;
    const Variable s = SimilarityOf(in.distances, in.distance);
    const float m = p_.m(), gamma = p_.gamma();
    // Per entry: logit = scale * (s - optimum), with scale -gamma a_p for
    // positives and gamma a_n for negatives, computed from a copy of s
    // outside the graph when the weights are held constant.
    Tensor pos_mask = Tensor::Zeros({n, c}), neg_mask = Tensor::Zeros({n, c});
    Tensor optimum = Tensor::Zeros({n, c}), kept = Tensor::Zeros({n});
    for (int64_t i = 0; i < n; ++i) {
      bool has_pos = false, has_neg = false;
      for (int64_t j = 0; j < c; ++j) {
        const int64_t k = i * c + j;
        if (masks.positive[k]) {
          pos_mask.data()[k] = 1.0f;
          optimum.data()[k] = 1 - m;
          has_pos = true;
        } else if (masks.negative[k]) {
          neg_mask.data()[k] = 1.0f;
          optimum.data()[k] = m;
          has_neg = true;
        }
      }
      kept.data()[i] = has_pos && has_neg ? 1.0f : 0.0f;
    }
    const Variable w = p_.detach_weights() ? Variable(s.value()) : s;
    const Variable scale =
        Add(Mul(MulScalar(Relu(RSubScalar(w, 1 + m)), -gamma), Variable(pos_mask)),
            Mul(MulScalar(Relu(AddScalar(w, m)), gamma), Variable(neg_mask)));
    const Variable logits = Mul(scale, Sub(s, Variable(optimum)));
    Variable l = Softplus(Add(MaskedLogSumExp(logits, masks.positive, /*add_one=*/false),
                              MaskedLogSumExp(logits, masks.negative, /*add_one=*/false)));
    l = Mul(l, Variable(kept));
    // Softplus is > 0, so the kept examples are the non-zero ones.
    return MeanOfNonZero(l);
  }

 private:
  CircleLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "circle", siamese::circle, CircleLossParams,
                        "Sun et al. 2020: similarities weighted by their distance from the optimum",
                        &CircleLoss::Create);

}  // namespace
}  // namespace siamese
