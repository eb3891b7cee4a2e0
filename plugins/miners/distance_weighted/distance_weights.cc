#include "plugins/miners/distance_weighted/distance_weights.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace siamese {

std::vector<double> DistanceWeights(const float* distances, const std::vector<int64_t>& labels,
                                    int64_t dim, float cutoff, float nonzero_loss_cutoff) {
  const int64_t n = static_cast<int64_t>(labels.size());
  const double dd = static_cast<double>(dim);
  // log(1 / q(d)) = (2 - D) log d - ((D - 3) / 2) log(1 - d^2 / 4), with d
  // clamped below at the cutoff. Same-class entries count as 0, as in PML
  // (which masks by multiplying the log weights).
  std::vector<double> logw(n * n);
  double largest = -std::numeric_limits<double>::infinity();
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t j = 0; j < n; ++j) {
      const double d = std::max<double>(distances[a * n + j], cutoff);
      double v = (2.0 - dd) * std::log(d) - ((dd - 3.0) / 2.0) * std::log(1.0 - 0.25 * d * d);
      if (std::isfinite(v) && labels[j] == labels[a]) v = 0.0;
      logw[a * n + j] = v;
      if (std::isfinite(v)) largest = std::max(largest, v);
    }
  }
  std::vector<double> w(n * n, 0.0);
  for (int64_t a = 0; a < n; ++a) {
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      const double v = logw[a * n + j];
      if (!std::isfinite(v) || labels[j] == labels[a] ||
          !(distances[a * n + j] < nonzero_loss_cutoff)) {
        continue;
      }
      w[a * n + j] = std::exp(v - largest);
      sum += w[a * n + j];
    }
    if (!(sum > 0)) {
      std::fill(w.begin() + a * n, w.begin() + (a + 1) * n, 0.0);
      continue;
    }
    for (int64_t j = 0; j < n; ++j) w[a * n + j] /= sum;
  }
  return w;
}

}  // namespace siamese
