#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/miners/testing/miner_testing.h"

namespace siamese {
namespace {

TEST(HardPairsMinerTest, FarPositivesAndNearNegatives) {
  auto miner = testing_util::MakeMiner(
      R"(name: "hard_pairs" [siamese.hard_pairs] { pos_margin: 0.4 neg_margin: 1.0 })");
  // Points 0:0(a) 1:0.3(a) 2:0.9(a) 3:1.5(b)
  Pairs t = testing_util::MinePairs(
      miner.get(), testing_util::LineDistances({0.0f, 0.3f, 0.9f, 1.5f}), {0, 0, 0, 1}, 0);
  // Positives: (0,1)=.3 no, (0,2)=.9 yes, (1,2)=.6 yes. Negatives: (0,3)=1.5 no,
  // (1,3)=1.2 no, (2,3)=.6 yes.
  EXPECT_EQ(t.pos_a, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(t.pos_b, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(t.neg_a, (std::vector<int64_t>{2}));
  EXPECT_EQ(t.neg_b, (std::vector<int64_t>{3}));
}

// Under an asymmetric distance each order of a pair is judged by its own
// value, as PML's PairMarginMiner does on the whole matrix.
TEST(HardPairsMinerTest, AsymmetricDistanceJudgesBothOrders) {
  auto miner = testing_util::MakeMiner(
      R"(name: "hard_pairs" [siamese.hard_pairs] { pos_margin: 0.5 neg_margin: 1.0 })");
  // d[i][j] != d[j][i]: (0, 1) same class, (0, 2), (1, 2) different.
  const Tensor d = Tensor::FromVector({3, 3}, {0, 0.7f, 1.2f,  //
                                               0.2f, 0, 0.8f,  //
                                               0.9f, 1.5f, 0});
  const std::vector<int64_t> labels = {0, 0, 1};
  MinerInput in;
  in.distances = &d;
  in.labels = &labels;
  in.distance = *Distance::FromName("snr");
  const Pairs t = miner->Mine(in).pairs();
  EXPECT_EQ(t.pos_a, (std::vector<int64_t>{0}));  // d(0, 1) = 0.7 > 0.5; d(1, 0) = 0.2 not
  EXPECT_EQ(t.pos_b, (std::vector<int64_t>{1}));
  EXPECT_EQ(t.neg_a, (std::vector<int64_t>{1, 2}));  // d(1, 2) = 0.8, d(2, 0) = 0.9 < 1
  EXPECT_EQ(t.neg_b, (std::vector<int64_t>{2, 0}));
}

TEST(HardPairsMinerTest, NegativeMarginsForDistancesWithNegativeValues) {
  // dot_product's d = -a.b: PML's PairMarginMiner(pos_margin=0.5,
  // neg_margin=0.2) on similarities.
  EXPECT_NE(testing_util::MakeMiner(
                R"(name: "hard_pairs" [siamese.hard_pairs] { pos_margin: -0.5 neg_margin: -0.2 })"),
            nullptr);
}

TEST(HardPairsMinerTest, MarginsAreValidated) {
  EXPECT_THAT(testing_util::MinerError(
                  R"(name: "hard_pairs" [siamese.hard_pairs] { pos_margin: 1 neg_margin: 0.5 })")
                  .message(),
              ::testing::HasSubstr("neg_margin: must be > pos_margin (1), got 0.5"));
}

}  // namespace
}  // namespace siamese
