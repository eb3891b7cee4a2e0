#include "plugins/encoders/common/l2_normalize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "framework/base/check.h"

namespace siamese {
namespace encoders {

Variable L2NormalizeRows(const Variable& x, float eps) {
  SIAMESE_CHECK(x.rank() == 2) << "l2_normalize_rows: input " << x.value().ShapeString()
                               << " must be [N, D]";
  SIAMESE_CHECK(eps > 0) << "l2_normalize_rows: eps " << eps << " must be > 0";
  const Tensor xv = x.value().ToPlain();
  const int64_t n = xv.dim(0), d = xv.dim(1);
  // divisor[i] = max(||x_i||, eps); clamped[i] tells which branch was taken.
  std::vector<float> divisor(n);
  std::vector<bool> clamped(n);
  Tensor y = Tensor::Empty(xv.shape());
  for (int64_t i = 0; i < n; ++i) {
    const float* xi = xv.data() + i * d;
    double sq = 0;
    for (int64_t j = 0; j < d; ++j) sq += static_cast<double>(xi[j]) * xi[j];
    const float norm = static_cast<float>(std::sqrt(sq));
    clamped[i] = !(norm > eps);
    divisor[i] = clamped[i] ? eps : norm;
    float* yi = y.data() + i * d;
    for (int64_t j = 0; j < d; ++j) yi[j] = xi[j] / divisor[i];
  }
  return RecordOp("l2_normalize_rows", {x}, y, [x, y, divisor, clamped, n, d](const Tensor& g) {
    const Tensor dy = g.ToPlain();
    Tensor dx = Tensor::Empty({n, d});
    for (int64_t i = 0; i < n; ++i) {
      const float* dyi = dy.data() + i * d;
      const float* yi = y.data() + i * d;
      float* dxi = dx.data() + i * d;
      // <dy_i, y_i>; zero in the clamped branch, where y_i = x_i / eps is linear in x_i.
      double dot = 0;
      if (!clamped[i]) {
        for (int64_t j = 0; j < d; ++j) dot += static_cast<double>(dyi[j]) * yi[j];
      }
      const float fdot = static_cast<float>(dot);
      for (int64_t j = 0; j < d; ++j) dxi[j] = (dyi[j] - yi[j] * fdot) / divisor[i];
    }
    x.AccumulateGrad(dx);
  });
}

}  // namespace encoders
}  // namespace siamese
