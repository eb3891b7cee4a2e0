#include "framework/core/loss.h"

#include "framework/base/check.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"

namespace siamese {

Variable GatherDistances(const Variable& distances, const std::vector<int64_t>& rows,
                         const std::vector<int64_t>& cols) {
  SIAMESE_CHECK(rows.size() == cols.size())
      << "gather_distances: " << rows.size() << " rows and " << cols.size() << " columns";
  const int64_t n = distances.dim(0), m = distances.dim(1);
  std::vector<int64_t> flat(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) flat[i] = rows[i] * m + cols[i];
  (void)n;
  return Reshape(GatherRows(Reshape(distances, {n * m, 1}), flat),
                 {static_cast<int64_t>(rows.size())});
}

Variable ZeroLoss(const Variable& distances) { return MulScalar(SumAll(distances), 0.0f); }

}  // namespace siamese
