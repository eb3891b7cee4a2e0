#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/miners/testing/miner_testing.h"

namespace siamese {
namespace {

// Points 0:0(a) 1:0.3(a) 2:0.4(b) 3:1.0(b). Triplets and m = d_an - d_ap:
// anchor 0, positive 1 (0.3): n=2 0.1, n=3 0.7. Anchor 1, positive 0 (0.3):
// n=2 -0.2, n=3 0.4. Anchor 2, positive 3 (0.6): n=0 -0.2, n=1 -0.5.
// Anchor 3, positive 2 (0.6): n=0 0.4, n=1 0.1.
std::vector<std::tuple<int64_t, int64_t, int64_t>> Mine(const std::string& type) {
  auto miner = testing_util::MakeMiner(
      "name: \"triplet_margin\" [siamese.triplet_margin] { margin: 0.2 type: \"" + type + "\" }");
  Triplets t = testing_util::MineTriplets(
      miner.get(), testing_util::LineDistances({0.0f, 0.3f, 0.4f, 1.0f}), {0, 0, 1, 1}, 0);
  std::vector<std::tuple<int64_t, int64_t, int64_t>> out;
  for (size_t i = 0; i < t.anchors.size(); ++i) {
    out.emplace_back(t.anchors[i], t.positives[i], t.negatives[i]);
  }
  return out;
}

TEST(TripletMarginMinerTest, EachTypeKeepsItsTriplets) {
  using V = std::vector<std::tuple<int64_t, int64_t, int64_t>>;
  EXPECT_EQ(Mine("all"), (V{{0, 1, 2}, {1, 0, 2}, {2, 3, 0}, {2, 3, 1}, {3, 2, 1}}));
  EXPECT_EQ(Mine("hard"), (V{{1, 0, 2}, {2, 3, 0}, {2, 3, 1}}));
  EXPECT_EQ(Mine("semihard"), (V{{0, 1, 2}, {3, 2, 1}}));
  EXPECT_EQ(Mine("easy"), (V{{0, 1, 3}, {1, 0, 3}, {3, 2, 0}}));
}

TEST(TripletMarginMinerTest, UnknownTypeListsTheKnownOnes) {
  EXPECT_THAT(testing_util::MinerError(
                  R"(name: "triplet_margin" [siamese.triplet_margin] { type: "medium" })")
                  .message(),
              ::testing::HasSubstr("type: must be \"all\", \"hard\", \"semihard\" or \"easy\""));
}

}  // namespace
}  // namespace siamese
