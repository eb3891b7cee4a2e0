// Loss "npairs": Sohn's multi-class N-pair loss (formula in the proto).
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/linear.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/ops/softmax.h"
#include "plugins/losses/npairs/npairs.pb.h"

namespace siamese {
namespace {

class NPairsLoss : public Loss {
 public:
  explicit NPairsLoss(const NPairsLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const NPairsLossParams& p,
                                                      const PluginContext&) {
    if (!(p.l2_reg() >= 0) || !std::isfinite(p.l2_reg())) {
      return FieldError("l2_reg", absl::StrCat("must be finite and >= 0, got ", p.l2_reg()));
    }
    return std::unique_ptr<Loss>(new NPairsLoss(p));
  }

  TupleKind input() const override { return TupleKind::kPairs; }

  Variable Compute(const LossInput& in) override {
    const Pairs& pairs = in.tuples->pairs();
    const std::vector<int64_t>& labels = *in.labels;
    // The first positive pair of each class.
    std::vector<int64_t> anchors, positives;
    std::set<int64_t> seen;
    for (size_t k = 0; k < pairs.pos_a.size(); ++k) {
      if (!seen.insert(labels[pairs.pos_a[k]]).second) continue;
      anchors.push_back(pairs.pos_a[k]);
      positives.push_back(pairs.pos_b[k]);
    }
    if (anchors.empty()) return ZeroLoss(in.distances);
    const int64_t n = static_cast<int64_t>(anchors.size());
    const Variable f = GatherRows(in.embeddings, anchors);
    const Variable f_plus = GatherRows(in.embeddings, positives);
    // Row i: f_i . f_j+ for every j; the target is j = i (a softmax cross
    // entropy, which equals log(1 + sum_{j != i} exp(. - f_i . f_i+))).
    const Variable logits = MatMul(f, f_plus, false, true);
    std::vector<float> eye(n * n, 0.0f);
    for (int64_t i = 0; i < n; ++i) eye[i * n + i] = 1.0f;
    Variable loss = Neg(
        MeanAll(Sum(Mul(LogSoftmax(logits, 1), Variable(Tensor::FromVector({n, n}, eye))), {1})));
    if (p_.l2_reg() > 0) {
      const Variable norms = Add(SumAll(Square(f)), SumAll(Square(f_plus)));
      loss = Add(loss, MulScalar(norms, p_.l2_reg() / static_cast<float>(n)));
    }
    return loss;
  }

 private:
  NPairsLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "npairs", siamese::npairs, NPairsLossParams,
                        "Sohn 2016: one anchor-positive pair per class, the other classes' "
                        "positives as negatives, dot products",
                        &NPairsLoss::Create);

}  // namespace
}  // namespace siamese
