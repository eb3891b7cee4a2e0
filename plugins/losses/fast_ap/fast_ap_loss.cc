// Loss "fast_ap": Cakir et al.'s FastAP (formula in the proto): average
// precision of each example's ranking, from soft distance histograms.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/linear.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "plugins/losses/common/proxies.h"
#include "plugins/losses/fast_ap/fast_ap.pb.h"

namespace siamese {
namespace {

class FastApLoss : public Loss {
 public:
  explicit FastApLoss(const FastApLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const FastApLossParams& p,
                                                      const PluginContext&) {
    if (p.num_bins() < 1) {
      return FieldError("num_bins", absl::StrCat("must be >= 1, got ", p.num_bins()));
    }
    return std::unique_ptr<Loss>(new FastApLoss(p));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  // It ranks the whole batch by its labels.
  bool uses_tuples() const override { return false; }

  Variable Compute(const LossInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    const int64_t edges = p_.num_bins() + 1;
    Tensor positive = Tensor::Zeros({n, n}), negative = Tensor::Zeros({n, n});
    std::vector<float> positives_of(n, 0.0f);
    int64_t with_positives = 0;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        (labels[j] == labels[i] ? positive : negative).data()[i * n + j] = 1.0f;
        positives_of[i] += labels[j] == labels[i];
      }
      with_positives += positives_of[i] > 0;
    }
    if (with_positives == 0) return ZeroLoss(in.distances);
    // d = 2 - 2 cos in [0, 4]; soft counts per bin, [N, edges] each.
    const Variable d =
        RSubScalar(MulScalar(CosineSimilarityMatrix(in.embeddings, in.embeddings), 2.0f), 2.0f);
    const float delta = 4.0f / static_cast<float>(p_.num_bins());
    std::vector<Variable> pos_bins, all_bins;
    for (int64_t b = 0; b < edges; ++b) {
      const Variable offset = AddScalar(d, -delta * static_cast<float>(b));
      const Variable distance_to_center = Add(Relu(offset), Relu(Neg(offset)));  // |d - z_b|
      const Variable pulse = Relu(RSubScalar(MulScalar(distance_to_center, 1.0f / delta), 1.0f));
      pos_bins.push_back(Reshape(Sum(Mul(pulse, Variable(positive)), {1}), {n, 1}));
      all_bins.push_back(
          Reshape(Sum(Mul(pulse, Add(Variable(positive), Variable(negative))), {1}), {n, 1}));
    }
    const Variable h_pos = Concat(pos_bins, 1), h = Concat(all_bins, 1);
    // Cumulative sums along the bins: times the upper-triangular ones.
    std::vector<float> upper(edges * edges, 0.0f);
    for (int64_t k = 0; k < edges; ++k) {
      for (int64_t b = k; b < edges; ++b) upper[k * edges + b] = 1.0f;
    }
    const Variable triangle(Tensor::FromVector({edges, edges}, upper));
    const Variable cum_pos = MatMul(h_pos, triangle), cum = MatMul(h, triangle);
    const Variable product = Mul(h_pos, cum_pos);
    // Only the terms with h+ H+ > 0 and H > 0 count (0/0 elsewhere).
    const Tensor pv = product.value().ToPlain(), cv = cum.value().ToPlain();
    Tensor safe = Tensor::Zeros({n, edges}), guard = Tensor::Zeros({n, edges});
    for (int64_t k = 0; k < n * edges; ++k) {
      const bool ok = pv.data()[k] > 0 && cv.data()[k] > 0;
      safe.data()[k] = ok ? 1.0f : 0.0f;
      guard.data()[k] = ok ? 0.0f : 1.0f;
    }
    const Variable ratio = Mul(Div(product, Add(cum, Variable(guard))), Variable(safe));
    // 1 - FastAP_i over the examples with a positive.
    Tensor scale = Tensor::Zeros({n}), kept = Tensor::Zeros({n});
    for (int64_t i = 0; i < n; ++i) {
      if (positives_of[i] == 0) continue;
      scale.data()[i] = 1.0f / positives_of[i];
      kept.data()[i] = 1.0f;
    }
    const Variable fast_ap = Mul(Sum(ratio, {1}), Variable(scale));
    const Variable per_example = Mul(RSubScalar(fast_ap, 1.0f), Variable(kept));
    return MulScalar(SumAll(per_example), 1.0f / static_cast<float>(with_positives));
  }

 private:
  FastApLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "fast_ap", siamese::fast_ap, FastApLossParams,
                        "Cakir et al. 2019: average precision of each example's ranking from "
                        "soft distance histograms (no miner)",
                        &FastApLoss::Create);

}  // namespace
}  // namespace siamese
