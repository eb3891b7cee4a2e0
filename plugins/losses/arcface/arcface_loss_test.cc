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

double Softmax2(double own, double other) {
  return -(own - std::log(std::exp(own) + std::exp(other)));
}

TEST(ArcFaceLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "arcface" [siamese.arcface] { margin: 0.3 scale: 2 })", 2, 2);
  ASSERT_TRUE(loss.ok()) << loss.status();
  Proxies(**loss).mutable_value() = AtAngles({0.0f, 2.0f});
  // Embedding at 0.5 of class 0: theta 0.5, the target logit is 2 cos(0.8).
  EXPECT_NEAR(Compute(loss->get(), Variable(AtAngles({0.5f})), {0}).value().item(),
              Softmax2(2 * std::cos(0.8), 2 * std::cos(1.5)), 1e-5);
  // At 3.0 of class 0: theta 3.0 > pi - 0.3, so cos(3) - 0.3 sin(0.3).
  EXPECT_NEAR(Compute(loss->get(), Variable(AtAngles({3.0f})), {0}).value().item(),
              Softmax2(2 * (std::cos(3.0) - 0.3 * std::sin(0.3)), 2 * std::cos(1.0)), 1e-5);
}

TEST(ArcFaceLossTest, SubCentersUseTheNearestCenterOfEachClass) {
  auto loss =
      Make(R"(name: "arcface" [siamese.arcface] { margin: 0.3 scale: 2 sub_centers: 2 })", 2, 2);
  ASSERT_TRUE(loss.ok());
  EXPECT_EQ(Proxies(**loss).shape(), Shape({4, 2}));
  // Class 0's centers at 0 and 1.0, class 1's at 2.0 and -2.5; embedding at
  // 0.8 of class 0: nearest centers at 1.0 (theta 0.2) and 2.0 (1.2).
  Proxies(**loss).mutable_value() = AtAngles({0.0f, 1.0f, 2.0f, -2.5f});
  EXPECT_NEAR(Compute(loss->get(), Variable(AtAngles({0.8f})), {0}).value().item(),
              Softmax2(2 * std::cos(0.5), 2 * std::cos(1.2)), 1e-5);
}

TEST(ArcFaceLossTest, GradientsMatchFiniteDifferences) {
  for (const char* text : {R"(name: "arcface" [siamese.arcface] { scale: 4 })",
                           R"(name: "arcface" [siamese.arcface] { scale: 4 sub_centers: 3 })"}) {
    auto loss = Make(text, 3, 4);
    ASSERT_TRUE(loss.ok());
    GradCheckOptions options;
    options.eps = 1e-3f;
    EXPECT_TRUE(CheckGradients(
        [&](const std::vector<Variable>& in) {
          return Compute(loss->get(), in[0], {0, 2, 1, 2});
        },
        {Variable(RandomTensor({4, 4}, 3), true), Proxies(**loss)}, options))
        << text;
  }
}

TEST(ArcFaceLossTest, BadParametersNameTheField) {
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {"margin: 2", "margin"}, {"scale: -1", "scale"}, {"sub_centers: 0", "sub_centers"}}) {
    auto loss = Make("name: \"arcface\" [siamese.arcface] { " + text + " }", 2, 2);
    ASSERT_FALSE(loss.ok()) << text;
    EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr(field));
  }
}

}  // namespace
}  // namespace siamese
