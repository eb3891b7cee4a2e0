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

TEST(HardPairsMinerTest, MarginsAreValidated) {
  EXPECT_THAT(testing_util::MinerError(
                  R"(name: "hard_pairs" [siamese.hard_pairs] { pos_margin: 1 neg_margin: 0.5 })")
                  .message(),
              ::testing::HasSubstr("neg_margin: must be > pos_margin (1), got 0.5"));
}

}  // namespace
}  // namespace siamese
