#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/miners/testing/miner_testing.h"

namespace siamese {
namespace {

using testing_util::LineDistances;
using testing_util::Triplet;
using V = std::vector<Triplet>;
using PairList = std::vector<std::pair<int64_t, int64_t>>;

// The batch of every test below: points on a line, two classes.
//   0: 0.0 (A)   1: 1.0 (A)   2: 4.0 (A)   3: 1.7 (B)   4: 3.6 (B)
// Distances from each anchor (positives | negatives):
//   anchor 0:  1: 1.0  2: 4.0  |  3: 1.7  4: 3.6
//   anchor 1:  0: 1.0  2: 3.0  |  3: 0.7  4: 2.6
//   anchor 2:  0: 4.0  1: 3.0  |  3: 2.3  4: 0.4
//   anchor 3:  4: 1.9          |  0: 1.7  1: 0.7  2: 2.3
//   anchor 4:  3: 1.9          |  0: 3.6  1: 2.6  2: 0.4
const std::vector<float> kPoints = {0.0f, 1.0f, 4.0f, 1.7f, 3.6f};
const std::vector<int64_t> kLabels = {0, 0, 0, 1, 1};

std::string Config(const std::string& params) {
  return "name: \"batch_easy_hard\" [siamese.batch_easy_hard] { " + params + " }";
}

V MineTriplets(const std::string& params) {
  auto miner = testing_util::MakeMiner(Config(params));
  if (miner == nullptr) return {};
  EXPECT_EQ(miner->output(), TupleKind::kTriplets);
  return testing_util::TripletList(
      testing_util::MineTriplets(miner.get(), LineDistances(kPoints), kLabels, 0));
}

std::pair<PairList, PairList> MinePairs(const std::string& params,
                                        const std::vector<float>& points = kPoints,
                                        const std::vector<int64_t>& labels = kLabels) {
  auto miner = testing_util::MakeMiner(Config(params));
  if (miner == nullptr) return {};
  EXPECT_EQ(miner->output(), TupleKind::kPairs);
  const Pairs t = testing_util::MinePairs(miner.get(), LineDistances(points), labels, 0);
  std::pair<PairList, PairList> out;
  for (size_t i = 0; i < t.pos_a.size(); ++i) out.first.emplace_back(t.pos_a[i], t.pos_b[i]);
  for (size_t i = 0; i < t.neg_a.size(); ++i) out.second.emplace_back(t.neg_a[i], t.neg_b[i]);
  return out;
}

// Defaults: pos "easy", neg "semihard" (the closest positive, then the
// closest negative strictly farther than it).
//   anchor 0: p = 1 (1.0); negatives beyond 1.0: 3 (1.7), 4 (3.6) -> 3
//   anchor 1: p = 0 (1.0); negatives beyond 1.0: 4 (2.6) only      -> 4
//   anchor 2: p = 1 (3.0); negatives beyond 3.0: none              -> skipped
//   anchor 3: p = 4 (1.9); negatives beyond 1.9: 2 (2.3)           -> 2
//   anchor 4: p = 3 (1.9); negatives beyond 1.9: 1 (2.6), 0 (3.6)  -> 1
TEST(BatchEasyHardMinerTest, DefaultsAreEasyPositiveSemiHardNegative) {
  EXPECT_EQ(MineTriplets(""), (V{{0, 1, 3}, {1, 0, 4}, {3, 4, 2}, {4, 3, 1}}));
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "easy" neg_strategy: "semihard")"),
            (V{{0, 1, 3}, {1, 0, 4}, {3, 4, 2}, {4, 3, 1}}));
}

// "hard"/"hard" is batch-hard: the farthest positive, the closest negative.
// "easy"/"easy": the closest positive, the farthest negative.
// "easy"/"hard": the closest positive, the closest negative.
TEST(BatchEasyHardMinerTest, EasyAndHardChooseClosestOrFarthest) {
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "hard" neg_strategy: "hard")"),
            (V{{0, 2, 3}, {1, 2, 3}, {2, 0, 4}, {3, 4, 1}, {4, 3, 2}}));
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "easy" neg_strategy: "easy")"),
            (V{{0, 1, 4}, {1, 0, 4}, {2, 1, 3}, {3, 4, 2}, {4, 3, 0}}));
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "easy" neg_strategy: "hard")"),
            (V{{0, 1, 3}, {1, 0, 3}, {2, 1, 4}, {3, 4, 1}, {4, 3, 2}}));
}

