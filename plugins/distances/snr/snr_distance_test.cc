#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/distances/testing/distance_testing.h"

namespace siamese {
namespace {

using distance_testing::Named;

// a = [1, 2, 3]: a - mean = [-1, 0, 1], Var(a) = 1 (sum of squares 2).
// b0 = [2, 2, 2]: b0 - a = [1, 0, -1], Var = 1: d(a, b0) = 1.
// b1 = [1, 2, 5]: b1 - a = [0, 0, 2], centered [-2/3, -2/3, 4/3], sum of
//   squares 8/3: d(a, b1) = (8/3) / 2 = 4/3.
// The other way: b1 - mean = [-5/3, -2/3, 7/3], sum of squares 26/3, and
//   a - b1 has the same centered sum of squares 8/3: d(b1, a) = 4/13.
TEST(SnrDistanceTest, HandComputed) {
  const Distance d = Named("snr");
  const Tensor a = Tensor::FromVector({1, 3}, {1, 2, 3});
  const Tensor b = Tensor::FromVector({2, 3}, {2, 2, 2, 1, 2, 5});
  const std::vector<float> m = d.Matrix(Variable(a), Variable(b)).value().ToVector();
  EXPECT_FLOAT_EQ(m[0], 1.0f);
  EXPECT_FLOAT_EQ(m[1], 4.0f / 3);
  const std::vector<float> back = d.Matrix(Variable(b), Variable(a)).value().ToVector();
  EXPECT_FLOAT_EQ(back[1], 4.0f / 13);
  const Tensor b1 = Tensor::FromVector({1, 3}, {1, 2, 5});
  EXPECT_FLOAT_EQ(d.Paired(Variable(a), Variable(b1)).value().ToVector()[0], 4.0f / 3);
  EXPECT_FLOAT_EQ(d.Paired(Variable(b1), Variable(a)).value().ToVector()[0], 4.0f / 13);
  const double x[3] = {1, 2, 3}, y[3] = {1, 2, 5};
  EXPECT_NEAR(d.function().Pair(x, y, 3), 4.0 / 3, 1e-15);
  EXPECT_NEAR(d.function().Pair(y, x, 3), 4.0 / 13, 1e-15);
  // Evaluation: the query is the anchor.
  auto pa = d.function().Prepare(a);
  auto pb = d.function().Prepare(b);
  ASSERT_TRUE(pa.ok() && pb.ok());
  std::vector<float> block(2), reverse(2);
  d.function().Block(**pa, 0, 1, **pb, block.data());
  EXPECT_FLOAT_EQ(block[0], 1.0f);
  EXPECT_FLOAT_EQ(block[1], 4.0f / 3);
  d.function().Block(**pb, 0, 2, **pa, reverse.data());
  EXPECT_FLOAT_EQ(reverse[1], 4.0f / 13);
  EXPECT_FALSE(d.symmetric());
  EXPECT_FALSE(d.normalizes());
  EXPECT_TRUE(d.nonnegative());
  EXPECT_EQ(d.Similarity(Variable(Tensor::FromVector({1}, {2}))).value().item(), -2.0f);
}

TEST(SnrDistanceTest, InvariantToShiftsAndACommonScale) {
  const Distance d = Named("snr");
  const Tensor a = RandomTensor({3, 6}, 9), b = RandomTensor({4, 6}, 10);
  std::vector<float> as = a.ToVector(), bs = b.ToVector();
  for (size_t i = 0; i < as.size(); ++i) as[i] = 3 * as[i] + (i / 6 == 1 ? 5.0f : -2.0f);
  for (size_t i = 0; i < bs.size(); ++i) bs[i] = 3 * bs[i] + 0.25f * (i / 6);
  const std::vector<float> want = d.Matrix(Variable(a), Variable(b)).value().ToVector();
  const std::vector<float> got =
      d.Matrix(Variable(Tensor::FromVector({3, 6}, as)), Variable(Tensor::FromVector({4, 6}, bs)))
          .value()
          .ToVector();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4 * want[i]) << i;
}

TEST(SnrDistanceTest, SelfDistanceIsZeroAndAConstantAnchorStaysFinite) {
  const Distance d = Named("snr");
  const Tensor a = RandomTensor({4, 5}, 11);
  const Variable v(a);
  const std::vector<float> self = d.Matrix(v, v).value().ToVector();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(self[i * 4 + i], 0.0f);
  const Tensor flat = Tensor::FromVector({1, 3}, {2, 2, 2});
  const Tensor other = Tensor::FromVector({1, 3}, {1, 2, 3});
  const float huge = d.Matrix(Variable(flat), Variable(other)).value().item();
  EXPECT_TRUE(std::isfinite(huge));
  EXPECT_FLOAT_EQ(huge, 2e12f);
  EXPECT_FLOAT_EQ(d.Paired(Variable(flat), Variable(other)).value().item(), 2e12f);
}

TEST(SnrDistanceTest, FormsAgreeAndGradients) {
  const Distance d = Named("snr");
  const Tensor a = RandomTensor({5, 7}, 12), b = RandomTensor({4, 7}, 13);
  distance_testing::ExpectFormsAgree(d, a, b);
  distance_testing::ExpectGradients(d, a, b);
}

}  // namespace
}  // namespace siamese
