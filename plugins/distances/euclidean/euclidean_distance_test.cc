#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/distances/testing/distance_testing.h"

namespace siamese {
namespace {

using distance_testing::Named;

TEST(EuclideanDistanceTest, HandComputed) {
  const Distance d = Named("euclidean");
  const Tensor a = Tensor::FromVector({2, 2}, {0, 0, 3, 4});
  const Tensor b = Tensor::FromVector({3, 2}, {0, 0, 1, 1, 3, 0});
  const std::vector<float> m = d.Matrix(Variable(a), Variable(b)).value().ToVector();
  // Training floors the distance at sqrt(1e-12).
  const std::vector<float> want = {1e-6f, std::sqrt(2.0f), 3, 5, std::sqrt(13.0f), 4};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(m[i], want[i]) << i;
  // Evaluation does not.
  auto pa = d.function().Prepare(a);
  auto pb = d.function().Prepare(b);
  ASSERT_TRUE(pa.ok() && pb.ok());
  std::vector<float> block(6), ranking(6);
  d.function().Block(**pa, 0, 2, **pb, block.data());
  d.function().RankingBlock(**pa, 0, 2, **pb, ranking.data());
  EXPECT_EQ(block[0], 0.0f);
  EXPECT_FLOAT_EQ(block[4], std::sqrt(13.0f));
  EXPECT_EQ(ranking, std::vector<float>({0, 2, 9, 25, 13, 16}));
  const double x[2] = {0, 0}, y[2] = {3, 4};
  EXPECT_EQ(d.function().Pair(x, y, 2), 5.0);
  EXPECT_FLOAT_EQ(d.Paired(Variable(a), Variable(Tensor::FromVector({2, 2}, {1, 1, 0, 0})))
                      .value()
                      .ToVector()[1],
                  5.0f);
  EXPECT_TRUE(d.symmetric());
  EXPECT_FALSE(d.normalizes());
  EXPECT_TRUE(d.nonnegative());
  EXPECT_EQ(d.Similarity(Variable(Tensor::FromVector({1}, {2}))).value().item(), -2.0f);
}

TEST(EuclideanDistanceTest, FormsAgreeAndGradients) {
  const Distance d = Named("euclidean");
  const Tensor a = RandomTensor({5, 7}, 1), b = RandomTensor({4, 7}, 2);
  distance_testing::ExpectFormsAgree(d, a, b);
  distance_testing::ExpectGradients(d, a, b);
}

}  // namespace
}  // namespace siamese
