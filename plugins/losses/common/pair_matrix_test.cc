#include "plugins/losses/common/pair_matrix.h"

#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(PairMasksTest, PairsMarkBothDirections) {
  Pairs p;
  p.pos_a = {0};
  p.pos_b = {2};
  p.neg_a = {1, 2};
  p.neg_b = {0, 1};
  const PairMasks m = MasksOf(p, 3);
  EXPECT_EQ(m.positive, std::vector<char>({0, 0, 1, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(m.negative, std::vector<char>({0, 1, 0, 1, 0, 1, 0, 1, 0}));
  EXPECT_TRUE(m.any_positive);
  EXPECT_TRUE(m.any_negative);
  const PairMasks none = MasksOf(Pairs(), 2);
  EXPECT_FALSE(none.any_positive || none.any_negative);
}

TEST(PairMasksTest, IndexOutsideTheBatchAborts) {
  Pairs p;
  p.pos_a = {0};
  p.pos_b = {3};
  EXPECT_DEATH(MasksOf(p, 3), "pair \\(0, 3\\) outside a batch of 3");
}

TEST(SimilarityOfTest, CosineIsOneMinusDistanceOthersNegate) {
  Variable d(Tensor::FromVector({2}, {0.25f, 1.5f}));
  Tensor c = SimilarityOf(d, Distance::Cosine()).value();
  EXPECT_FLOAT_EQ(c.data()[0], 0.75f);
  EXPECT_FLOAT_EQ(c.data()[1], -0.5f);
  Tensor e = SimilarityOf(d, Distance::Euclidean()).value();
  EXPECT_FLOAT_EQ(e.data()[0], -0.25f);
  EXPECT_FLOAT_EQ(e.data()[1], -1.5f);
}

}  // namespace
}  // namespace siamese
