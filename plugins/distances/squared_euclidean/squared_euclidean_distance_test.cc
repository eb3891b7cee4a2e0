#include <vector>

#include "gtest/gtest.h"
#include "plugins/distances/testing/distance_testing.h"

namespace siamese {
namespace {

using distance_testing::Named;

TEST(SquaredEuclideanDistanceTest, HandComputed) {
  const Distance d = Named("squared_euclidean");
  const Tensor a = Tensor::FromVector({2, 2}, {0, 0, 3, 4});
  const Tensor b = Tensor::FromVector({3, 2}, {0, 0, 1, 1, 3, 0});
  const std::vector<float> want = {0, 2, 9, 25, 13, 16};
  EXPECT_EQ(d.Matrix(Variable(a), Variable(b)).value().ToVector(), want);
  auto pa = d.function().Prepare(a);
  auto pb = d.function().Prepare(b);
  ASSERT_TRUE(pa.ok() && pb.ok());
  std::vector<float> block(6);
  d.function().Block(**pa, 0, 2, **pb, block.data());
  EXPECT_EQ(block, want);
  const double x[2] = {0, 0}, y[2] = {3, 4};
  EXPECT_EQ(d.function().Pair(x, y, 2), 25.0);
  EXPECT_EQ(d.Paired(Variable(a), Variable(Tensor::FromVector({2, 2}, {1, 1, 0, 0})))
                .value()
                .ToVector(),
            std::vector<float>({2, 25}));
  EXPECT_TRUE(d.symmetric());
  EXPECT_FALSE(d.normalizes());
  EXPECT_TRUE(d.nonnegative());
}

TEST(SquaredEuclideanDistanceTest, FormsAgreeAndGradients) {
  const Distance d = Named("squared_euclidean");
  const Tensor a = RandomTensor({5, 7}, 3), b = RandomTensor({4, 7}, 4);
  distance_testing::ExpectFormsAgree(d, a, b);
  distance_testing::ExpectGradients(d, a, b);
}

}  // namespace
}  // namespace siamese
