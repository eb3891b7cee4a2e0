#include "framework/report/pca.h"

#include <algorithm>
#include <cmath>

#include "framework/base/check.h"

namespace siamese {

std::vector<int64_t> StridedSubsample(int64_t n, int64_t max_count) {
  std::vector<int64_t> out;
  if (n <= max_count) {
    for (int64_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  for (int64_t i = 0; i < max_count; ++i) out.push_back(i * n / max_count);
  return out;
}

namespace {

// Leading eigenvector of the symmetric d x d matrix `c` (returns its
// eigenvalue); `v` is unit length on return.
double PowerIteration(const std::vector<double>& c, int64_t d, std::vector<double>* v) {
  v->assign(d, 0);
  // Fixed, non-degenerate start: unlikely orthogonal to any eigenvector.
  for (int64_t i = 0; i < d; ++i) (*v)[i] = 1.0 + 0.01 * static_cast<double>(i % 7);
  double lambda = 0;
  std::vector<double> w(d);
  for (int iter = 0; iter < 1000; ++iter) {
    double norm = 0;
    for (int64_t i = 0; i < d; ++i) {
      double s = 0;
      for (int64_t j = 0; j < d; ++j) s += c[i * d + j] * (*v)[j];
      w[i] = s;
      norm += s * s;
    }
    norm = std::sqrt(norm);
    if (norm < 1e-300) {
      return 0;  // c v = 0: no variance left in this direction.
    }
    double change = 0;
    for (int64_t i = 0; i < d; ++i) {
      const double next = w[i] / norm;
      change = std::max(change, std::fabs(next - (*v)[i]));
      (*v)[i] = next;
    }
    lambda = norm;
    if (change < 1e-10) break;
  }
  // Sign convention: the largest-magnitude entry is positive.
  int64_t arg = 0;
  for (int64_t i = 1; i < d; ++i) {
    if (std::fabs((*v)[i]) > std::fabs((*v)[arg])) arg = i;
  }
  if ((*v)[arg] < 0) {
    for (double& x : *v) x = -x;
  }
  return lambda;
}

}  // namespace

Projection2D Pca2D(const std::vector<float>& data, int64_t rows, int64_t dim) {
  SIAMESE_CHECK(rows >= 1 && dim >= 1 && static_cast<int64_t>(data.size()) == rows * dim)
      << "Pca2D: " << data.size() << " values for " << rows << " x " << dim;
  std::vector<double> mean(dim, 0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = 0; k < dim; ++k) mean[k] += data[r * dim + k];
  }
  for (double& m : mean) m /= static_cast<double>(rows);
  std::vector<double> centered(rows * dim), cov(dim * dim, 0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = 0; k < dim; ++k) centered[r * dim + k] = data[r * dim + k] - mean[k];
  }
  for (int64_t r = 0; r < rows; ++r) {
    const double* x = &centered[r * dim];
    for (int64_t i = 0; i < dim; ++i) {
      for (int64_t j = i; j < dim; ++j) cov[i * dim + j] += x[i] * x[j];
    }
  }
  Projection2D p;
  for (int64_t i = 0; i < dim; ++i) {
    for (int64_t j = i; j < dim; ++j) {
      cov[i * dim + j] /= static_cast<double>(rows);
      cov[j * dim + i] = cov[i * dim + j];
    }
    p.total_variance += cov[i * dim + i];
  }
  for (int c = 0; c < 2; ++c) {
    std::vector<double>& v = p.axis[c];
    const double lambda = PowerIteration(cov, dim, &v);
    // Negligible variance (relative to the total): no direction to show.
    if (lambda <= 1e-12 * std::max(p.total_variance, 1e-300)) {
      v.assign(dim, 0);
      p.variance[c] = 0;
    } else {
      p.variance[c] = lambda;
    }
    // Deflation: remove the found component.
    for (int64_t i = 0; i < dim; ++i) {
      for (int64_t j = 0; j < dim; ++j) cov[i * dim + j] -= p.variance[c] * v[i] * v[j];
    }
  }
  p.pc1.resize(rows);
  p.pc2.resize(rows);
  for (int64_t r = 0; r < rows; ++r) {
    double a = 0, b = 0;
    for (int64_t k = 0; k < dim; ++k) {
      a += centered[r * dim + k] * p.axis[0][k];
      b += centered[r * dim + k] * p.axis[1][k];
    }
    p.pc1[r] = a;
    p.pc2[r] = b;
  }
  return p;
}

}  // namespace siamese
