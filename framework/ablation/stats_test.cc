#include "framework/ablation/stats.h"

#include <cmath>

#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(StudentT975Test, TableValues) {
  EXPECT_DOUBLE_EQ(StudentT975(1), 12.706205);
  EXPECT_DOUBLE_EQ(StudentT975(3), 3.182446);
  EXPECT_DOUBLE_EQ(StudentT975(10), 2.228139);
  EXPECT_DOUBLE_EQ(StudentT975(30), 2.042272);
}

TEST(StudentT975Test, ExpansionMatchesPublishedQuantiles) {
  // Published t_{0.975} values beyond the table.
  EXPECT_NEAR(StudentT975(40), 2.021075, 2e-6);
  EXPECT_NEAR(StudentT975(60), 2.000298, 2e-6);
  EXPECT_NEAR(StudentT975(120), 1.979930, 2e-6);
  EXPECT_NEAR(StudentT975(31), 2.039513, 2e-6);
  // -> the normal quantile 1.959964 (+ 2.37 / df).
  EXPECT_NEAR(StudentT975(1000000), 1.9599664, 1e-7);
}

TEST(StudentT975Test, DecreasesWithDegreesOfFreedom) {
  for (int df = 2; df < 200; ++df) EXPECT_LT(StudentT975(df), StudentT975(df - 1)) << df;
}

TEST(StudentT975DeathTest, RejectsZeroDegreesOfFreedom) {
  EXPECT_DEATH(StudentT975(0), "StudentT975: degrees of freedom must be >= 1, got 0");
}

TEST(SummarizeTest, HandComputedOneToFour) {
  // mean 2.5; sd = sqrt(5/3) = 1.2909944; se = sd / 2 = 0.6454972;
  // half-width = 3.182446 * 0.6454972 = 2.0542601.
  const Estimate e = Summarize({4, 1, 3, 2});
  EXPECT_EQ(e.n, 4);
  EXPECT_DOUBLE_EQ(e.mean, 2.5);
  EXPECT_NEAR(e.sd, 1.2909944, 1e-7);
  EXPECT_NEAR(e.ci_high - e.mean, 2.0542601, 1e-6);
  EXPECT_NEAR(e.ci_low, 2.5 - 2.0542601, 1e-6);
  EXPECT_TRUE(e.has_ci());
}

TEST(SummarizeTest, OneValueHasNoSpreadNorInterval) {
  const Estimate e = Summarize({0.75});
  EXPECT_EQ(e.n, 1);
  EXPECT_DOUBLE_EQ(e.mean, 0.75);
  EXPECT_TRUE(std::isnan(e.sd));
  EXPECT_TRUE(std::isnan(e.ci_low));
  EXPECT_FALSE(e.has_ci());
  EXPECT_EQ(FormatNumber(e.ci_low), "n/a");
  EXPECT_EQ(FormatNumber(e.mean), "0.7500");
}

TEST(SummarizeTest, EmptyHasNoMean) {
  const Estimate e = Summarize({});
  EXPECT_EQ(e.n, 0);
  EXPECT_FALSE(e.has_mean());
  EXPECT_TRUE(std::isnan(e.mean));
}

TEST(PairedDifferenceTest, HandComputedMatchedBySeed) {
  // Seeds 1, 2, 3 are in both; 9 (base only) and 7 (cell only) are dropped.
  // Differences 0.05, 0.02, 0.06: mean 0.0433333; sd = sqrt(8.6667e-4 / 2)
  // = 0.0208167; half-width = 4.302653 * 0.0208167 / sqrt(3) = 0.0517115.
  const std::map<uint64_t, double> base = {{1, 0.80}, {2, 0.70}, {3, 0.90}, {9, 0.50}};
  const std::map<uint64_t, double> cell = {{3, 0.96}, {1, 0.85}, {2, 0.72}, {7, 0.99}};
  const Estimate d = PairedDifference(base, cell);
  EXPECT_EQ(d.n, 3);
  EXPECT_NEAR(d.mean, 0.0433333, 1e-7);
  EXPECT_NEAR(d.sd, 0.0208167, 1e-7);
  EXPECT_NEAR(d.ci_low, -0.0083781, 1e-6);
  EXPECT_NEAR(d.ci_high, 0.0950448, 1e-6);
}

TEST(PairedDifferenceTest, NoCommonSeeds) {
  const Estimate d = PairedDifference({{1, 0.5}}, {{2, 0.6}});
  EXPECT_EQ(d.n, 0);
  EXPECT_EQ(FormatNumber(d.mean), "n/a");
}

}  // namespace
}  // namespace siamese
