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

// 2-D embeddings; classes a a a b b.
const std::vector<int64_t> kLabels = {0, 0, 0, 1, 1};
const std::vector<float> kE = {1.0f, 0.0f, 0.8f, 0.2f, 0.5f, 0.5f, 0.0f, 1.0f, -0.3f, 0.9f};

Tuples AllPositivePairs() {
  Pairs p;
  p.pos_a = {0, 0, 1, 3};
  p.pos_b = {1, 2, 2, 4};
  p.neg_a = {0};
  p.neg_b = {3};
  return p;
}

TEST(NPairsLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "npairs" [siamese.npairs] { l2_reg: 0.1 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  // Pairs per class: (0, 1) for a, (3, 4) for b.
  auto dot = [](int i, int j) { return kE[2 * i] * kE[2 * j] + kE[2 * i + 1] * kE[2 * j + 1]; };
  const double l0 = std::log1p(std::exp(dot(0, 4) - dot(0, 1)));
  const double l1 = std::log1p(std::exp(dot(3, 1) - dot(3, 4)));
  auto sq = [&](int i) { return dot(i, i); };
  const double reg = 0.1 / 2 * (sq(0) + sq(1) + sq(3) + sq(4));
  Variable e(Tensor::FromVector({5, 2}, kE));
  Tuples t = AllPositivePairs();
  const Distance d = Distance::Euclidean();
  EXPECT_NEAR((*loss)->Compute({e, d.Matrix(e, e), &kLabels, &t, d}).value().item(),
              (l0 + l1) / 2 + reg, 1e-5);
}

TEST(NPairsLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "npairs")");
  ASSERT_TRUE(loss.ok());
  Tuples t = AllPositivePairs();
  const Distance d = Distance::Euclidean();
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return (*loss)->Compute({in[0], d.Matrix(in[0], in[0]), &kLabels, &t, d});
      },
      {Variable(RandomTensor({5, 3}, 4), true)}, options));
}

TEST(NPairsLossTest, BadRegularizerNamesTheField) {
  auto loss = Make(R"(name: "npairs" [siamese.npairs] { l2_reg: -1 })");
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("l2_reg"));
}

}  // namespace
}  // namespace siamese
