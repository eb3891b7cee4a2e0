#include "framework/core/distance_function.h"

#include <vector>

#include "framework/ops/elementwise.h"

namespace siamese {

Variable DistanceFunction::Similarity(const Variable& d) const { return Neg(d); }

absl::StatusOr<std::unique_ptr<const PreparedRows>> DistanceFunction::Prepare(
    const Tensor& rows) const {
  return std::make_unique<const PreparedRows>(rows);
}

void DistanceFunction::Block(const PreparedRows& a, int64_t begin, int64_t count,
                             const PreparedRows& b, float* out) const {
  const int64_t d = a.dim(), m = b.size();
  const float* pa = a.rows().data();
  const float* pb = b.rows().data();
  std::vector<double> x(d), y(d);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t k = 0; k < d; ++k) x[k] = pa[(begin + i) * d + k];
    for (int64_t j = 0; j < m; ++j) {
      for (int64_t k = 0; k < d; ++k) y[k] = pb[j * d + k];
      out[i * m + j] = static_cast<float>(Pair(x.data(), y.data(), d));
    }
  }
}

}  // namespace siamese
