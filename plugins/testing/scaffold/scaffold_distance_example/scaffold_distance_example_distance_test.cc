#include <vector>

#include "gtest/gtest.h"
#include "plugins/distances/testing/distance_testing.h"

namespace siamese {
namespace {

using distance_testing::Named;

// a = [1, 2, 3]; b0 = [0, 4, 3]: |1| + |-2| + |0| = 3;
// b1 = [1.5, 2, 1]: |-0.5| + |0| + |2| = 2.5.
TEST(ScaffoldDistanceExampleDistanceTest, HandComputed) {
  const Distance d = Named("scaffold_distance_example");
  const Tensor a = Tensor::FromVector({1, 3}, {1, 2, 3});
  const Tensor b = Tensor::FromVector({2, 3}, {0, 4, 3, 1.5, 2, 1});
  const std::vector<float> m = d.Matrix(Variable(a), Variable(b)).value().ToVector();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_FLOAT_EQ(m[0], 3.0f);
  EXPECT_FLOAT_EQ(m[1], 2.5f);
  // The anchor is the row: Matrix(b, a) is the transpose (symmetric).
  const std::vector<float> back = d.Matrix(Variable(b), Variable(a)).value().ToVector();
  EXPECT_FLOAT_EQ(back[0], 3.0f);
  EXPECT_FLOAT_EQ(back[1], 2.5f);
  const Tensor b1 = Tensor::FromVector({1, 3}, {1.5, 2, 1});
  EXPECT_FLOAT_EQ(d.Paired(Variable(a), Variable(b1)).value().item(), 2.5f);
  const double x[3] = {1, 2, 3}, y[3] = {1.5, 2, 1};
  EXPECT_DOUBLE_EQ(d.function().Pair(x, y, 3), 2.5);
  // Evaluation: the query in the rows, the references in the columns.
  auto pa = d.function().Prepare(a);
  auto pb = d.function().Prepare(b);
  ASSERT_TRUE(pa.ok() && pb.ok());
  std::vector<float> block(2);
  d.function().Block(**pa, 0, 1, **pb, block.data());
  EXPECT_FLOAT_EQ(block[0], 3.0f);
  EXPECT_FLOAT_EQ(block[1], 2.5f);
  EXPECT_TRUE(d.symmetric());
  EXPECT_FALSE(d.normalizes());
  EXPECT_TRUE(d.nonnegative());
  // Similarity losses see -d.
  EXPECT_EQ(d.Similarity(Variable(Tensor::FromVector({1}, {2}))).value().item(), -2.0f);
}

TEST(ScaffoldDistanceExampleDistanceTest, SelfDistancesAreZeroAndSymmetric) {
  const Distance d = Named("scaffold_distance_example");
  const Variable e(RandomTensor({4, 5}, 3));
  const std::vector<float> m = d.Matrix(e, e).value().ToVector();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(m[i * 4 + i], 0.0f);
    for (int j = 0; j < 4; ++j) EXPECT_EQ(m[i * 4 + j], m[j * 4 + i]);
  }
}

// Matrix, Paired, Pair, Block and RankingBlock compute the same function.
TEST(ScaffoldDistanceExampleDistanceTest, FormsAgree) {
  distance_testing::ExpectFormsAgree(Named("scaffold_distance_example"), RandomTensor({5, 7}, 1),
                                     RandomTensor({4, 7}, 2));
}

// Rows of width dim, row i about 0.5 i + shift: two rows of a and b differ
// in every component by more than the gradient check's step (|x| has a
// kink at 0, where central differences mean nothing).
Tensor Separated(int64_t rows, int64_t dim, float shift, uint64_t seed) {
  std::vector<float> v = RandomTensor({rows, dim}, seed, -0.1f, 0.1f).ToVector();
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t k = 0; k < dim; ++k) v[i * dim + k] += 0.5f * i + shift;
  }
  return Tensor::FromVector({rows, dim}, v);
}

// Finite differences against Backward for Matrix(a, b), Matrix(a, a) and
// Paired.
TEST(ScaffoldDistanceExampleDistanceTest, GradientsMatchFiniteDifferences) {
  distance_testing::ExpectGradients(Named("scaffold_distance_example"), Separated(5, 7, 0.0f, 4),
                                    Separated(4, 7, 0.25f, 5));
}

}  // namespace
}  // namespace siamese
