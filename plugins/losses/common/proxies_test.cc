#include "plugins/losses/common/proxies.h"

#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(ProxiesTest, CrossEntropyMatchesHandComputation) {
  Tensor logits = Tensor::FromVector({2, 3}, {1.0f, 2.0f, 3.0f, 0.0f, 0.0f, 0.0f});
  const double row0 = -(1.0 - std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
  const double row1 = std::log(3.0);
  EXPECT_NEAR(CrossEntropy(Variable(logits), {0, 2}).value().item(), (row0 + row1) / 2, 1e-5);
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [](const std::vector<Variable>& in) {
        return CrossEntropy(in[0], {2, 0, 1});
      },
      {Variable(RandomTensor({3, 4}, 3, -2.0f, 2.0f), true)}, options));
}

TEST(ProxiesTest, CosineSimilarityMatrixAndOneHot) {
  Variable a(Tensor::FromVector({2, 2}, {1.0f, 0.0f, 0.0f, 2.0f}));
  Variable b(Tensor::FromVector({1, 2}, {1.0f, 1.0f}));
  Tensor s = CosineSimilarityMatrix(a, b).value().ToPlain();
  EXPECT_NEAR(s.data()[0], std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(s.data()[1], std::sqrt(0.5), 1e-6);
  Tensor h = OneHot({1, 0}, 2);
  EXPECT_EQ(h.ToVector(), std::vector<float>({0, 1, 1, 0}));
}

TEST(ProxiesTest, InitialProxiesAreSeededAndScaled) {
  Tensor a = InitialProxies(100, 8, 1), b = InitialProxies(100, 8, 1),
         c = InitialProxies(100, 8, 2);
  EXPECT_EQ(a.ToVector(), b.ToVector());
  EXPECT_NE(a.ToVector(), c.ToVector());
  double sq = 0;
  for (float v : a.ToVector()) sq += v * v;
  EXPECT_NEAR(std::sqrt(sq / 800), std::sqrt(2.0 / 100), 0.02);  // std sqrt(2 / fan)
}

TEST(ProxiesTest, MissingContextIsAnError) {
  PluginContext context;
  EXPECT_THAT(std::string(CheckProxyContext(context, "arcface").message()),
              ::testing::HasSubstr("loss \"arcface\" keeps one trainable proxy per class"));
  context.num_classes = 3;
  context.embedding_dim = 4;
  EXPECT_TRUE(CheckProxyContext(context, "arcface").ok());
}

}  // namespace
}  // namespace siamese
