#include "framework/eval/verification.h"

#include <cmath>
#include <limits>
#include <set>

#include "framework/tensor/rng.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& s, const std::string& text) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr(text));
}

// ---------------------------------------------------------------- pairs

TEST(MakeVerificationPairsTest, BalancedValidAndDeterministic) {
  // Classes 0 (3 items) and 1 (2 items) can give same pairs; 2 and 3 are
  // singletons and only appear in different pairs.
  const std::vector<int64_t> labels = {0, 1, 0, 2, 1, 0, 3};
  absl::StatusOr<PairSet> p = MakeVerificationPairs(labels, 1001, 42);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->a.size(), 1001u);
  ASSERT_EQ(p->b.size(), 1001u);
  ASSERT_EQ(p->same.size(), 1001u);
  int64_t num_same = 0;
  std::set<int64_t> same_anchors;
  for (size_t i = 0; i < p->a.size(); ++i) {
    EXPECT_NE(p->a[i], p->b[i]) << i;
    EXPECT_EQ(p->same[i], i % 2 == 0) << i;  // same, different, same, ...
    EXPECT_EQ(p->same[i], labels[p->a[i]] == labels[p->b[i]]) << i;
    if (p->same[i]) {
      ++num_same;
      same_anchors.insert(p->a[i]);
    }
  }
  EXPECT_EQ(num_same, 501);
  EXPECT_EQ(same_anchors, (std::set<int64_t>{0, 1, 2, 4, 5}));

  absl::StatusOr<PairSet> again = MakeVerificationPairs(labels, 1001, 42);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->a, p->a);
  EXPECT_EQ(again->b, p->b);
  EXPECT_EQ(again->same, p->same);
  absl::StatusOr<PairSet> other = MakeVerificationPairs(labels, 1001, 43);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->a, p->a);
}

TEST(MakeVerificationPairsTest, Errors) {
  ExpectInvalid(MakeVerificationPairs({0, 1, 2}, 10, 1),
                "MakeVerificationPairs: no class has 2 items");
  ExpectInvalid(MakeVerificationPairs({}, 10, 1), "no class has 2 items");
  ExpectInvalid(MakeVerificationPairs({4, 4, 4}, 10, 1), "all items have the same label");
  ExpectInvalid(MakeVerificationPairs({0, 0, 1}, 0, 1), "num_pairs must be >= 1, got 0");
}

// ------------------------------------------------------------ distances

// Rows (0, 0), (3, 4), (1, 0), (0, 2).
//   (0, 1): Euclidean 5, squared 25; cosine with a zero vector: 1.
//   (1, 2): cos = 3 / 5, cosine distance 0.4; Euclidean sqrt(4 + 16).
//   (2, 3): orthogonal, cosine distance 1; squared 1 + 4 = 5.
TEST(PairDistancesTest, HandComputed) {
  Tensor x = Tensor::FromVector({4, 2}, {0, 0, 3, 4, 1, 0, 0, 2});
  PairSet p{{0, 1, 2}, {1, 2, 3}, {true, false, false}};
  absl::StatusOr<std::vector<float>> e = PairDistances(x, p, Distance::Euclidean());
  absl::StatusOr<std::vector<float>> s = PairDistances(x, p, Distance::SquaredEuclidean());
  absl::StatusOr<std::vector<float>> c = PairDistances(x, p, Distance::Cosine());
  ASSERT_TRUE(e.ok() && s.ok() && c.ok());
  EXPECT_FLOAT_EQ((*e)[0], 5.0f);
  EXPECT_FLOAT_EQ((*e)[1], std::sqrt(20.0f));
  EXPECT_FLOAT_EQ((*s)[0], 25.0f);
  EXPECT_FLOAT_EQ((*s)[2], 5.0f);
  EXPECT_FLOAT_EQ((*c)[0], 1.0f);
  EXPECT_FLOAT_EQ((*c)[1], 0.4f);
  EXPECT_FLOAT_EQ((*c)[2], 1.0f);
}

