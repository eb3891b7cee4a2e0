#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<Loss>> Make(const std::string& text) {
  LossConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return Registry<Loss>::Create(c, {});
}

// 1-D embeddings 0, 0.3, 1.0, 0.4 with labels a a b b.
const std::vector<int64_t> kLabels = {0, 0, 1, 1};
Tuples SomePairs() {
  Pairs p;
  p.pos_a = {0};
  p.pos_b = {1};
  p.neg_a = {0, 1};
  p.neg_b = {2, 3};
  return p;
}

TEST(ScaffoldLossExampleLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "scaffold_loss_example" [siamese.scaffold_loss_example] { margin: 0.5 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  // d01 = 0.3; max(0, 0.5 - d02 = 1.0) = 0; max(0, 0.5 - d13 = 0.1) = 0.4.
  Variable e(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 1.0f, 0.4f}));
  Tuples t = SomePairs();
  const Distance d = Distance::Euclidean();
  EXPECT_NEAR((*loss)->Compute({e, d.Matrix(e, e), &kLabels, &t, d}).value().item(),
              (0.3 + 0.0 + 0.4) / 3, 1e-5);
}

TEST(ScaffoldLossExampleLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "scaffold_loss_example")");
  ASSERT_TRUE(loss.ok());
  Tuples t = SomePairs();
  const Distance d = Distance::Euclidean();
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return (*loss)->Compute({in[0], d.Matrix(in[0], in[0]), &kLabels, &t, d});
      },
      {Variable(RandomTensor({4, 3}, 1), true)}, options));
}

TEST(ScaffoldLossExampleLossTest, BadParameterNamesTheField) {
  auto loss = Make(R"(name: "scaffold_loss_example" [siamese.scaffold_loss_example] { margin: 0 })");
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("margin"));
}

}  // namespace
}  // namespace siamese
