// Loss "proxy_nca": Movshovitz-Attias et al.'s ProxyNCA (formula in the
// proto): NCA of each embedding against the class proxies.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/logsumexp.h"
#include "framework/ops/reduce.h"
#include "plugins/losses/common/proxies.h"
#include "plugins/losses/proxy_nca/proxy_nca.pb.h"

namespace siamese {
namespace {

class ProxyNcaLoss : public Loss {
 public:
  ProxyNcaLoss(const ProxyNcaLossParams& p, const PluginContext& context)
      : p_(p), classes_(context.num_classes) {
    proxies_ =
        RegisterParameter("proxies", InitialProxies(classes_, context.embedding_dim, context.seed));
  }

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const ProxyNcaLossParams& p,
                                                      const PluginContext& context) {
    if (absl::Status s = CheckProxyContext(context, "proxy_nca"); !s.ok()) return s;
    if (!(p.scale() > 0) || !std::isfinite(p.scale())) {
      return FieldError("scale", absl::StrCat("must be finite and > 0, got ", p.scale()));
    }
    return std::unique_ptr<Loss>(new ProxyNcaLoss(p, context));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  bool uses_tuples() const override { return false; }

  Variable Compute(const LossInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    // -scale d = -scale (2 - 2 cos).
    const Variable logits = MulScalar(
        RSubScalar(MulScalar(CosineSimilarityMatrix(in.embeddings, proxies_), 2.0f), 2.0f),
        -p_.scale());
    if (!p_.exclude_positive()) return CrossEntropy(logits, labels);
    // l_i = log sum_{c != y_i} exp(logit_ic) - logit_{i y_i}.
    const Tensor positive = OneHot(labels, classes_);
    std::vector<char> others(positive.numel());
    for (int64_t j = 0; j < positive.numel(); ++j) others[j] = positive.data()[j] == 0.0f;
    const Variable lse = MaskedLogSumExp(logits, others, /*add_one=*/false);
    const Variable own = Sum(Mul(logits, Variable(positive)), {1});
    return MeanAll(Sub(lse, own));
  }

 private:
  ProxyNcaLossParams p_;
  int64_t classes_;
  Variable proxies_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "proxy_nca", siamese::proxy_nca, ProxyNcaLossParams,
                        "Movshovitz-Attias et al. 2017: NCA against one trainable proxy per class "
                        "(no miner)",
                        &ProxyNcaLoss::Create);

}  // namespace
}  // namespace siamese