TEST(PairDistancesTest, Errors) {
  Tensor x = Tensor::Zeros({3, 2});
  ExpectInvalid(PairDistances(x, PairSet{{0}, {3}, {true}}, Distance::Euclidean()),
                "PairDistances: pair 0 = (0, 3) is out of range for 3 embeddings");
  ExpectInvalid(PairDistances(x, PairSet{{0, 1}, {1}, {true}}, Distance::Euclidean()),
                "PairSet sizes differ: a 2, b 1, same 1");
  ExpectInvalid(PairDistances(Tensor::Zeros({3}), PairSet{}, Distance::Euclidean()),
                "embeddings must be a [N, D] tensor with D >= 1, got [3]");
  Tensor bad = Tensor::FromVector({2, 1}, {0, std::numeric_limits<float>::infinity()});
  ExpectInvalid(PairDistances(bad, PairSet{{0}, {1}, {false}}, Distance::Euclidean()),
                "distance of pair 0 = (0, 1) is not finite");
}

// ------------------------------------------------------------------ ROC

// distances 1 2 2 3, same T F T F (2 same, 2 different):
//   t = 1: accept {1 T}            FAR 0,   TAR 1/2
//   t = 2: accept {1 T, 2 F, 2 T}  FAR 1/2, TAR 1   (the tie switches together)
//   t = 3: accept all              FAR 1,   TAR 1
// AUC: same 1 beats both different (2), same 2 ties different 2 (1/2) and
// beats different 3 (1): U = 3.5, AUC = 3.5 / 4 = 0.875. Trapezoids agree:
// 0 + 0.5 * (0.5 + 1) / 2 + 0.5 * 1 = 0.875.
// EER: FAR - FRR is -1, -1/2, +1/2 at the three first points, so the crossing
// is halfway from (0, 1/2) to (1/2, 1): FAR = 1/4 = FRR.
const std::vector<float> kDist = {1, 2, 2, 3};
const std::vector<bool> kSame = {true, false, true, false};

TEST(RocTest, CurveWithTies) {
  absl::StatusOr<std::vector<RocPoint>> roc = RocCurve(kDist, kSame);
  ASSERT_TRUE(roc.ok()) << roc.status();
  ASSERT_EQ(roc->size(), 4u);
  EXPECT_EQ((*roc)[0].threshold, -std::numeric_limits<double>::infinity());
  const double want[4][3] = {{0, 0, 0}, {1, 0, 0.5}, {2, 0.5, 1}, {3, 1, 1}};
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      EXPECT_EQ((*roc)[i].threshold, want[i][0]) << i;
    }
    EXPECT_DOUBLE_EQ((*roc)[i].far, want[i][1]) << i;
    EXPECT_DOUBLE_EQ((*roc)[i].tar, want[i][2]) << i;
  }
}

TEST(RocTest, AucHandComputedWithTies) { EXPECT_DOUBLE_EQ(*RocAuc(kDist, kSame), 0.875); }

TEST(RocTest, AucSeparableReversedAndIdentical) {
  EXPECT_DOUBLE_EQ(*RocAuc({0.1f, 0.2f, 0.7f, 0.9f}, {true, true, false, false}), 1.0);
  EXPECT_DOUBLE_EQ(*RocAuc({0.1f, 0.2f, 0.7f, 0.9f}, {false, false, true, true}), 0.0);
  // Same multiset {1, 2, 3} for both classes: U = 2.5 + 1.5 + 0.5 = 4.5 of 9.
  EXPECT_DOUBLE_EQ(*RocAuc({1, 2, 3, 1, 2, 3}, {true, true, true, false, false, false}), 0.5);
  EXPECT_DOUBLE_EQ(*RocAuc({5, 5, 5}, {true, false, true}), 0.5);
}

// Random quantized distances (many ties): AUC equals the pairwise count and
// the trapezoid area under RocCurve.
TEST(RocTest, AucMatchesPairCountAndTrapezoids) {
  Rng rng(7);
  std::vector<float> d(300);
  std::vector<bool> same(300);
  for (int i = 0; i < 300; ++i) {
    same[i] = rng.Uniform() < 0.4f;
    d[i] = static_cast<float>(rng.UniformInt(20) + (same[i] ? 0 : 5));
  }
  double wins = 0, pairs = 0;
  for (int i = 0; i < 300; ++i) {
    for (int j = 0; j < 300; ++j) {
      if (!same[i] || same[j]) continue;
      pairs += 1;
      wins += d[i] < d[j] ? 1.0 : d[i] == d[j] ? 0.5 : 0.0;
    }
  }
  const std::vector<RocPoint> roc = *RocCurve(d, same);
  double area = 0;
  for (size_t i = 1; i < roc.size(); ++i) {
    area += (roc[i].far - roc[i - 1].far) * (roc[i].tar + roc[i - 1].tar) / 2;
  }
  EXPECT_NEAR(*RocAuc(d, same), wins / pairs, 1e-12);
  EXPECT_NEAR(*RocAuc(d, same), area, 1e-12);
}

