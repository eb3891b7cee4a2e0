// Loss "soft_triple": Qian et al.'s SoftTriple loss with several centers
// per class (formula in the proto).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/distance.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/ops/softmax.h"
#include "plugins/losses/common/proxies.h"
#include "plugins/losses/soft_triple/soft_triple.pb.h"

namespace siamese {
namespace {

class SoftTripleLoss : public Loss {
 public:
  SoftTripleLoss(const SoftTripleLossParams& p, const PluginContext& context)
      : p_(p), classes_(context.num_classes) {
    proxies_ = RegisterParameter("proxies", InitialProxies(classes_ * p.centers_per_class(),
                                                           context.embedding_dim, context.seed));
  }

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const SoftTripleLossParams& p,
                                                      const PluginContext& context) {
    if (absl::Status s = CheckProxyContext(context, "soft_triple"); !s.ok()) return s;
    if (p.centers_per_class() < 1) {
      return FieldError("centers_per_class",
                        absl::StrCat("must be >= 1, got ", p.centers_per_class()));
    }
    for (const auto& [name, value] :
         {std::pair<const char*, float>{"la", p.la()}, {"gamma", p.gamma()}}) {
      if (!(value > 0) || !std::isfinite(value)) {
        return FieldError(name, absl::StrCat("must be finite and > 0, got ", value));
      }
    }
    for (const auto& [name, value] :
         {std::pair<const char*, float>{"margin", p.margin()}, {"tau", p.tau()}}) {
      if (!(value >= 0) || !std::isfinite(value)) {
        return FieldError(name, absl::StrCat("must be finite and >= 0, got ", value));
      }
    }
    return std::unique_ptr<Loss>(new SoftTripleLoss(p, context));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  bool uses_tuples() const override { return false; }

  Variable Compute(const LossInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    const int64_t k = p_.centers_per_class();
    // S_c = sum_k softmax_k(cos / gamma) cos, as [N, C].
    const Variable cos = Reshape(CosineSimilarityMatrix(in.embeddings, proxies_), {n, classes_, k});
    const Variable weights = Softmax(MulScalar(cos, 1.0f / p_.gamma()), 2);
    const Variable s = Sum(Mul(weights, cos), {2});
    const Variable logits =
        MulScalar(Sub(s, MulScalar(Variable(OneHot(labels, classes_)), p_.margin())), p_.la());
    Variable loss = CrossEntropy(logits, labels);
    if (p_.tau() > 0 && k > 1) {
      // sqrt(2 + 1e-5 - 2 cos) over the pairs k < k' of each class's centers.
      std::vector<int64_t> a, b;
      for (int64_t c = 0; c < classes_; ++c) {
        for (int64_t i = 0; i < k; ++i) {
          for (int64_t j = i + 1; j < k; ++j) {
            a.push_back(c * k + i);
            b.push_back(c * k + j);
          }
        }
      }
      // Row by row (not the [C K, C K] matrix: 15,730 centers would make it
      // a gigabyte).
      const Variable unit = L2Normalize(proxies_);
      const Variable between = Sum(Mul(GatherRows(unit, a), GatherRows(unit, b)), {1});
      const Variable spread = Sqrt(RSubScalar(MulScalar(between, 2.0f), 2.0f + 1e-5f));
      loss = Add(loss,
                 MulScalar(SumAll(spread), p_.tau() / static_cast<float>(classes_ * k * (k - 1))));
    }
    return loss;
  }

 private:
  SoftTripleLossParams p_;
  int64_t classes_;
  Variable proxies_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "soft_triple", siamese::soft_triple, SoftTripleLossParams,
                        "Qian et al. 2019: softmax over classes of several centers each, with "
                        "the center regularizer (no miner)",
                        &SoftTripleLoss::Create);

}  // namespace
}  // namespace siamese
