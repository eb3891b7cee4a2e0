#include "gtest/gtest.h"
#include "plugins/miners/testing/miner_testing.h"

namespace siamese {
namespace {

using testing_util::LineDistances;
using testing_util::Triplet;

TEST(BatchHardMinerTest, HardestPositiveAndNegativePerAnchor) {
  auto miner = testing_util::MakeMiner(R"(name: "batch_hard")");
  // Points:   0:0.0(a) 1:0.5(a) 2:3.0(a) 3:1.0(b) 4:4.0(b)
  Triplets t = testing_util::MineTriplets(
      miner.get(), LineDistances({0.0f, 0.5f, 3.0f, 1.0f, 4.0f}), {0, 0, 0, 1, 1}, 0);
  // Hand-computed: anchor 0: farthest positive 2 (3.0), nearest negative 3 (1.0)
  // anchor 1: positive 2 (2.5), negative 3 (0.5); anchor 2: positive 0 (3.0), negative 4 (1.0)
  // anchor 3: positive 4, negative 1 (0.5); anchor 4: positive 3, negative 2 (1.0).
  EXPECT_EQ(testing_util::TripletList(t),
            (std::vector<Triplet>{{0, 2, 3}, {1, 2, 3}, {2, 0, 4}, {3, 4, 1}, {4, 3, 2}}));
}

TEST(BatchHardMinerTest, SkipsAnchorsWithoutPositive) {
  auto miner = testing_util::MakeMiner(R"(name: "batch_hard")");
  Triplets t = testing_util::MineTriplets(miner.get(), LineDistances({0, 1, 2}), {0, 0, 1}, 0);
  EXPECT_EQ(t.anchors, (std::vector<int64_t>{0, 1}));
}

}  // namespace
}  // namespace siamese
