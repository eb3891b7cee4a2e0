#include "gtest/gtest.h"
#include "plugins/miners/testing/miner_testing.h"

namespace siamese {
namespace {

const std::vector<int64_t> kLabels = {0, 0, 1, 1, 2, 2, 2};

TEST(RandomMinerTest, TripletsAreValidAndDependOnSeedAndStepOnly) {
  auto a = testing_util::MakeMiner(R"(name: "random" [siamese.random] { num_tuples: 50 })", 5);
  auto b = testing_util::MakeMiner(R"(name: "random" [siamese.random] { num_tuples: 50 })", 5);
  Tensor d = testing_util::LineDistances({0, 1, 2, 3, 4, 5, 6});
  Triplets t1 = testing_util::MineTriplets(a.get(), d, kLabels, 3);
  testing_util::MineTriplets(a.get(), d, kLabels, 4);
  Triplets t2 = testing_util::MineTriplets(b.get(), d, kLabels, 3);
  EXPECT_EQ(testing_util::TripletList(t1), testing_util::TripletList(t2));
  ASSERT_EQ(t1.size(), 50);
  for (size_t i = 0; i < t1.anchors.size(); ++i) {
    EXPECT_NE(t1.anchors[i], t1.positives[i]);
    EXPECT_EQ(kLabels[t1.anchors[i]], kLabels[t1.positives[i]]);
    EXPECT_NE(kLabels[t1.anchors[i]], kLabels[t1.negatives[i]]);
  }
  Triplets t3 = testing_util::MineTriplets(b.get(), d, kLabels, 4);
  EXPECT_NE(testing_util::TripletList(t1), testing_util::TripletList(t3));
}

TEST(RandomMinerTest, PairsAreBalanced) {
  auto m = testing_util::MakeMiner(
      R"(name: "random" [siamese.random] { output: "pairs" num_tuples: 10 })");
  Pairs t = testing_util::MinePairs(m.get(), testing_util::LineDistances({0, 1, 2, 3, 4, 5, 6}),
                                    kLabels, 0);
  EXPECT_EQ(t.pos_a.size(), 5u);
  EXPECT_EQ(t.neg_a.size(), 5u);
  for (size_t i = 0; i < t.pos_a.size(); ++i) EXPECT_EQ(kLabels[t.pos_a[i]], kLabels[t.pos_b[i]]);
  for (size_t i = 0; i < t.neg_a.size(); ++i) EXPECT_NE(kLabels[t.neg_a[i]], kLabels[t.neg_b[i]]);
}

}  // namespace
}  // namespace siamese
