#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/miners/testing/miner_testing.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;
using testing_util::LineDistances;
using testing_util::MakeMiner;

TEST(AllMinerTest, EveryValidTriplet) {
  auto miner = MakeMiner(R"(name: "all")");
  // Labels 0,0,1,1,1: anchors of class 0 have 1 positive x 3 negatives (2 anchors -> 6),
  // anchors of class 1 have 2 positives x 2 negatives (3 anchors -> 12).
  Triplets t =
      testing_util::MineTriplets(miner.get(), LineDistances({0, 1, 2, 3, 4}), {0, 0, 1, 1, 1}, 0);
  ASSERT_EQ(t.size(), 18);
  for (size_t i = 0; i < t.anchors.size(); ++i) {
    EXPECT_NE(t.anchors[i], t.positives[i]);
  }
  EXPECT_EQ(testing_util::TripletList(t)[0], std::make_tuple(0, 1, 2));
}

TEST(AllMinerTest, EveryPair) {
  auto miner = MakeMiner(R"(name: "all" [siamese.all] { output: "pairs" })");
  EXPECT_EQ(miner->output(), TupleKind::kPairs);
  Pairs t = testing_util::MinePairs(miner.get(), LineDistances({0, 1, 2, 3}), {0, 0, 1, 1}, 0);
  EXPECT_EQ(t.pos_a, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(t.pos_b, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(t.neg_a.size(), 4u);
}

TEST(AllMinerTest, EveryOrderedPairUnderAnAsymmetricDistance) {
  auto miner = MakeMiner(R"(name: "all" [siamese.all] { output: "pairs" })");
  const Tensor d = LineDistances({0, 1, 2});
  const std::vector<int64_t> labels = {0, 0, 1};
  MinerInput in;
  in.distances = &d;
  in.labels = &labels;
  in.distance = *Distance::FromName("snr");
  const Pairs t = miner->Mine(in).pairs();
  EXPECT_EQ(t.pos_a, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(t.pos_b, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(t.neg_a, (std::vector<int64_t>{0, 1, 2, 2}));
  EXPECT_EQ(t.neg_b, (std::vector<int64_t>{2, 2, 0, 1}));
}

TEST(AllMinerTest, BadOutputIsAnError) {
  absl::Status s = testing_util::MinerError(R"(name: "all" [siamese.all] { output: "quads" })");
  EXPECT_THAT(s.message(), HasSubstr("output: must be \"triplets\" or \"pairs\", got \"quads\""));
}

}  // namespace
}  // namespace siamese
