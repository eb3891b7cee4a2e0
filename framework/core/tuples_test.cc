#include "framework/core/tuples.h"

#include "gtest/gtest.h"

namespace siamese {
namespace {

Triplets MakeTriplets(std::vector<int64_t> a, std::vector<int64_t> p, std::vector<int64_t> n) {
  Triplets t;
  t.anchors = std::move(a);
  t.positives = std::move(p);
  t.negatives = std::move(n);
  return t;
}

TEST(TuplesTest, HoldsOneKind) {
  Tuples none;
  EXPECT_EQ(none.kind(), TupleKind::kTriplets);
  EXPECT_TRUE(none.empty());
  Pairs p;
  p.pos_a = {0};
  p.pos_b = {1};
  p.neg_a = {0, 1};
  p.neg_b = {2, 2};
  Tuples pairs(p);
  EXPECT_EQ(pairs.kind(), TupleKind::kPairs);
  EXPECT_EQ(pairs.size(), 3);
  EXPECT_EQ(pairs.pairs().neg_b, (std::vector<int64_t>{2, 2}));
  EXPECT_STREQ(TupleKindName(pairs.kind()), "pairs");
}

TEST(TuplesDeathTest, AskingForTheOtherKindAbortsNamingIt) {
  Tuples triplets(MakeTriplets({0}, {1}, {2}));
  EXPECT_DEATH(triplets.pairs(), "these tuples are triplets");
  Tuples pairs{Pairs()};
  EXPECT_DEATH(pairs.triplets(), "these tuples are pairs");
}

TEST(ConvertTuplesTest, TripletsToPairsDeduplicates) {
  Tuples p = ConvertTuples(MakeTriplets({0, 0, 1}, {1, 1, 0}, {2, 3, 2}), TupleKind::kPairs);
  ASSERT_EQ(p.kind(), TupleKind::kPairs);
  EXPECT_EQ(p.pairs().pos_a, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(p.pairs().pos_b, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(p.pairs().neg_a, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(p.pairs().neg_b, (std::vector<int64_t>{2, 3, 2}));
}

TEST(ConvertTuplesTest, PairsToTripletsCombinePartnersOfEachAnchor) {
  Pairs p;
  p.pos_a = {0};
  p.pos_b = {1};
  p.neg_a = {0, 2};
  p.neg_b = {2, 1};
  Tuples t = ConvertTuples(p, TupleKind::kTriplets);
  // Anchor 0: positive 1, negative 2. Anchor 1: positive 0, negative 2.
  EXPECT_EQ(t.triplets().anchors, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(t.triplets().positives, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(t.triplets().negatives, (std::vector<int64_t>{2, 2}));
}

TEST(ConvertTuplesTest, SameKindIsUnchanged) {
  Tuples t = ConvertTuples(MakeTriplets({0}, {1}, {2}), TupleKind::kTriplets);
  EXPECT_EQ(t.triplets().anchors, (std::vector<int64_t>{0}));
  EXPECT_EQ(t.triplets().negatives, (std::vector<int64_t>{2}));
}

}  // namespace
}  // namespace siamese
