// Loss "normalized_softmax": Zhai and Wu's cosine softmax classifier at a
// temperature (formula in the proto).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/elementwise.h"
#include "plugins/losses/common/proxies.h"
#include "plugins/losses/normalized_softmax/normalized_softmax.pb.h"

namespace siamese {
namespace {

class NormalizedSoftmaxLoss : public Loss {
 public:
  NormalizedSoftmaxLoss(const NormalizedSoftmaxLossParams& p, const PluginContext& context)
      : p_(p) {
    proxies_ = RegisterParameter(
        "proxies", InitialProxies(context.num_classes, context.embedding_dim, context.seed));
  }

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const NormalizedSoftmaxLossParams& p,
                                                      const PluginContext& context) {
    if (absl::Status s = CheckProxyContext(context, "normalized_softmax"); !s.ok()) return s;
    if (!(p.temperature() > 0) || !std::isfinite(p.temperature())) {
      return FieldError("temperature",
                        absl::StrCat("must be finite and > 0, got ", p.temperature()));
    }
    return std::unique_ptr<Loss>(new NormalizedSoftmaxLoss(p, context));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  bool uses_tuples() const override { return false; }

  Variable Compute(const LossInput& in) override {
    const Variable logits =
        MulScalar(CosineSimilarityMatrix(in.embeddings, proxies_), 1.0f / p_.temperature());
    return CrossEntropy(logits, *in.labels);
  }

 private:
  NormalizedSoftmaxLossParams p_;
  Variable proxies_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "normalized_softmax", siamese::normalized_softmax,
                        NormalizedSoftmaxLossParams,
                        "Zhai and Wu 2018: softmax over cosines to class weights at a "
                        "temperature (no miner)",
                        &NormalizedSoftmaxLoss::Create);

}  // namespace
}  // namespace siamese
