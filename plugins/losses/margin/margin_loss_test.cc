#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<Loss>> Make(const std::string& text, int64_t num_classes = 0) {
  LossConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.num_classes = num_classes;
  return Registry<Loss>::Create(c, context);
}

// 1-D embeddings 0, 0.3, 1.0, 0.4 with labels a a b b.
const std::vector<int64_t> kLabels = {0, 0, 1, 1};
Tuples TwoTriplets() {
  Triplets t;
  t.anchors = {0, 2};
  t.positives = {1, 3};
  t.negatives = {3, 1};
  return t;
}

Variable Compute(Loss* loss, const Variable& e) {
  Tuples t = TwoTriplets();
  const Distance d = Distance::Euclidean();
  return loss->Compute({e, d.Matrix(e, e), &kLabels, &t, d});
}

TEST(MarginLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "margin" [siamese.margin] { margin: 0.2 beta: 0.45 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  // (0, 1, 3): pos max(0, 0.3 - 0.45 + 0.2) = 0.05, neg max(0, 0.45 - 0.4 + 0.2) = 0.25.
  // (2, 3, 1): pos max(0, 0.6 - 0.45 + 0.2) = 0.35, neg max(0, 0.45 - 0.7 + 0.2) = 0.
  // Three non-zero terms: (0.05 + 0.25 + 0.35) / 3.
  Variable e(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 1.0f, 0.4f}));
  EXPECT_NEAR(Compute(loss->get(), e).value().item(), 0.65f / 3, 1e-6);
  // Nothing active: 0.
  auto wide = Make(R"(name: "margin" [siamese.margin] { margin: 0.0 beta: 0.35 })");
  ASSERT_TRUE(wide.ok());
  Variable far(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 3.0f, 3.1f}));
  EXPECT_EQ(Compute(wide->get(), far).value().item(), 0.0f);
}

TEST(MarginLossTest, LearnedBetaIsAParameterWithItsRegularizer) {
  auto loss = Make(R"(name: "margin" [siamese.margin] { beta: 0.45 learn_beta: true nu: 0.1 })");
  ASSERT_TRUE(loss.ok());
  const auto params = (*loss)->NamedParameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "beta");
  EXPECT_EQ(params[0].second.shape(), Shape({1}));
  Variable e(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 1.0f, 0.4f}));
  EXPECT_NEAR(Compute(loss->get(), e).value().item(), 0.65f / 3 + 0.1f * 0.45f, 1e-6);
  // Per class: one beta per class of the dataset.
  auto per_class = Make(
      R"(name: "margin" [siamese.margin] { learn_beta: true beta_per_class: true nu: 0.1 })", 5);
  ASSERT_TRUE(per_class.ok());
  EXPECT_EQ((*per_class)->NamedParameters()[0].second.shape(), Shape({5}));
}

TEST(MarginLossTest, GradientsMatchFiniteDifferencesForEmbeddingsAndBeta) {
  for (const char* text :
       {R"(name: "margin" [siamese.margin] { beta: 0.8 learn_beta: true nu: 0.3 })",
        R"(name: "margin" [siamese.margin] { beta: 0.8 learn_beta: true beta_per_class: true
            nu: 0.3 })"}) {
    auto loss = Make(text, 2);
    ASSERT_TRUE(loss.ok());
    Variable beta = (*loss)->NamedParameters()[0].second;
    GradCheckOptions options;
    options.eps = 1e-3f;
    EXPECT_TRUE(
        CheckGradients([&](const std::vector<Variable>& in) { return Compute(loss->get(), in[0]); },
                       {Variable(RandomTensor({4, 3}, 21), true), beta}, options))
        << text;
  }
}

TEST(MarginLossTest, BadParametersNameTheField) {
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {"margin: -1", "margin"},
           {"nu: -0.1", "nu"},
           {"beta_per_class: true", "beta_per_class"}}) {
    auto loss = Make(std::string(R"(name: "margin" [siamese.margin] { )") + text + " }");
    ASSERT_FALSE(loss.ok()) << text;
    EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr(field));
  }
}

}  // namespace
}  // namespace siamese
