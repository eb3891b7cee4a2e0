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

TEST(SoftTripleLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "soft_triple" [siamese.soft_triple] {
      centers_per_class: 2 la: 3 gamma: 0.5 margin: 0.1 tau: 0.2 })",
                   2, 2);
  ASSERT_TRUE(loss.ok()) << loss.status();
  // Class 0's centers at 0 and 1, class 1's at 2 and 3; embedding at 0.4 of
  // class 0.
  Proxies(**loss).mutable_value() = AtAngles({0.0f, 1.0f, 2.0f, 3.0f});
  auto similarity = [](double c1, double c2) {
    const double w1 = std::exp(c1 / 0.5), w2 = std::exp(c2 / 0.5);
    return (w1 * c1 + w2 * c2) / (w1 + w2);
  };
  const double s0 = similarity(std::cos(0.4), std::cos(0.6));
  const double s1 = similarity(std::cos(1.6), std::cos(2.6));
  const double own = 3 * (s0 - 0.1), other = 3 * s1;
  const double classify = -(own - std::log(std::exp(own) + std::exp(other)));
  // Each class's two centers are 1 radian apart: sqrt(2 + 1e-5 - 2 cos 1), twice, / (2 * 2 * 1).
  const double regularizer = 0.2 * 2 * std::sqrt(2 + 1e-5 - 2 * std::cos(1.0)) / 4;
  EXPECT_NEAR(Compute(loss->get(), Variable(AtAngles({0.4f})), {0}).value().item(),
              classify + regularizer, 1e-5);
}

TEST(SoftTripleLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "soft_triple" [siamese.soft_triple] {
      centers_per_class: 3 la: 4 gamma: 0.5 })",
                   3, 4);
  ASSERT_TRUE(loss.ok());
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return Compute(loss->get(), in[0], {0, 2, 1, 2});
      },
      {Variable(RandomTensor({4, 4}, 3), true), Proxies(**loss)}, options));
}

TEST(SoftTripleLossTest, BadParametersNameTheField) {
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {"centers_per_class: 0", "centers_per_class"},
           {"la: 0", "la"},
           {"gamma: -1", "gamma"},
           {"tau: -0.1", "tau"}}) {
    auto loss = Make("name: \"soft_triple\" [siamese.soft_triple] { " + text + " }", 2, 2);
    ASSERT_FALSE(loss.ok()) << text;
    EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr(field));
  }
}

}  // namespace
}  // namespace siamese