// pos "semihard": the negative first, then the farthest positive strictly
// nearer than it.
//   neg "hard" (closest): anchor 0: n = 3 (1.7), positives under 1.7: 1
//     (1.0) -> (0, 1, 3); anchor 1: n = 3 (0.7), none; anchor 2: n = 4
//     (0.4), none; anchor 3: n = 1 (0.7), positive 4 at 1.9: none;
//     anchor 4: n = 2 (0.4), none.
//   neg "easy" (farthest): anchor 0: n = 4 (3.6), positives under 3.6: 1
//     -> (0, 1, 4); anchor 1: n = 4 (2.6), positives under 2.6: 0 ->
//     (1, 0, 4); anchor 2: n = 3 (2.3), positives at 4.0, 3.0: none;
//     anchor 3: n = 2 (2.3), 4 (1.9) -> (3, 4, 2); anchor 4: n = 0 (3.6),
//     3 (1.9) -> (4, 3, 0).
// neg "semihard" after pos "hard": anchors 0-2 have their farthest positive
// beyond every negative; anchor 3: p = 4 (1.9), negatives beyond: 2 (2.3);
// anchor 4: p = 3 (1.9), negatives beyond: 1 (2.6), 0 (3.6) -> 1.
TEST(BatchEasyHardMinerTest, SemiHardIsRelativeToTheOtherSidesChoice) {
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "semihard" neg_strategy: "hard")"), (V{{0, 1, 3}}));
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "semihard" neg_strategy: "easy")"),
            (V{{0, 1, 4}, {1, 0, 4}, {3, 4, 2}, {4, 3, 0}}));
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "hard" neg_strategy: "semihard")"),
            (V{{3, 4, 2}, {4, 3, 1}}));
}

// Ranges leave candidates out before the choice. pos "easy" with
// allowed_pos_range [1.5, inf), neg "hard" with allowed_neg_range [1, 3]:
//   anchor 0: positives in range: 2 (4.0); negatives: 3 (1.7) (4 at 3.6 out)
//   anchor 1: positives: 2 (3.0); negatives: 4 (2.6) (3 at 0.7 out)
//   anchor 2: positives: 0 (4.0), 1 (3.0) -> 1; negatives: 3 (2.3)
//   anchor 3: positive 4 (1.9); negatives: 0 (1.7), 2 (2.3) -> 0
//   anchor 4: positive 3 (1.9); negatives: 1 (2.6) (0 at 3.6, 2 at 0.4 out)
TEST(BatchEasyHardMinerTest, RangesLeaveCandidatesOut) {
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "easy" neg_strategy: "hard"
                            allowed_pos_range { low: 1.5 }
                            allowed_neg_range { low: 1 high: 3 })"),
            (V{{0, 2, 3}, {1, 2, 4}, {2, 1, 3}, {3, 4, 0}, {4, 3, 1}}));
}

// Both ends are inclusive: with positives in [1, 3] (exact in float),
// anchor 0 keeps 1 (1.0, 2 at 4.0 is out), anchor 1 keeps 0 (1.0) and 2
// (3.0) and takes the farther, 2; anchor 2 keeps 1 (3.0); anchors 3 and 4
// have their positive at 1.9. Negatives: the closest.
TEST(BatchEasyHardMinerTest, RangeEndsAreInclusive) {
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "hard" neg_strategy: "hard"
                            allowed_pos_range { low: 1 high: 3 })"),
            (V{{0, 1, 3}, {1, 2, 3}, {2, 1, 4}, {3, 4, 1}, {4, 3, 2}}));
}

// An anchor with nothing left in range is skipped: no positive lies in
// [2, 2.5], so nothing is mined.
TEST(BatchEasyHardMinerTest, AnchorsWithoutACandidateAreSkipped) {
  EXPECT_EQ(MineTriplets(R"(pos_strategy: "easy" neg_strategy: "hard"
                            allowed_pos_range { low: 2 high: 2.5 })"),
            V{});
}

// "all" on a side gives pairs: that side's every pair once, the other
// side's chosen pair per anchor.
//   pos "all", neg "hard": positive pairs (0,1) (0,2) (1,2) (3,4); closest
//     negatives 0->3, 1->3, 2->4, 3->1, 4->2.
//   pos "easy", neg "all": closest positives 0->1, 1->0, 2->1, 3->4, 4->3;
//     negative pairs (0,3) (0,4) (1,3) (1,4) (2,3) (2,4).
//   "all"/"all": every pair.
TEST(BatchEasyHardMinerTest, AllGivesPairs) {
  EXPECT_EQ(MinePairs(R"(pos_strategy: "all" neg_strategy: "hard")"),
            (std::pair<PairList, PairList>{{{0, 1}, {0, 2}, {1, 2}, {3, 4}},
                                           {{0, 3}, {1, 3}, {2, 4}, {3, 1}, {4, 2}}}));
  EXPECT_EQ(MinePairs(R"(pos_strategy: "easy" neg_strategy: "all")"),
            (std::pair<PairList, PairList>{{{0, 1}, {1, 0}, {2, 1}, {3, 4}, {4, 3}},
                                           {{0, 3}, {0, 4}, {1, 3}, {1, 4}, {2, 3}, {2, 4}}}));
  EXPECT_EQ(MinePairs(R"(pos_strategy: "all" neg_strategy: "all")"),
            (std::pair<PairList, PairList>{{{0, 1}, {0, 2}, {1, 2}, {3, 4}},
                                           {{0, 3}, {0, 4}, {1, 3}, {1, 4}, {2, 3}, {2, 4}}}));
}

