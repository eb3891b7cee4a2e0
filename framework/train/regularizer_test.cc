#include "framework/train/regularizer.h"

#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

EmbeddingRegularizer Make(float weight, int p, int power) {
  EmbeddingRegularizer r;
  r.set_weight(weight);
  r.set_p(p);
  r.set_power(power);
  return r;
}

TEST(EmbeddingPenaltyTest, MatchesHandComputation) {
  // Rows (3, -4) and (1, 0): L2 norms 5 and 1, L1 norms 7 and 1.
  Variable e(Tensor::FromVector({2, 2}, {3.0f, -4.0f, 1.0f, 0.0f}));
  EXPECT_NEAR(EmbeddingPenalty(e, Make(0.5f, 2, 1)).value().item(), 0.5 * (5 + 1) / 2, 1e-5);
  EXPECT_NEAR(EmbeddingPenalty(e, Make(0.5f, 2, 2)).value().item(), 0.5 * (25 + 1) / 2, 1e-5);
  EXPECT_NEAR(EmbeddingPenalty(e, Make(0.5f, 1, 1)).value().item(), 0.5 * (7 + 1) / 2, 1e-5);
  EXPECT_NEAR(EmbeddingPenalty(e, Make(0.5f, 1, 2)).value().item(), 0.5 * (49 + 1) / 2, 1e-5);
}

TEST(EmbeddingPenaltyTest, GradientsMatchFiniteDifferences) {
  GradCheckOptions options;
  options.eps = 1e-3f;
  for (int p : {1, 2}) {
    for (int power : {1, 2}) {
      const EmbeddingRegularizer r = Make(0.3f, p, power);
      EXPECT_TRUE(CheckGradients(
          [&](const std::vector<Variable>& in) { return EmbeddingPenalty(in[0], r); },
          {Variable(RandomTensor({4, 3}, 2), true)}, options))
          << "p " << p << " power " << power;
    }
  }
}

}  // namespace
}  // namespace siamese
