#include <cmath>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/miners/distance_weighted/distance_weights.h"
#include "plugins/miners/testing/miner_testing.h"

namespace siamese {
namespace {

// Distances on a line, anchors of class 0 at 0, 0.1; negatives (class 1) at
// 0.3, 0.8, 1.2, 1.6. D = 4: log w = -2 log d - 0.5 log(1 - d^2 / 4).
TEST(DistanceWeightsTest, MatchesTheInverseDensity) {
  const std::vector<float> x = {0.0f, 0.1f, 0.3f, 0.8f, 1.2f, 1.6f};
  const std::vector<int64_t> labels = {0, 0, 1, 1, 1, 1};
  const Tensor d = testing_util::LineDistances(x);
  const std::vector<double> w = DistanceWeights(d.data(), labels, 4, 0.5f, 1.4f);
  auto inverse_q = [](double dist) {
    dist = std::max(dist, 0.5);
    return std::pow(dist, -2.0) / std::sqrt(1 - dist * dist / 4);
  };
  // Anchor 0: negatives at 0.3 (cut off to 0.5), 0.8, 1.2; 1.6 is beyond 1.4.
  const double sum = inverse_q(0.3) + inverse_q(0.8) + inverse_q(1.2);
  EXPECT_NEAR(w[0 * 6 + 2], inverse_q(0.3) / sum, 1e-6);
  EXPECT_NEAR(w[0 * 6 + 3], inverse_q(0.8) / sum, 1e-6);
  EXPECT_NEAR(w[0 * 6 + 4], inverse_q(1.2) / sum, 1e-6);
  EXPECT_EQ(w[0 * 6 + 5], 0.0);
  EXPECT_EQ(w[0 * 6 + 1], 0.0);  // same class
  EXPECT_EQ(w[0 * 6 + 0], 0.0);
}

TEST(DistanceWeightedMinerTest, DrawsFollowTheWeightsAndTheStep) {
  auto miner = testing_util::MakeMiner(R"(name: "distance_weighted")");
  const std::vector<float> x = {0.0f, 0.1f, 0.3f, 0.8f, 1.2f, 1.6f};
  const std::vector<int64_t> labels = {0, 0, 1, 1, 1, 1};
  const Tensor d = testing_util::LineDistances(x);
  // Anchor 0's single positive gets one negative per step; over many steps
  // the frequencies approach the weights (4-D embeddings).
  std::map<int64_t, int> counts;
  const int steps = 20000;
  Tensor e = Tensor::Zeros({6, 4});
  for (int s = 0; s < steps; ++s) {
    MinerInput in;
    in.embeddings = &e;
    in.distances = &d;
    in.labels = &labels;
    in.step = s;
    const Triplets t = miner->Mine(in).triplets();
    for (size_t i = 0; i < t.anchors.size(); ++i) {
      ASSERT_NE(labels[t.negatives[i]], labels[t.anchors[i]]);
      ASSERT_EQ(labels[t.positives[i]], labels[t.anchors[i]]);
      if (t.anchors[i] == 0) ++counts[t.negatives[i]];
    }
  }
  const std::vector<double> w = DistanceWeights(d.data(), labels, 4, 0.5f, 1.4f);
  EXPECT_EQ(counts.count(5), 0u) << "a zero-weight negative was drawn";
  for (int64_t j : {2, 3, 4}) {
    // Binomial sd <= sqrt(0.25 / steps) = 0.0035: 5 sd.
    EXPECT_NEAR(counts[j] / static_cast<double>(steps), w[j], 0.018) << j;
  }
  // The same step draws the same triplets.
  MinerInput in;
  in.embeddings = &e;
  in.distances = &d;
  in.labels = &labels;
  in.step = 7;
  EXPECT_EQ(miner->Mine(in).triplets().negatives, miner->Mine(in).triplets().negatives);
}

TEST(DistanceWeightedMinerTest, CutoffsAreValidated) {
  EXPECT_THAT(testing_util::MinerError(
                  R"(name: "distance_weighted" [siamese.distance_weighted] { cutoff: 0 })")
                  .message(),
              ::testing::HasSubstr("cutoff: must be in (0, 2)"));
  EXPECT_THAT(
      testing_util::MinerError(
          R"(name: "distance_weighted" [siamese.distance_weighted] { nonzero_loss_cutoff: 0.4 })")
          .message(),
      ::testing::HasSubstr("nonzero_loss_cutoff: must be > cutoff"));
}

}  // namespace
}  // namespace siamese
