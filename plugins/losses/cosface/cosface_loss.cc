// Loss "cosface": Wang et al.'s large margin cosine loss (formula in the
// proto).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/elementwise.h"
#include "plugins/losses/common/proxies.h"
#include "plugins/losses/cosface/cosface.pb.h"

namespace siamese {
namespace {

class CosFaceLoss : public Loss {
 public:
  CosFaceLoss(const CosFaceLossParams& p, const PluginContext& context)
      : p_(p), classes_(context.num_classes) {
    proxies_ =
        RegisterParameter("proxies", InitialProxies(classes_, context.embedding_dim, context.seed));
  }

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const CosFaceLossParams& p,
                                                      const PluginContext& context) {
    if (absl::Status s = CheckProxyContext(context, "cosface"); !s.ok()) return s;
    if (!(p.margin() >= 0) || !std::isfinite(p.margin())) {
      return FieldError("margin", absl::StrCat("must be finite and >= 0, got ", p.margin()));
    }
    if (!(p.scale() > 0) || !std::isfinite(p.scale())) {
      return FieldError("scale", absl::StrCat("must be finite and > 0, got ", p.scale()));
    }
    return std::unique_ptr<Loss>(new CosFaceLoss(p, context));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  bool uses_tuples() const override { return false; }

  Variable Compute(const LossInput& in) override {
    // s (cos - m [c == y]).
    const Tensor margins = OneHot(*in.labels, classes_);
    const Variable shifted = Sub(CosineSimilarityMatrix(in.embeddings, proxies_),
                                 MulScalar(Variable(margins), p_.margin()));
    return CrossEntropy(MulScalar(shifted, p_.scale()), *in.labels);
  }

 private:
  CosFaceLossParams p_;
  int64_t classes_;
  Variable proxies_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "cosface", siamese::cosface, CosFaceLossParams,
                        "Wang et al. 2018: scaled cosine softmax with an additive cosine margin "
                        "(no miner)",
                        &CosFaceLoss::Create);

}  // namespace
}  // namespace siamese
