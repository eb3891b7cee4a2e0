// A deterministic 2-D PCA projection of embeddings for the report.
#ifndef SIAMESE_FRAMEWORK_REPORT_PCA_H_
#define SIAMESE_FRAMEWORK_REPORT_PCA_H_

#include <cstdint>
#include <vector>

namespace siamese {

// At most `max_count` of the indices 0..n-1, evenly strided (i * n /
// max_count), in increasing order; all of them when n <= max_count.
std::vector<int64_t> StridedSubsample(int64_t n, int64_t max_count);

struct Projection2D {
  std::vector<double> pc1, pc2;  // One coordinate pair per row.
  double variance[2] = {0, 0};   // Eigenvalues of the top-2 components.
  double total_variance = 0;     // Trace of the covariance.
  std::vector<double> axis[2];   // The unit eigenvectors (D entries each).
};

// Projects the `rows` x `dim` row-major `data` on its top-2 principal
// components: centers the columns, forms the dim x dim covariance (divisor
// rows), and finds the leading eigenvectors by power iteration with
// deflation from a fixed start vector. Each axis is signed so that its
// largest-magnitude entry is positive. A component with (numerically) zero
// variance projects to 0. REQUIRES: rows >= 1, dim >= 1, data.size() ==
// rows * dim.
Projection2D Pca2D(const std::vector<float>& data, int64_t rows, int64_t dim);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_REPORT_PCA_H_
