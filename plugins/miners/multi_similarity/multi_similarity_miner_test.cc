#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/miners/testing/miner_testing.h"

namespace siamese {
namespace {

TEST(MultiSimilarityMinerTest, PairsWithinEpsilonOfTheOtherSide) {
  auto miner = testing_util::MakeMiner(
      R"(name: "multi_similarity" [siamese.multi_similarity_miner] { epsilon: 0.1 })");
  // Points 0:0(a) 1:0.5(a) 2:0.55(b) 3:2.0(b).
  Pairs t = testing_util::MinePairs(
      miner.get(), testing_util::LineDistances({0.0f, 0.5f, 0.55f, 2.0f}), {0, 0, 1, 1}, 0);
  // Anchor 0: farthest positive 0.5, nearest negative 0.55. Positive 1:
  // 0.5 + 0.1 > 0.55 yes. Negatives: 2 (0.55 - 0.1 < 0.5) yes, 3 no.
  // Anchor 1: positive 0 (0.5 + 0.1 > 0.05) yes; negative 2 (0.05) yes, 3 (1.5) no.
  // Anchor 2: positive 3 at 1.45, nearest negative 0.05: yes; negatives 0
  // (0.55 - 0.1 < 1.45) and 1 yes. Anchor 3: positive 2 at 1.45 vs nearest
  // negative 1.5: 1.55 > 1.5 yes; negatives 0 (2.0 - 0.1 < 1.45) no, 1
  // (1.5 - 0.1 = 1.4 < 1.45) yes.
  EXPECT_EQ(t.pos_a, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(t.pos_b, (std::vector<int64_t>{1, 0, 3, 2}));
  EXPECT_EQ(t.neg_a, (std::vector<int64_t>{0, 1, 2, 2, 3}));
  EXPECT_EQ(t.neg_b, (std::vector<int64_t>{2, 2, 0, 1, 1}));
}

TEST(MultiSimilarityMinerTest, EpsilonIsValidated) {
  EXPECT_THAT(testing_util::MinerError(
                  R"(name: "multi_similarity" [siamese.multi_similarity_miner] { epsilon: -1 })")
                  .message(),
              ::testing::HasSubstr("epsilon: must be finite and >= 0"));
}

}  // namespace
}  // namespace siamese
