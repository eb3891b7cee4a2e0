#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/losses/common/proxy_testing.h"

namespace siamese {
namespace {

using proxy_testing::AtAngles;
using proxy_testing::Compute;
using proxy_testing::Make;
using proxy_testing::Proxies;

TEST(NormalizedSoftmaxLossTest, MatchesHandComputation) {
  auto loss =
      Make(R"(name: "normalized_softmax" [siamese.normalized_softmax] { temperature: 0.5 })", 2, 2);
  ASSERT_TRUE(loss.ok()) << loss.status();
  Proxies(**loss).mutable_value() = AtAngles({0.0f, 2.0f});
  // Embedding at 0.5, class 0: logits cos(0.5) / 0.5, cos(1.5) / 0.5.
  const double a = std::cos(0.5) / 0.5, b = std::cos(1.5) / 0.5;
  const double expected = -(a - std::log(std::exp(a) + std::exp(b)));
  EXPECT_NEAR(Compute(loss->get(), Variable(AtAngles({0.5f})), {0}).value().item(), expected, 1e-5);
}

TEST(NormalizedSoftmaxLossTest, GradientsMatchFiniteDifferences) {
  auto loss =
      Make(R"(name: "normalized_softmax" [siamese.normalized_softmax] { temperature: 0.5 })", 3, 4);
  ASSERT_TRUE(loss.ok());
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return Compute(loss->get(), in[0], {0, 2, 1, 2});
      },
      {Variable(RandomTensor({4, 4}, 3), true), Proxies(**loss)}, options));
}

TEST(NormalizedSoftmaxLossTest, BadTemperatureNamesTheField) {
  auto loss =
      Make(R"(name: "normalized_softmax" [siamese.normalized_softmax] { temperature: 0 })", 2, 2);
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("temperature"));
}

}  // namespace
}  // namespace siamese
