#include "framework/eval/few_shot.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

// Classes c = 0..5, two items each on a line: class c at x = 10c and 10c + d.
Tensor Line(float d) {
  std::vector<float> v;
  for (int c = 0; c < 6; ++c) {
    v.push_back(10.0f * c);
    v.push_back(10.0f * c + d);
  }
  return Tensor::FromVector({12, 1}, v);
}
const std::vector<int64_t> kLabels = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5};

TEST(FewShotTest, SeparatedClassesAreAlwaysRight) {
  FewShotConfig c;
  c.ways = 5;
  c.episodes = 50;
  auto r = EvaluateFewShot(Line(1.0f), kLabels, Distance::Euclidean(), c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accuracy, 1.0);
  EXPECT_EQ(r->ci95_low, 1.0);  // sd 0
  EXPECT_EQ(r->ways, 5);
  EXPECT_EQ(r->episodes, 50);
}

TEST(FewShotTest, HandComputedTwoWayEpisodes) {
  // Two classes; class 0 at {0, 3}, class 1 at {4, 100}. One-shot, one
  // query per class. The four (support_0, support_1) choices are equally
  // likely:
  //   s0=0, s1=4   (q0=3 -> nearer 4: wrong;  q1=100 -> 4: right)  1/2
  //   s0=0, s1=100 (q0=3 -> 0: right;         q1=4 -> 0: wrong)    1/2
  //   s0=3, s1=4   (q0=0 -> 3: right;         q1=100 -> 4: right)  1
  //   s0=3, s1=100 (q0=0 -> 3: right;         q1=4 -> 3: wrong)    1/2
  // Expected accuracy 5/8.
  Tensor x = Tensor::FromVector({4, 1}, {0.0f, 3.0f, 4.0f, 100.0f});
  FewShotConfig c;
  c.ways = 2;
  c.episodes = 20000;
  c.seed = 3;
  auto r = EvaluateFewShot(x, {0, 0, 1, 1}, Distance::Euclidean(), c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->accuracy, 0.625, 0.01);
  // Episode accuracies are 1/2 or 1: sd = sqrt(3/4 * 1/4) / 2 ... ~0.2165.
  EXPECT_NEAR(r->ci95_high - r->ci95_low, 2 * 1.96 * 0.2165 / std::sqrt(20000.0), 2e-4);
}

TEST(FewShotTest, KShotUsesTheClassMean) {
  // Class 0 at {0, 2, 100}, class 1 at {5, 6, 7}. Two-shot, one query.
  // With supports {0, 2} the class-0 mean is 1, so query 100 goes to class 1
  // (mean of two of {5, 6, 7} < 7): a nearest-neighbour rule would give the
  // same; with supports {0, 100} (mean 50), query 2 goes to class 1 (mean
  // >= 5.5 is nearer than 50), which nearest-neighbour (0) would get right.
  Tensor x = Tensor::FromVector({6, 1}, {0.0f, 2.0f, 100.0f, 5.0f, 6.0f, 7.0f});
  FewShotConfig c;
  c.ways = 2;
  c.shots = 2;
  c.episodes = 3000;
  auto r = EvaluateFewShot(x, {0, 0, 0, 1, 1, 1}, Distance::Euclidean(), c);
  ASSERT_TRUE(r.ok()) << r.status();
  // Class-1 queries are always right (their mean is far from any class-0
  // mean... except supports {0, 2}: mean 1 vs class-1 query >= 5, class-1
  // mean ~6: right). Class-0 queries: supports {0,2} query 100: wrong;
  // {0,100} query 2: wrong (|2-50| > |2-6|); {2,100} query 0: wrong.
  // So accuracy = 1/2 every episode.
  EXPECT_DOUBLE_EQ(r->accuracy, 0.5);
}

TEST(FewShotTest, SameSeedSameResultOtherSeedOther) {
  Tensor x = Tensor::FromVector({4, 1}, {0.0f, 3.0f, 4.0f, 100.0f});
  FewShotConfig c;
  c.ways = 2;
  c.episodes = 7;
  auto a = EvaluateFewShot(x, {0, 0, 1, 1}, Distance::Euclidean(), c);
  auto b = EvaluateFewShot(x, {0, 0, 1, 1}, Distance::Euclidean(), c);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->accuracy, b->accuracy);
}

TEST(FewShotTest, ErrorsSayWhatIsMissing) {
  FewShotConfig c;  // 20-way
  auto r = EvaluateFewShot(Line(1.0f), kLabels, Distance::Euclidean(), c);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(
      std::string(r.status().message()),
      HasSubstr("20-way 1-shot episodes need 20 classes with at least 2 items; the split has 6"));
  c.ways = 0;
  EXPECT_THAT(
      std::string(
          EvaluateFewShot(Line(1.0f), kLabels, Distance::Euclidean(), c).status().message()),
      HasSubstr("must be >= 1"));
  EXPECT_FALSE(EvaluateFewShot(Line(1.0f), {0, 1}, Distance::Euclidean(), FewShotConfig()).ok());
}

}  // namespace
}  // namespace siamese
