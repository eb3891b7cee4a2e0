#include "framework/core/miner.h"

#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(ConvertTuplesTest, TripletsToPairsDeduplicates) {
  MinedTuples t;
  t.anchors = {0, 0, 1};
  t.positives = {1, 1, 0};
  t.negatives = {2, 3, 2};
  MinedTuples p = ConvertTuples(t, TupleKind::kPairs);
  EXPECT_EQ(p.kind, TupleKind::kPairs);
  EXPECT_EQ(p.pos_a, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(p.pos_b, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(p.neg_a, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(p.neg_b, (std::vector<int64_t>{2, 3, 2}));
}

TEST(ConvertTuplesTest, PairsToTripletsCombinePartnersOfEachAnchor) {
  MinedTuples p;
  p.kind = TupleKind::kPairs;
  p.pos_a = {0};
  p.pos_b = {1};
  p.neg_a = {0, 2};
  p.neg_b = {2, 1};
  MinedTuples t = ConvertTuples(p, TupleKind::kTriplets);
  // Anchor 0: positive 1, negative 2. Anchor 1: positive 0, negative 2.
  EXPECT_EQ(t.anchors, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(t.positives, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(t.negatives, (std::vector<int64_t>{2, 2}));
}

TEST(ConvertTuplesTest, SameKindIsUnchanged) {
  MinedTuples t;
  t.anchors = {0};
  t.positives = {1};
  t.negatives = {2};
  EXPECT_EQ(ConvertTuples(t, TupleKind::kTriplets).anchors, t.anchors);
}

}  // namespace
}  // namespace siamese
