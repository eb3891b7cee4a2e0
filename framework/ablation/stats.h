// Summary statistics over the seeds of an ablation cell: mean, sample
// standard deviation and the 95% confidence interval of the mean (Student's
// t), and paired differences between two cells matched by seed.
#ifndef SIAMESE_FRAMEWORK_ABLATION_STATS_H_
#define SIAMESE_FRAMEWORK_ABLATION_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace siamese {

// The 0.975 quantile of Student's t distribution with `df` degrees of
// freedom: the multiplier of the standard error for a two-sided 95%
// interval. Exact (6 decimals) for df 1..30 from a table; beyond, the
// Cornish-Fisher expansion around the normal quantile 1.959964 (error
// < 1e-6 for df > 30). REQUIRES: df >= 1.
double StudentT975(int df);

// Mean, spread and 95% CI of a sample of size n.
struct Estimate {
  int n = 0;
  double mean = 0;    // NaN when n == 0.
  double sd = 0;      // Sample standard deviation (divisor n - 1); NaN when n < 2.
  double ci_low = 0;  // mean -/+ StudentT975(n - 1) * sd / sqrt(n); NaN when n < 2.
  double ci_high = 0;
  bool has_mean() const { return n >= 1; }
  bool has_ci() const { return n >= 2; }
};

// Estimate of `values` (any order; NaNs are not filtered).
Estimate Summarize(const std::vector<double>& values);

// Paired difference `cell - base` over the seeds present in both maps
// (seed -> value); seeds missing in either are dropped. The estimate's n is
// the number of pairs, its CI the t interval of the mean difference.
Estimate PairedDifference(const std::map<uint64_t, double>& base,
                          const std::map<uint64_t, double>& cell);

// "%.<digits>f" of v, or "n/a" when v is NaN.
std::string FormatNumber(double v, int digits = 4);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_ABLATION_STATS_H_