// As in PML, the sides of an "all" miner are independent: an anchor
// without a positive still gets its negative pair. Points 0:0 (A) 1:1 (A)
// 2:2 (B): closest negatives 0->2, 1->2, 2->1.
TEST(BatchEasyHardMinerTest, AllKeepsTheOtherSideOfAnchorsWithoutPositives) {
  EXPECT_EQ(MinePairs(R"(pos_strategy: "all" neg_strategy: "hard")", {0, 1, 2}, {0, 0, 1}),
            (std::pair<PairList, PairList>{{{0, 1}}, {{0, 2}, {1, 2}, {2, 1}}}));
}

std::string ErrorOf(const std::string& params) {
  return std::string(testing_util::MinerError(Config(params)).message());
}

TEST(BatchEasyHardMinerTest, UnknownStrategiesNameTheField) {
  EXPECT_THAT(
      ErrorOf(R"(pos_strategy: "medium")"),
      ::testing::HasSubstr("pos_strategy: must be \"easy\", \"semihard\", \"hard\" or \"all\", got "
                           "\"medium\""));
  EXPECT_THAT(ErrorOf(R"(neg_strategy: "HARD")"),
              ::testing::HasSubstr("neg_strategy: must be \"easy\", \"semihard\", \"hard\" or "
                                   "\"all\", got \"HARD\""));
}

// PML refuses "semihard" on both sides, and "semihard" with "all".
TEST(BatchEasyHardMinerTest, SemiHardCombinationsPmlRefusesAreRefused) {
  EXPECT_THAT(ErrorOf(R"(pos_strategy: "semihard" neg_strategy: "semihard")"),
              ::testing::HasSubstr("pos_strategy: \"semihard\" cannot be combined with "
                                   "neg_strategy \"semihard\""));
  EXPECT_THAT(ErrorOf(R"(pos_strategy: "semihard" neg_strategy: "all")"),
              ::testing::HasSubstr("pos_strategy: \"semihard\" cannot be combined with "
                                   "neg_strategy \"all\""));
  EXPECT_THAT(ErrorOf(R"(pos_strategy: "all" neg_strategy: "semihard")"),
              ::testing::HasSubstr("neg_strategy: \"semihard\" cannot be combined with "
                                   "pos_strategy \"all\""));
  // Every other pair is accepted.
  for (const char* pos : {"easy", "semihard", "hard", "all"}) {
    for (const char* neg : {"easy", "semihard", "hard", "all"}) {
      const std::string p(pos), n(neg);
      const bool refused =
          (p == "semihard" && (n == "semihard" || n == "all")) || (n == "semihard" && p == "all");
      MinerConfig config;
      ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
          Config("pos_strategy: \"" + p + "\" neg_strategy: \"" + n + "\""), &config));
      EXPECT_EQ(Registry<Miner>::Create(config, PluginContext()).ok(), !refused) << p << "/" << n;
    }
  }
}

TEST(BatchEasyHardMinerTest, BadRangesNameTheField) {
  EXPECT_THAT(ErrorOf("allowed_pos_range { low: 2 high: 1 }"),
              ::testing::HasSubstr("allowed_pos_range: low (2) must be <= high (1)"));
  EXPECT_THAT(ErrorOf("allowed_neg_range { low: nan }"),
              ::testing::HasSubstr("allowed_neg_range: low and high must be numbers"));
  EXPECT_THAT(ErrorOf(R"(pos_strategy: "all" neg_strategy: "hard" allowed_pos_range { low: 1 })"),
              ::testing::HasSubstr("allowed_pos_range: has no effect with pos_strategy \"all\""));
  EXPECT_THAT(ErrorOf(R"(neg_strategy: "all" allowed_neg_range { high: 1 })"),
              ::testing::HasSubstr("allowed_neg_range: has no effect with neg_strategy \"all\""));
  // A one-point range is valid.
  EXPECT_TRUE(testing_util::MinerError(Config("allowed_pos_range { low: 1 high: 1 }")).ok());
}

}  // namespace
}  // namespace siamese
