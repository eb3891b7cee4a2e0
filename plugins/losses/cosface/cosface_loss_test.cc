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

TEST(CosFaceLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "cosface" [siamese.cosface] { margin: 0.2 scale: 3 })", 2, 2);
  ASSERT_TRUE(loss.ok()) << loss.status();
  Proxies(**loss).mutable_value() = AtAngles({0.0f, 2.0f});
  // Embedding at 0.5 of class 1: logits 3 cos(0.5), 3 (cos(1.5) - 0.2).
  const double other = 3 * std::cos(0.5), own = 3 * (std::cos(1.5) - 0.2);
  const double expected = -(own - std::log(std::exp(own) + std::exp(other)));
  EXPECT_NEAR(Compute(loss->get(), Variable(AtAngles({0.5f})), {1}).value().item(), expected, 1e-5);
}

TEST(CosFaceLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "cosface" [siamese.cosface] { scale: 4 })", 3, 4);
  ASSERT_TRUE(loss.ok());
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return Compute(loss->get(), in[0], {0, 2, 1, 2});
      },
      {Variable(RandomTensor({4, 4}, 3), true), Proxies(**loss)}, options));
}

TEST(CosFaceLossTest, BadParametersNameTheField) {
  for (const char* text : {R"(name: "cosface" [siamese.cosface] { margin: -0.1 })",
                           R"(name: "cosface" [siamese.cosface] { scale: 0 })"}) {
    auto loss = Make(text, 2, 2);
    ASSERT_FALSE(loss.ok()) << text;
    EXPECT_THAT(std::string(loss.status().message()),
                ::testing::AnyOf(::testing::HasSubstr("margin"), ::testing::HasSubstr("scale")));
  }
}

}  // namespace
}  // namespace siamese
