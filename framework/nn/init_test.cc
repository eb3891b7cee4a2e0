#include "framework/nn/init.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace siamese {
namespace {

struct Stats {
  double mean = 0, stddev = 0, min = 1e30, max = -1e30;
};

Stats Summarize(const Tensor& t) {
  Stats s;
  std::vector<float> v = t.ToVector();
  for (float x : v) {
    s.mean += x;
    s.min = std::min<double>(s.min, x);
    s.max = std::max<double>(s.max, x);
  }
  s.mean /= v.size();
  for (float x : v) s.stddev += (x - s.mean) * (x - s.mean);
  s.stddev = std::sqrt(s.stddev / v.size());
  return s;
}

constexpr int64_t kN = 200000;  // standard error of a mean: ~sigma / 450

TEST(InitTest, Fans) {
  EXPECT_EQ(FanIn({64, 3, 7, 7}), 3 * 49);
  EXPECT_EQ(FanOut({64, 3, 7, 7}), 64 * 49);
  EXPECT_EQ(FanIn({10, 20}), 20);
  EXPECT_EQ(FanOut({10, 20}), 10);
}

TEST(InitTest, KaimingUniformBoundAndStd) {
  Rng rng(1);
  const int64_t fan_in = 24;
  Tensor t = KaimingUniform({kN}, fan_in, &rng);
  const double bound = std::sqrt(6.0 / fan_in);  // 0.5
  Stats s = Summarize(t);
  EXPECT_GE(s.min, -bound);
  EXPECT_LT(s.max, bound);
  EXPECT_GT(s.max, 0.99 * bound);
  EXPECT_NEAR(s.mean, 0.0, 0.005);
  EXPECT_NEAR(s.stddev, bound / std::sqrt(3.0), 0.003);  // sqrt(2 / fan_in)
}

TEST(InitTest, KaimingUniformWithLinearGainIsOneOverSqrtFanIn) {
  Rng rng(2);
  Tensor t = KaimingUniform({kN}, 16, &rng, std::sqrt(1.0f / 3.0f));
  Stats s = Summarize(t);
  EXPECT_GE(s.min, -0.25);
  EXPECT_LT(s.max, 0.25);
  EXPECT_GT(s.max, 0.2475);
}

TEST(InitTest, KaimingNormalStd) {
  Rng rng(3);
  const int64_t fan_in = 50;
  Stats s = Summarize(KaimingNormal({kN}, fan_in, &rng));
  EXPECT_NEAR(s.mean, 0.0, 0.002);
  EXPECT_NEAR(s.stddev, std::sqrt(2.0 / fan_in), 0.002);  // 0.2
}

TEST(InitTest, XavierUniformBound) {
  Rng rng(4);
  Stats s = Summarize(XavierUniform({kN}, 30, 70, &rng));
  const double bound = std::sqrt(6.0 / 100.0);
  EXPECT_GE(s.min, -bound);
  EXPECT_LT(s.max, bound);
  EXPECT_LT(s.min, -0.99 * bound);
  EXPECT_NEAR(s.stddev, std::sqrt(2.0 / 100.0), 0.002);
}

TEST(InitTest, SameSeedSameTensorDifferentSeedDifferentTensor) {
  Rng a(42), b(42), c(43);
  EXPECT_EQ(KaimingNormal({3, 5}, 5, &a).ToVector(), KaimingNormal({3, 5}, 5, &b).ToVector());
  EXPECT_NE(KaimingNormal({3, 5}, 5, &a).ToVector(), KaimingNormal({3, 5}, 5, &c).ToVector());
}

TEST(InitTest, ShapeAndZeros) {
  Rng rng(5);
  Tensor t = XavierUniform({4, 3, 2}, 6, 8, &rng);
  EXPECT_EQ(t.shape(), (Shape{4, 3, 2}));
  EXPECT_TRUE(t.is_plain());
  for (float x : Zeros({2, 2}).ToVector()) EXPECT_EQ(x, 0.0f);
}

TEST(InitDeathTest, RejectsBadFans) {
  Rng rng(6);
  EXPECT_DEATH(KaimingUniform({2, 0}, 0, &rng), "init: KaimingUniform fan_in 0 for \\[2, 0\\]");
  EXPECT_DEATH(FanIn({5}), "init: FanIn needs a weight of rank >= 2, got \\[5\\]");
}

}  // namespace
}  // namespace siamese