TEST(RocTest, EqualErrorRate) {
  EXPECT_DOUBLE_EQ(*EqualErrorRate(kDist, kSame), 0.25);
  // Separable: the point (FAR 0, TAR 1) has FAR = FRR = 0 exactly.
  EXPECT_DOUBLE_EQ(*EqualErrorRate({1, 2, 3, 4}, {true, true, false, false}), 0.0);
  // same {1, 3}, different {2, 4}: points (0, 0), (0, 1/2), (1/2, 1/2), ...;
  // at t = 2, FAR = 1/2 = FRR exactly.
  EXPECT_DOUBLE_EQ(*EqualErrorRate({1, 3, 2, 4}, {true, true, false, false}), 0.5);
  // Reversed: every same pair is farther than every different pair. Points
  // (0, 0), (1/2, 0), (1, 0), (1, 1/2), (1, 1): FAR - FRR = -1, -1/2, 0 -> EER 1.
  EXPECT_DOUBLE_EQ(*EqualErrorRate({1, 2, 3, 4}, {false, false, true, true}), 1.0);
}

// same at 1, 2, 5, 9; different at 3, 4, 6, 7, 8, 10, 11, 12, 13, 14.
// Sorted: 1T 2T 3F 4F 5T 6F 7F 8F 9T 10F ...
//   t < 3: FAR 0,   TAR 2/4     t = 5: FAR 0.2, TAR 3/4
//   t = 3: FAR 0.1, TAR 2/4     t = 8: FAR 0.5, TAR 3/4
//   t = 4: FAR 0.2, TAR 2/4     t = 9: FAR 0.5, TAR 1
// so TAR@FAR is 1/2 up to FAR 0.2 (excluded), 3/4 up to 0.5 (excluded), then 1.
TEST(RocTest, TarAtFar) {
  std::vector<float> d = {1, 2, 5, 9, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14};
  std::vector<bool> same(14, false);
  for (int i = 0; i < 4; ++i) same[i] = true;
  EXPECT_DOUBLE_EQ(*TarAtFar(d, same, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(*TarAtFar(d, same, 0.1), 0.5);
  EXPECT_DOUBLE_EQ(*TarAtFar(d, same, 0.19), 0.5);
  EXPECT_DOUBLE_EQ(*TarAtFar(d, same, 0.2), 0.75);
  EXPECT_DOUBLE_EQ(*TarAtFar(d, same, 0.49), 0.75);
  EXPECT_DOUBLE_EQ(*TarAtFar(d, same, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(*TarAtFar(d, same, 1.0), 1.0);
  ExpectInvalid(TarAtFar(d, same, 1.5), "TarAtFar: far must be in [0, 1], got 1.5");
}

// ---------------------------------------------------------- calibration

// (1 T) (2 T) (3 F) (4 T) (5 F) (6 F). Correct pairs per cut (accept the
// first c distances): c=0: 3, 1: 4, 2: 5, 3: 4, 4: 5, 5: 4, 6: 3. The best
// (5 of 6) is reached at c = 2 and c = 4; the smaller threshold wins: 2.5.
TEST(CalibrationTest, HandCase) {
  std::vector<float> d = {4, 1, 6, 2, 5, 3};  // Order does not matter.
  std::vector<bool> same = {true, true, false, true, false, false};
  absl::StatusOr<double> t = CalibrateThreshold(d, same);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, 2.5);
  EXPECT_DOUBLE_EQ(*AccuracyAtThreshold(d, same, *t), 5.0 / 6);
  EXPECT_DOUBLE_EQ(*AccuracyAtThreshold(d, same, 4.5), 5.0 / 6);
  EXPECT_DOUBLE_EQ(*AccuracyAtThreshold(d, same, 0.0), 0.5);
}

TEST(CalibrationTest, TiesAndExtremes) {
  // (1 T) (2 T) (2 F) (3 F): cuts 2, 3, 3, 2 correct -> c = 1, threshold 1.5.
  EXPECT_EQ(*CalibrateThreshold({1, 2, 2, 3}, {true, true, false, false}), 1.5);
  // Reject all is best: just below the smallest distance.
  const double reject = *CalibrateThreshold({1, 2, 3}, {false, false, true});
  EXPECT_LT(reject, 1.0);
  EXPECT_EQ(reject, std::nextafter(1.0, 0.0));
  EXPECT_DOUBLE_EQ(*AccuracyAtThreshold({1, 2, 3}, {false, false, true}, reject), 2.0 / 3);
  // Accept all is best: the largest distance.
  EXPECT_EQ(*CalibrateThreshold({1, 2, 3, 4}, {true, false, true, true}), 4.0);
  // Midpoints of neighbouring floats stay strictly between them in double.
  const float lo = 1.0f, hi = std::nextafter(1.0f, 2.0f);
  const double mid = *CalibrateThreshold({lo, hi}, {true, false});
  EXPECT_GT(mid, lo);
  EXPECT_LT(mid, hi);
  EXPECT_DOUBLE_EQ(*AccuracyAtThreshold({lo, hi}, {true, false}, mid), 1.0);
}

// Calibrate on validation pairs, then evaluate test pairs at that threshold.
TEST(CalibrationTest, EvaluateVerificationUsesTheGivenThreshold) {
  const double t = *CalibrateThreshold({1, 2, 3, 4}, {true, true, false, false});
  EXPECT_EQ(t, 2.5);
  absl::StatusOr<VerificationMetrics> m = EvaluateVerification(kDist, kSame, t);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_DOUBLE_EQ(m->roc_auc, 0.875);
  EXPECT_DOUBLE_EQ(m->eer, 0.25);
  // Two different pairs cannot show a FAR of 1e-2 or 1e-3: undefined (NaN),
  // not the TAR at FAR 0 (what one different pair would otherwise report).
  EXPECT_TRUE(std::isnan(m->tar_at_far_1e_3));
  EXPECT_TRUE(std::isnan(m->tar_at_far_1e_2));
  // Test pairs 1 T, 2 F, 2 T, 3 F at t = 2.5: 2 F is wrongly accepted.
  EXPECT_DOUBLE_EQ(m->accuracy, 0.75);
  EXPECT_EQ(m->threshold, 2.5);
}

TEST(VerificationErrorsTest, Messages) {
  ExpectInvalid(RocAuc({}, {}), "RocAuc: no pairs");
  ExpectInvalid(RocCurve({1, 2}, {true}), "RocCurve: 2 distances but 1 same/different flags");
  ExpectInvalid(EqualErrorRate({1, 2}, {true, true}),
                "EqualErrorRate: needs both same and different pairs, got 2 same and 0 "
                "different");
  ExpectInvalid(CalibrateThreshold({1, NAN}, {true, false}),
                "CalibrateThreshold: distance 1 is not finite");
  ExpectInvalid(AccuracyAtThreshold({1}, {true}, NAN), "AccuracyAtThreshold: threshold is NaN");
  ExpectInvalid(EvaluateVerification({1, 2}, {false, false}, 1.0),
                "EvaluateVerification: needs both same and different pairs");
  // Accuracy alone is defined with one class.
  EXPECT_DOUBLE_EQ(*AccuracyAtThreshold({1, 2}, {true, true}, 1.5), 0.5);
}

TEST(CalibrationTest, TarAtFarIsDefinedWithEnoughDifferentPairs) {
  // 1000 different pairs at distances 1..1000, 10 same pairs at 0.5: at
  // FAR <= 1e-3 (one accepted different pair) every same pair is accepted.
  std::vector<float> d;
  std::vector<bool> same;
  for (int i = 1; i <= 1000; ++i) {
    d.push_back(static_cast<float>(i));
    same.push_back(false);
  }
  for (int i = 0; i < 10; ++i) {
    d.push_back(0.5f);
    same.push_back(true);
  }
  absl::StatusOr<VerificationMetrics> m = EvaluateVerification(d, same, 0.75);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_DOUBLE_EQ(m->tar_at_far_1e_3, 1.0);
  EXPECT_DOUBLE_EQ(m->tar_at_far_1e_2, 1.0);
}

}  // namespace
}  // namespace siamese
