#include "framework/ops/logsumexp.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "framework/ops/op_util.h"

namespace siamese {

Variable MaskedLogSumExp(const Variable& x, const std::vector<char>& mask, bool add_one) {
  SIAMESE_CHECK(x.rank() == 2) << "masked_logsumexp: x must be [N, M], got "
                               << x.value().ShapeString();
  const int64_t n = x.dim(0), m = x.dim(1);
  SIAMESE_CHECK(static_cast<int64_t>(mask.size()) == n * m)
      << "masked_logsumexp: mask has " << mask.size() << " entries for x "
      << x.value().ShapeString();
  const Tensor xv = x.value().ToPlain();
  const float* px = xv.data();
  Tensor y = Tensor::Empty({n});
  float* py = y.data();
  // Forward: per row, c = max(kept x, 0 if add_one); y = c + log(sum exp(x - c)).
  for (int64_t i = 0; i < n; ++i) {
    const float* row = px + i * m;
    const char* keep = mask.data() + i * m;
    bool any = false;
    float c = add_one ? 0.0f : -INFINITY;
    for (int64_t j = 0; j < m; ++j) {
      if (!keep[j]) continue;
      any = true;
      c = std::max(c, row[j]);
    }
    if (!any) {
      py[i] = 0.0f;
      continue;
    }
    double sum = add_one ? std::exp(static_cast<double>(-c)) : 0.0;
    for (int64_t j = 0; j < m; ++j) {
      if (keep[j]) sum += std::exp(static_cast<double>(row[j]) - c);
    }
    py[i] = static_cast<float>(c + std::log(sum));
  }
  auto kept = std::make_shared<std::vector<char>>(mask);
  return RecordOp("masked_logsumexp", {x}, y, [x, xv, y, kept, n, m](const Tensor& dy_any) {
    // Backward: dx_ij = dy_i * mask_ij * exp(x_ij - y_i); rows that keep
    // nothing have y_i = 0 and every mask_ij = 0, so they get nothing.
    const Tensor dy = dy_any.ToPlain();
    Tensor dx = Tensor::Zeros({n, m});
    const float* px = xv.data();
    const float* py = y.data();
    const float* pdy = dy.data();
    float* pdx = dx.data();
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < m; ++j) {
        if ((*kept)[i * m + j]) pdx[i * m + j] = pdy[i] * std::exp(px[i * m + j] - py[i]);
      }
    }
    x.AccumulateGrad(dx);
  });
}

}  // namespace siamese
