#include "framework/ops/dropout.h"

#include "framework/ops/op_util.h"

namespace siamese {

Variable Dropout(const Variable& x, float p, bool training, Rng* rng) {
  SIAMESE_CHECK(p >= 0.0f && p < 1.0f)
      << "dropout: p must be in [0, 1), got " << p << " for input " << x.value().ShapeString();
  if (!training || p == 0.0f) return x;
  SIAMESE_CHECK(rng != nullptr) << "dropout: training with p = " << p << " needs an rng";

  // mask[i] is 0 (dropped) or 1 / (1 - p) (kept); y = x * mask.
  const float scale = 1.0f / (1.0f - p);
  Tensor xp = x.value().ToPlain();
  Tensor mask = Tensor::Empty(xp.shape());
  Tensor y = Tensor::Empty(xp.shape());
  const float* xs = xp.data();
  float* m = mask.data();
  float* ys = y.data();
  for (int64_t i = 0; i < xp.numel(); ++i) {
    m[i] = rng->Uniform() >= p ? scale : 0.0f;
    ys[i] = xs[i] * m[i];
  }
  return RecordOp("dropout", {x}, y, [x, mask](const Tensor& dy_any) {
    // dx = dy * mask.
    Tensor dy = dy_any.ToPlain();
    Tensor dx = Tensor::Empty(dy.shape());
    const float* g = dy.data();
    const float* m = mask.data();
    float* d = dx.data();
    for (int64_t i = 0; i < dx.numel(); ++i) d[i] = g[i] * m[i];
    x.AccumulateGrad(dx);
  });
}

}  // namespace siamese
