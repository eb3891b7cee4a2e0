// Row-wise L2 normalization, the last layer of the conv encoders.
//
// A plugin-local op until the framework's L2Normalize (framework/ops) is
// available to the encoders; it will then be replaced by that op. The math:
//
//   forward:  y[n, :] = x[n, :] / d_n,   d_n = max(||x[n, :]||_2, eps)
//   backward: dx[n, :] = (dy[n, :] - y[n, :] * <dy[n, :], y[n, :]>) / d_n
//                                                      when ||x[n, :]|| > eps,
//             dx[n, :] = dy[n, :] / eps                otherwise (the divisor
//                                                      is the constant eps).
//
// The backward is the Jacobian of x / ||x||, (I - y y^T) / ||x||, applied to
// dy. Sums accumulate in double in one sequential loop per row, so results do
// not depend on the thread count.
#ifndef SIAMESE_PLUGINS_ENCODERS_COMMON_L2_NORMALIZE_H_
#define SIAMESE_PLUGINS_ENCODERS_COMMON_L2_NORMALIZE_H_

#include "framework/autograd/variable.h"

namespace siamese {
namespace encoders {

// x is [N, D] in any layout; returns plain [N, D] with unit-norm rows (rows
// whose norm is <= eps are scaled by 1 / eps instead).
// REQUIRES: x.rank() == 2, eps > 0.
Variable L2NormalizeRows(const Variable& x, float eps = 1e-12f);

}  // namespace encoders
}  // namespace siamese

#endif  // SIAMESE_PLUGINS_ENCODERS_COMMON_L2_NORMALIZE_H_
