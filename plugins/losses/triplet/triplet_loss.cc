// Loss "triplet": hinge or soft-margin triplet loss on mined triplets.
#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "plugins/losses/triplet/triplet.pb.h"

namespace siamese {
namespace {

class TripletLoss : public Loss {
 public:
  explicit TripletLoss(const TripletLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const TripletLossParams& p,
                                                      const PluginContext&) {
    if (!p.soft_margin() && !(p.margin() >= 0)) {
      return FieldError("margin", absl::StrCat("must be >= 0, got ", p.margin()));
    }
    if (p.reduction() != "mean" && p.reduction() != "mean_nonzero" && p.reduction() != "sum") {
      return FieldError("reduction", absl::StrCat("must be \"mean\", \"mean_nonzero\" or \"sum\", "
                                                  "got \"",
                                                  p.reduction(), "\""));
    }
    return std::unique_ptr<Loss>(new TripletLoss(p));
  }

  TupleKind input() const override { return TupleKind::kTriplets; }
  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Variable Compute(const LossInput& in) override {
    const Triplets& t = in.tuples->triplets();
    if (t.anchors.empty()) return ZeroLoss(in.distances);
    Variable dap = GatherDistances(in.distances, t.anchors, t.positives);
    Variable dan = GatherDistances(in.distances, t.anchors, t.negatives);
    if (p_.squared()) {
      dap = Square(dap);
      dan = Square(dan);
    }
    Variable diff = Sub(dap, dan);
    Variable l = p_.soft_margin() ? Softplus(diff) : Relu(AddScalar(diff, p_.margin()));
    if (p_.reduction() == "sum") return SumAll(l);
    if (p_.reduction() == "mean") return MeanAll(l);
    // mean_nonzero: divide by the count of positive terms (a constant).
    int64_t nonzero = 0;
    Tensor v = l.value().ToPlain();
    for (int64_t i = 0; i < v.numel(); ++i) nonzero += v.data()[i] > 0;
    return MulScalar(SumAll(l), 1.0f / static_cast<float>(std::max<int64_t>(nonzero, 1)));
  }

 private:
  TripletLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "triplet", siamese::triplet, TripletLossParams,
                        "max(0, d(a,p) - d(a,n) + margin), or its softplus soft-margin form",
                        &TripletLoss::Create);

}  // namespace
}  // namespace siamese
