// Loss "proxy_anchor": Kim et al.'s Proxy-Anchor loss (formula in the
// proto): each proxy as an anchor against the whole batch.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/logsumexp.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "plugins/losses/common/proxies.h"
#include "plugins/losses/proxy_anchor/proxy_anchor.pb.h"

namespace siamese {
namespace {

class ProxyAnchorLoss : public Loss {
 public:
  ProxyAnchorLoss(const ProxyAnchorLossParams& p, const PluginContext& context)
      : p_(p), classes_(context.num_classes) {
    proxies_ =
        RegisterParameter("proxies", InitialProxies(classes_, context.embedding_dim, context.seed));
  }

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const ProxyAnchorLossParams& p,
                                                      const PluginContext& context) {
    if (absl::Status s = CheckProxyContext(context, "proxy_anchor"); !s.ok()) return s;
    if (!(p.margin() >= 0) || !std::isfinite(p.margin())) {
      return FieldError("margin", absl::StrCat("must be finite and >= 0, got ", p.margin()));
    }
    if (!(p.alpha() > 0) || !std::isfinite(p.alpha())) {
      return FieldError("alpha", absl::StrCat("must be finite and > 0, got ", p.alpha()));
    }
    return std::unique_ptr<Loss>(new ProxyAnchorLoss(p, context));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  bool uses_tuples() const override { return false; }

  Variable Compute(const LossInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    // Row p of the masks: the batch's examples of p's class, and the others.
    std::vector<char> positive(classes_ * n), negative(classes_ * n);
    std::vector<char> present(classes_, 0);
    for (int64_t i = 0; i < n; ++i) present[labels[i]] = 1;
    for (int64_t c = 0; c < classes_; ++c) {
      for (int64_t i = 0; i < n; ++i) {
        positive[c * n + i] = labels[i] == c;
        negative[c * n + i] = labels[i] != c;
      }
    }
    int64_t with_positives = 0;
    for (char x : present) with_positives += x;
    // s(x, p) as [classes, N]: one row per proxy.
    const Variable s = Transpose(CosineSimilarityMatrix(in.embeddings, proxies_), 0, 1);
    const float a = p_.alpha(), m = p_.margin();
    Variable pos = MaskedLogSumExp(MulScalar(RSubScalar(s, m), a), positive, /*add_one=*/true);
    Variable neg = MaskedLogSumExp(MulScalar(AddScalar(s, m), a), negative, /*add_one=*/true);
    return Add(
        MulScalar(SumAll(pos), 1.0f / static_cast<float>(std::max<int64_t>(with_positives, 1))),
        MulScalar(SumAll(neg), 1.0f / static_cast<float>(classes_)));
  }

 private:
  ProxyAnchorLossParams p_;
  int64_t classes_;
  Variable proxies_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "proxy_anchor", siamese::proxy_anchor, ProxyAnchorLossParams,
                        "Kim et al. 2020: each class proxy as an anchor against the batch "
                        "(no miner)",
                        &ProxyAnchorLoss::Create);

}  // namespace
}  // namespace siamese
