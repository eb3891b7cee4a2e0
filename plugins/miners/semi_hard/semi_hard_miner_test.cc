#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/miners/testing/miner_testing.h"

namespace siamese {
namespace {

using testing_util::LineDistances;
using testing_util::Triplet;

// Points: 0:0.0(a) 1:1.0(a) 2:1.2(b) 3:1.5(b) 4:0.5(b)
const std::vector<float> kX = {0.0f, 1.0f, 1.2f, 1.5f, 0.5f};
const std::vector<int64_t> kLabels = {0, 0, 1, 1, 1};

TEST(SemiHardMinerTest, HardestSemiHardNegativePerPair) {
  auto miner = testing_util::MakeMiner(R"(name: "semi_hard" [siamese.semi_hard] { margin: 0.3 })");
  Triplets t = testing_util::MineTriplets(miner.get(), LineDistances(kX), kLabels, 0);
  // (0,1): d=1; negatives at 1.2 (in (1, 1.3)) and 1.5, 0.5 (not) -> n=2.
  // (1,0): d=1; negatives at 0.2, 0.5, 0.5 -> none.
  // (2,3): d=0.3; negatives 1.2, 0.2 -> none in (0.3, 0.6). (3,2): 1.5, 0.5 -> 3->1 is 0.5 -> n=1.
  // (2,4): d=0.7; 2->0 1.2, 2->1 0.2 -> none. (4,2): d=0.7; 4->0 0.5, 4->1 0.5 -> none.
  // (3,4): d=1.0; 3->0 1.5, 3->1 0.5 -> none. (4,3): d=1.0 -> none.
  EXPECT_EQ(testing_util::TripletList(t), (std::vector<Triplet>{{0, 1, 2}, {3, 2, 1}}));
}

TEST(SemiHardMinerTest, AllSemiHardKeepsEveryOne) {
  auto miner = testing_util::MakeMiner(
      R"(name: "semi_hard" [siamese.semi_hard] { margin: 0.6 all_semi_hard: true })");
  Triplets t = testing_util::MineTriplets(miner.get(), LineDistances(kX), kLabels, 0);
  // (0,1): negatives with 1 < d < 1.6: 2 (1.2), 3 (1.5). (3,2) d=.3: 3->1 = .5 ok.
  // (2,3) d=.3: 2->0 1.2 no, 2->1 .2 no. (2,4) d=.7: 2->0 1.2 ok. (4,2) d=.7: none (.5,.5).
  // (3,4) d=1: 3->0 1.5 ok. (4,3): none. (1,0): none.
  EXPECT_EQ(testing_util::TripletList(t),
            (std::vector<Triplet>{{0, 1, 2}, {0, 1, 3}, {2, 4, 0}, {3, 2, 1}, {3, 4, 0}}));
}

TEST(SemiHardMinerTest, MarginMustBePositive) {
  EXPECT_THAT(
      testing_util::MinerError(R"(name: "semi_hard" [siamese.semi_hard] { margin: 0 })").message(),
      ::testing::HasSubstr("margin: must be > 0, got 0"));
}

}  // namespace
}  // namespace siamese
