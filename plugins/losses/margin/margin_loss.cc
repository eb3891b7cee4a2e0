// Loss "margin": Wu et al.'s margin loss (formula in the proto): pairs
// pushed to either side of a boundary beta, which can be learned.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "plugins/losses/margin/margin.pb.h"

namespace siamese {
namespace {

class MarginLoss : public Loss {
 public:
  MarginLoss(const MarginLossParams& p, int64_t num_betas) : p_(p) {
    const Tensor init = Tensor::Full({num_betas}, p.beta());
    if (p.learn_beta()) {
      beta_ = RegisterParameter("beta", init);
    } else {
      beta_ = Variable(init);
    }
  }

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const MarginLossParams& p,
                                                      const PluginContext& context) {
    if (!(p.margin() >= 0) || !std::isfinite(p.margin())) {
      return FieldError("margin", absl::StrCat("must be finite and >= 0, got ", p.margin()));
    }
    if (!std::isfinite(p.beta())) {
      return FieldError("beta", absl::StrCat("must be finite, got ", p.beta()));
    }
    if (!(p.nu() >= 0) || !std::isfinite(p.nu())) {
      return FieldError("nu", absl::StrCat("must be finite and >= 0, got ", p.nu()));
    }
    if (p.beta_per_class() && context.num_classes <= 0) {
      return FieldError("beta_per_class", "needs the dataset's number of classes (none given)");
    }
    return std::unique_ptr<Loss>(
        new MarginLoss(p, p.beta_per_class() ? context.num_classes : int64_t{1}));
  }

  TupleKind input() const override { return TupleKind::kTriplets; }
  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Variable Compute(const LossInput& in) override {
    const Triplets& t = in.tuples->triplets();
    if (t.size() == 0) return ZeroLoss(in.distances);
    // beta per triplet: the one value, or the anchor's class's.
    std::vector<int64_t> which(t.anchors.size(), 0);
    if (p_.beta_per_class()) {
      for (size_t i = 0; i < which.size(); ++i) which[i] = (*in.labels)[t.anchors[i]];
    }
    const Variable beta = GatherRows(beta_, which);
    Variable pos = Relu(
        AddScalar(Sub(GatherDistances(in.distances, t.anchors, t.positives), beta), p_.margin()));
    Variable neg = Relu(
        AddScalar(Sub(beta, GatherDistances(in.distances, t.anchors, t.negatives)), p_.margin()));
    int64_t nonzero = 0;
    for (const Variable* v : {&pos, &neg}) {
      const Tensor x = v->value().ToPlain();
      for (int64_t i = 0; i < x.numel(); ++i) nonzero += x.data()[i] > 0;
    }
    // Divided by the non-zero terms; none gives 0 (PML's DivisorReducer).
    Variable loss =
        MulScalar(SumAll(Add(pos, neg)), nonzero == 0 ? 0.0f : 1.0f / static_cast<float>(nonzero));
    if (p_.learn_beta() && p_.nu() > 0) {
      if (!p_.beta_per_class()) {
        loss = Add(loss, MulScalar(SumAll(beta_), p_.nu()));
      } else if (nonzero > 0) {
        loss = Add(loss, MulScalar(SumAll(beta), p_.nu() / static_cast<float>(nonzero)));
      }
    }
    return loss;
  }

 private:
  MarginLossParams p_;
  Variable beta_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "margin", siamese::margin, MarginLossParams,
                        "Wu et al. 2017: pairs on either side of a (learnable) boundary beta",
                        &MarginLoss::Create);

}  // namespace
}  // namespace siamese
