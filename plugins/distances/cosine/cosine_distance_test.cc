#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/distances/testing/distance_testing.h"

namespace siamese {
namespace {

using distance_testing::Named;

TEST(CosineDistanceTest, HandComputed) {
  const Distance d = Named("cosine");
  const Tensor a = Tensor::FromVector({3, 2}, {1, 0, 1, 1, 0, 0});
  const Tensor b = Tensor::FromVector({2, 2}, {0, 2, 3, 3});
  const float r = 1.0f - 1.0f / std::sqrt(2.0f);
  // A zero vector is at distance 1 from everything.
  const std::vector<float> want = {1, r, r, 0, 1, 1};
  const Variable m = d.Matrix(Variable(a), Variable(b));
  const std::vector<float> got = m.value().ToVector();
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
  // The similarity is the cosine similarity.
  const std::vector<float> s = d.Similarity(m).value().ToVector();
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(s[i], 1 - want[i], 1e-6) << i;
  auto pa = d.function().Prepare(a);
  auto pb = d.function().Prepare(b);
  ASSERT_TRUE(pa.ok() && pb.ok());
  std::vector<float> block(6);
  d.function().Block(**pa, 0, 3, **pb, block.data());
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(block[i], want[i], 1e-6) << i;
  const double x[2] = {1, 1}, y[2] = {0, 2};
  EXPECT_NEAR(d.function().Pair(x, y, 2), 1 - 1 / std::sqrt(2.0), 1e-15);
  EXPECT_TRUE(d.symmetric());
  EXPECT_TRUE(d.normalizes());
  EXPECT_TRUE(d.nonnegative());
}

TEST(CosineDistanceTest, FormsAgreeAndGradients) {
  const Distance d = Named("cosine");
  const Tensor a = RandomTensor({5, 7}, 5), b = RandomTensor({4, 7}, 6);
  distance_testing::ExpectFormsAgree(d, a, b);
  distance_testing::ExpectGradients(d, a, b);
}

}  // namespace
}  // namespace siamese
