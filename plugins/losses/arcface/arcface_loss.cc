// Loss "arcface": Deng et al.'s additive angular margin loss, with optional
// sub-centers (formula in the proto).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "plugins/losses/arcface/arcface.pb.h"
#include "plugins/losses/common/proxies.h"

namespace siamese {
namespace {

class ArcFaceLoss : public Loss {
 public:
  ArcFaceLoss(const ArcFaceLossParams& p, const PluginContext& context)
      : p_(p), classes_(context.num_classes) {
    proxies_ = RegisterParameter(
        "proxies", InitialProxies(classes_ * p.sub_centers(), context.embedding_dim, context.seed));
  }

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const ArcFaceLossParams& p,
                                                      const PluginContext& context) {
    if (absl::Status s = CheckProxyContext(context, "arcface"); !s.ok()) return s;
    if (!(p.margin() >= 0 && p.margin() < M_PI / 2)) {
      return FieldError("margin", absl::StrCat("must be in [0, pi/2) radians, got ", p.margin()));
    }
    if (!(p.scale() > 0) || !std::isfinite(p.scale())) {
      return FieldError("scale", absl::StrCat("must be finite and > 0, got ", p.scale()));
    }
    if (p.sub_centers() < 1) {
      return FieldError("sub_centers", absl::StrCat("must be >= 1, got ", p.sub_centers()));
    }
    return std::unique_ptr<Loss>(new ArcFaceLoss(p, context));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  bool uses_tuples() const override { return false; }

  Variable Compute(const LossInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    const int64_t k = p_.sub_centers();
    Variable cos = CosineSimilarityMatrix(in.embeddings, proxies_);  // [N, C * K]
    if (k > 1) cos = Max(Reshape(cos, {n, classes_, k}), {2});       // nearest sub-center
    std::vector<int64_t> rows(n);
    for (int64_t i = 0; i < n; ++i) rows[i] = i;
    const Variable target = GatherDistances(cos, rows, labels);  // cos(theta_y), [N]
    // cos(theta + m) = cos(theta) cos(m) - sin(theta) sin(m) while theta <= pi - m, that is
    // cos(theta) >= -cos(m); cos(theta) - m sin(m) beyond.
    const float m = p_.margin();
    const Tensor t = target.value().ToPlain();
    Tensor in_range = Tensor::Zeros({n}), beyond = Tensor::Zeros({n});
    for (int64_t i = 0; i < n; ++i) {
      (t.data()[i] >= -std::cos(m) ? in_range : beyond).data()[i] = 1.0f;
    }
    const Variable sin = Sqrt(Clamp(RSubScalar(Square(target), 1.0f), 1e-12f, 1.0f));
    const Variable rotated = Sub(MulScalar(target, std::cos(m)), MulScalar(sin, std::sin(m)));
    const Variable shifted = AddScalar(target, -m * std::sin(m));
    const Variable modified = Add(Mul(rotated, Variable(in_range)), Mul(shifted, Variable(beyond)));
    // Only the true class's logit changes: + (modified - cos_y) at (i, y_i).
    const Variable change = Reshape(Sub(modified, target), {n, 1});
    const Variable logits = Add(cos, Mul(Variable(OneHot(labels, classes_)), change));
    return CrossEntropy(MulScalar(logits, p_.scale()), labels);
  }

 private:
  ArcFaceLossParams p_;
  int64_t classes_;
  Variable proxies_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "arcface", siamese::arcface, ArcFaceLossParams,
                        "Deng et al. 2019: scaled cosine softmax with an additive angular margin, "
                        "optionally with sub-centers (no miner)",
                        &ArcFaceLoss::Create);

}  // namespace
}  // namespace siamese
