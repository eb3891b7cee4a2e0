#include <vector>

#include "gtest/gtest.h"
#include "plugins/distances/testing/distance_testing.h"

namespace siamese {
namespace {

using distance_testing::Named;

TEST(DotProductDistanceTest, HandComputed) {
  const Distance d = Named("dot_product");
  const Tensor a = Tensor::FromVector({2, 2}, {1, 2, -1, 0.5f});
  const Tensor b = Tensor::FromVector({2, 2}, {3, -1, 0, 2});
  // a.b = [[1, 4], [-3.5, 1]]; d = -a.b.
  const Variable m = d.Matrix(Variable(a), Variable(b));
  EXPECT_EQ(m.value().ToVector(), std::vector<float>({-1, -4, 3.5f, -1}));
  // Similarity-based losses get a.b back, exactly.
  EXPECT_EQ(d.Similarity(m).value().ToVector(), std::vector<float>({1, 4, -3.5f, 1}));
  EXPECT_EQ(d.Paired(Variable(a), Variable(b)).value().ToVector(), std::vector<float>({-1, -1}));
  // A self-distance is -||a||^2, not 0.
  EXPECT_EQ(d.Matrix(Variable(a), Variable(a)).value().ToVector(),
            std::vector<float>({-5, 0, 0, -1.25f}));
  auto pa = d.function().Prepare(a);
  auto pb = d.function().Prepare(b);
  ASSERT_TRUE(pa.ok() && pb.ok());
  std::vector<float> block(4);
  d.function().Block(**pa, 0, 2, **pb, block.data());
  EXPECT_EQ(block, std::vector<float>({-1, -4, 3.5f, -1}));
  const double x[2] = {-1, 0.5}, y[2] = {3, -1};
  EXPECT_EQ(d.function().Pair(x, y, 2), 3.5);
  EXPECT_TRUE(d.symmetric());
  EXPECT_FALSE(d.normalizes());
  EXPECT_FALSE(d.nonnegative());
}

TEST(DotProductDistanceTest, FormsAgreeAndGradients) {
  const Distance d = Named("dot_product");
  const Tensor a = RandomTensor({5, 7}, 7), b = RandomTensor({4, 7}, 8);
  distance_testing::ExpectFormsAgree(d, a, b);
  distance_testing::ExpectGradients(d, a, b);
}

TEST(DotProductDistanceTest, OverflowingEmbeddingsAreAnEvaluationError) {
  const Distance d = Named("dot_product");
  auto p = d.function().Prepare(Tensor::FromVector({1, 2}, {3e19f, 0}));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "the squared norm of row 0 overflows float (values too large)");
}

}  // namespace
}  // namespace siamese
