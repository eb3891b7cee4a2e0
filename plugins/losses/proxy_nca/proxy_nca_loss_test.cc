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

TEST(ProxyNcaLossTest, PaperFormExcludesThePositiveSoftmaxFormIncludesIt) {
  // Proxies at 0, 2, 4; embedding at 0.5 of class 0. d = 2 - 2 cos(angle).
  const double d0 = 2 - 2 * std::cos(0.5), d1 = 2 - 2 * std::cos(1.5), d2 = 2 - 2 * std::cos(3.5);
  auto paper = Make(R"(name: "proxy_nca" [siamese.proxy_nca] { scale: 2 })", 3, 2);
  ASSERT_TRUE(paper.ok()) << paper.status();
  Proxies(**paper).mutable_value() = AtAngles({0.0f, 2.0f, 4.0f});
  EXPECT_NEAR(Compute(paper->get(), Variable(AtAngles({0.5f})), {0}).value().item(),
              2 * d0 + std::log(std::exp(-2 * d1) + std::exp(-2 * d2)), 1e-5);
  auto softmax =
      Make(R"(name: "proxy_nca" [siamese.proxy_nca] { scale: 2 exclude_positive: false })", 3, 2);
  ASSERT_TRUE(softmax.ok());
  Proxies(**softmax).mutable_value() = AtAngles({0.0f, 2.0f, 4.0f});
  EXPECT_NEAR(Compute(softmax->get(), Variable(AtAngles({0.5f})), {0}).value().item(),
              2 * d0 + std::log(std::exp(-2 * d0) + std::exp(-2 * d1) + std::exp(-2 * d2)), 1e-5);
}

TEST(ProxyNcaLossTest, GradientsMatchFiniteDifferences) {
  for (const char* text :
       {R"(name: "proxy_nca" [siamese.proxy_nca] { scale: 3 })",
        R"(name: "proxy_nca" [siamese.proxy_nca] { exclude_positive: false })"}) {
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

TEST(ProxyNcaLossTest, BadScaleNamesTheField) {
  auto loss = Make(R"(name: "proxy_nca" [siamese.proxy_nca] { scale: 0 })", 2, 2);
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("scale"));
}

}  // namespace
}  // namespace siamese
