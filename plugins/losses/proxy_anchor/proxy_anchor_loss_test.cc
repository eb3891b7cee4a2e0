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

TEST(ProxyAnchorLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "proxy_anchor" [siamese.proxy_anchor] { margin: 0.1 alpha: 4 })", 3, 2);
  ASSERT_TRUE(loss.ok()) << loss.status();
  // Proxies at angles 0, 1.5, 3 (class 2 has no example in the batch).
  Proxies(**loss).mutable_value() = AtAngles({0.0f, 1.5f, 3.0f});
  const std::vector<float> x = {0.2f, -0.3f, 1.2f};
  const std::vector<int64_t> labels = {0, 0, 1};
  const double proxy[3] = {0.0, 1.5, 3.0};
  auto s = [&](int i, int p) { return std::cos(x[i] - proxy[p]); };
  double pos = 0, neg = 0;
  for (int p = 0; p < 3; ++p) {
    double sp = 0, sn = 0;
    bool any = false;
    for (int i = 0; i < 3; ++i) {
      if (labels[i] == p) {
        sp += std::exp(-4 * (s(i, p) - 0.1));
        any = true;
      } else {
        sn += std::exp(4 * (s(i, p) + 0.1));
      }
    }
    if (any) pos += std::log1p(sp);
    neg += std::log1p(sn);
  }
  const double expected = pos / 2 + neg / 3;
  EXPECT_NEAR(Compute(loss->get(), Variable(AtAngles(x)), labels).value().item(), expected, 1e-5);
}

TEST(ProxyAnchorLossTest, GradientsMatchFiniteDifferencesForEmbeddingsAndProxies) {
  auto loss = Make(R"(name: "proxy_anchor" [siamese.proxy_anchor] { alpha: 4 })", 3, 4);
  ASSERT_TRUE(loss.ok());
  EXPECT_FALSE((*loss)->uses_tuples());
  const std::vector<int64_t> labels = {0, 1, 1, 0, 2};
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) { return Compute(loss->get(), in[0], labels); },
      {Variable(RandomTensor({5, 4}, 3), true), Proxies(**loss)}, options));
}

TEST(ProxyAnchorLossTest, BadParametersAndMissingClassesAreErrors) {
  auto bad = Make(R"(name: "proxy_anchor" [siamese.proxy_anchor] { alpha: 0 })", 3, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("alpha"));
  auto no_classes = Make(R"(name: "proxy_anchor")", 0, 2);
  ASSERT_FALSE(no_classes.ok());
  EXPECT_THAT(std::string(no_classes.status().message()),
              ::testing::HasSubstr("number of classes"));
}

}  // namespace
}  // namespace siamese
