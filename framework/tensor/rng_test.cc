#include "framework/tensor/rng.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(RngTest, SameSeedSameStream) {
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.NextU64(), b.NextU64());
}

TEST(RngTest, KnownValuesAreStableAcrossBuilds) {
  // Pinned so that a change of generator (which would silently change every
  // experiment's numbers) fails loudly.
  Rng r(0);
  EXPECT_EQ(r.NextU64(), 0x99ec5f36cb75f2b4ULL);
}

TEST(RngTest, UniformInRangeWithPlausibleMean) {
  Rng r(1);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    float u = r.Uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.01);
}

TEST(RngTest, NormalMomentsAreStandard) {
  Rng r(3);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    double x = r.Normal();
    s += x;
    s2 += x * x;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
}

TEST(RngTest, UniformIntCoversRange) {
  Rng r(5);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) counts[r.UniformInt(7)]++;
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

TEST(RngTest, ForkIsIndependentOfParentDraws) {
  Rng a(9), b(9);
  a.NextU64();
  EXPECT_EQ(a.Fork(1).NextU64(), b.Fork(1).NextU64());
  EXPECT_NE(a.Fork(1).NextU64(), a.Fork(2).NextU64());
}

}  // namespace
}  // namespace siamese
