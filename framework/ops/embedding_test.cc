#include "framework/ops/embedding.h"

#include "framework/autograd/gradient_check.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(EmbeddingTest, ForwardGathersRows) {
  Tensor table = RandomTensor({5, 3}, 1);
  const std::vector<int64_t> ids = {4, 0, 2, 2, 1, 4};
  Tensor y = Embedding(Variable(table), ids, {2, 3}).value();
  ASSERT_EQ(y.shape(), (Shape{2, 3, 3}));
  for (size_t k = 0; k < ids.size(); ++k)
    for (int64_t j = 0; j < 3; ++j) {
      EXPECT_EQ(y.data()[k * 3 + j], table.data()[ids[k] * 3 + j]) << k << "," << j;
    }
}

TEST(EmbeddingTest, ScalarAndEmptyIdShapes) {
  Tensor table = RandomTensor({4, 2}, 2);
  Tensor y = Embedding(Variable(table), {3}, {}).value();
  EXPECT_EQ(y.shape(), (Shape{2}));
  EXPECT_EQ(y.ToVector(), (std::vector<float>{table.data()[6], table.data()[7]}));
  EXPECT_EQ(Embedding(Variable(table), {}, {0}).value().shape(), (Shape{0, 2}));
}

TEST(EmbeddingTest, BackwardScatterAddsRepeatedIds) {
  Tensor table = RandomTensor({4, 2}, 3);
  Variable t(table, true);
  Embedding(t, {1, 3, 1, 1}, {4}).Backward(Tensor::FromVector({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(t.grad().ToVector(), (std::vector<float>{0, 0, 13, 16, 0, 0, 3, 4}));
}

TEST(EmbeddingTest, GradientMatchesFiniteDifferences) {
  Tensor table = RandomTensor({6, 5}, 4);
  EXPECT_TRUE(CheckGradients(
      [](const std::vector<Variable>& in) {
        return Embedding(in[0], {5, 0, 5, 3, 5, 0}, {2, 3});
      },
      {Variable(table, true)}));
  Tensor one = RandomTensor({1, 1}, 5);
  EXPECT_TRUE(CheckGradients(
      [](const std::vector<Variable>& in) {
        return Embedding(in[0], {0, 0, 0}, {3});
      },
      {Variable(one, true)}));
}

TEST(EmbeddingDeathTest, NamesBadIdAndShapes) {
  Variable table(Tensor::Zeros({5, 3}));
  EXPECT_DEATH(Embedding(table, {1, 5}, {2}),
               "embedding: id 5 at position 1 out of range for table \\[5, 3\\] \\(V = 5\\)");
  EXPECT_DEATH(Embedding(table, {-1}, {1}), "embedding: id -1 at position 0");
  EXPECT_DEATH(Embedding(table, {1, 2, 3}, {2, 2}),
               "embedding: 3 ids for ids shape \\[2, 2\\] \\(table \\[5, 3\\]\\)");
  EXPECT_DEATH(Embedding(Variable(Tensor::Zeros({5})), {1}, {1}),
               "embedding: table must be \\[V, D\\], got \\[5\\] for ids \\[1\\]");
}

}  // namespace
}  // namespace siamese
