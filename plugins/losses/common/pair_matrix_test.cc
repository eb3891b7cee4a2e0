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
  const PairMasks m = MasksOf(p, 3, 3, false);
  EXPECT_EQ(m.positive, std::vector<char>({0, 0, 1, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(m.negative, std::vector<char>({0, 1, 0, 1, 0, 1, 0, 1, 0}));
  EXPECT_TRUE(m.any_positive);
  EXPECT_TRUE(m.any_negative);
  const PairMasks none = MasksOf(Pairs(), 2, 2, false);
  EXPECT_FALSE(none.any_positive || none.any_negative);
}

TEST(PairMasksTest, IndexOutsideTheBatchAborts) {
  Pairs p;
  p.pos_a = {0};
  p.pos_b = {3};
  EXPECT_DEATH(MasksOf(p, 3, 3, false), "pair \\(0, 3\\) outside \\[3, 3\\] distances");
  // Against references the second index is a column of the [2, 4] matrix.
  EXPECT_DEATH(MasksOf(p, 2, 3, true), "pair \\(0, 3\\) outside \\[2, 3\\] distances");
}

// Against a memory (framework/core/references.h) a pair marks (row, column)
// only: row 0's positive is column 3, row 1's negative column 0.
TEST(PairMasksTest, DirectedPairsMarkTheirRowOnly) {
  Pairs p;
  p.pos_a = {0};
  p.pos_b = {3};
  p.neg_a = {1};
  p.neg_b = {0};
  const PairMasks m = MasksOf(p, 2, 4, true);
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.columns, 4);
  EXPECT_EQ(m.positive, std::vector<char>({0, 0, 0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(m.negative, std::vector<char>({0, 0, 0, 0, 1, 0, 0, 0}));
}

TEST(DirectedPositivesTest, BothOrdersUnlessDirected) {
  Pairs p;
  p.pos_a = {0, 2};
  p.pos_b = {1, 5};
  std::vector<int64_t> a, b;
  DirectedPositives(p, false, &a, &b);
  EXPECT_EQ(a, std::vector<int64_t>({0, 1, 2, 5}));
  EXPECT_EQ(b, std::vector<int64_t>({1, 0, 5, 2}));
  DirectedPositives(p, true, &a, &b);
  EXPECT_EQ(a, std::vector<int64_t>({0, 2}));
  EXPECT_EQ(b, std::vector<int64_t>({1, 5}));
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
