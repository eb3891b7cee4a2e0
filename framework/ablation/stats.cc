#include "framework/ablation/stats.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_format.h"
#include "framework/base/check.h"

namespace siamese {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// t_{0.975}(df) for df = 1..30.
constexpr double kT975[30] = {12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912,
                              2.364624,  2.306004, 2.262157, 2.228139, 2.200985, 2.178813,
                              2.160369,  2.144787, 2.131450, 2.119905, 2.109816, 2.100922,
                              2.093024,  2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
                              2.059539,  2.055529, 2.051831, 2.048407, 2.045230, 2.042272};

}  // namespace

double StudentT975(int df) {
  SIAMESE_CHECK(df >= 1) << "StudentT975: degrees of freedom must be >= 1, got " << df;
  if (df <= 30) return kT975[df - 1];
  // Cornish-Fisher expansion of the t quantile in powers of 1/df
  // (Abramowitz & Stegun 26.7.5).
  const double z = 1.959963984540054, v = df;
  const double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
  const double g1 = (z3 + z) / 4;
  const double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

Estimate Summarize(const std::vector<double>& values) {
  Estimate e;
  e.n = static_cast<int>(values.size());
  e.mean = e.sd = e.ci_low = e.ci_high = kNaN;
  if (e.n == 0) return e;
  double sum = 0;
  for (double v : values) sum += v;
  e.mean = sum / e.n;
  if (e.n < 2) return e;
  double ss = 0;
  for (double v : values) ss += (v - e.mean) * (v - e.mean);
  e.sd = std::sqrt(ss / (e.n - 1));
  const double half = StudentT975(e.n - 1) * e.sd / std::sqrt(static_cast<double>(e.n));
  e.ci_low = e.mean - half;
  e.ci_high = e.mean + half;
  return e;
}

Estimate PairedDifference(const std::map<uint64_t, double>& base,
                          const std::map<uint64_t, double>& cell) {
  std::vector<double> diffs;
  for (const auto& [seed, value] : cell) {
    auto it = base.find(seed);
    if (it != base.end()) diffs.push_back(value - it->second);
  }
  return Summarize(diffs);
}

std::string FormatNumber(double v, int digits) {
  if (std::isnan(v)) return "n/a";
  return absl::StrFormat("%.*f", digits, v);
}

}  // namespace siamese
