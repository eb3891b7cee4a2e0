#include <cmath>

#include "absl/strings/str_cat.h"
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

// 1-D embeddings 0, 0.3, 1.0, 0.4 with labels a a b b, every pair.
const std::vector<int64_t> kLabels = {0, 0, 1, 1};
Tuples AllPairs() {
  Pairs p;
  p.pos_a = {0, 2};
  p.pos_b = {1, 3};
  p.neg_a = {0, 0, 1, 1};
  p.neg_b = {2, 3, 2, 3};
  return p;
}

float Evaluate(Loss* loss, const Distance& distance, Variable e) {
  Tuples t = AllPairs();
  return loss->Compute({e, distance.Matrix(e, e), &kLabels, &t, distance}).value().item();
}

TEST(MultiSimilarityLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "multi_similarity"
      [siamese.multi_similarity] { alpha: 2 beta: 10 base: -0.5 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  // Euclidean: s = -d, so -(s - base) = d - 0.5 and s - base = 0.5 - d.
  // d01 0.3, d23 0.6; d02 1.0, d03 0.4, d12 0.7, d13 0.1.
  auto pos = [](double d) { return std::log1p(std::exp(2 * (d - 0.5))) / 2; };
  auto neg = [](double d1, double d2) {
    return std::log(1 + std::exp(10 * (0.5 - d1)) + std::exp(10 * (0.5 - d2))) / 10;
  };
  const double expected = (pos(0.3) + neg(1.0, 0.4) + pos(0.3) + neg(0.7, 0.1) + pos(0.6) +
                           neg(1.0, 0.7) + pos(0.6) + neg(0.4, 0.1)) /
                          4;
  Variable e(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 1.0f, 0.4f}));
  EXPECT_NEAR(Evaluate(loss->get(), Distance::Euclidean(), e), expected, 1e-5);
}

TEST(MultiSimilarityLossTest, CosineUsesTheCosineSimilarity) {
  auto loss = Make(R"(name: "multi_similarity" [siamese.multi_similarity] { beta: 4 })");
  ASSERT_TRUE(loss.ok());
  // Unit vectors at angles 0, 0.2, 1.2, 1.0 (radians): s = cos(angle difference).
  const float angles[4] = {0.0f, 0.2f, 1.2f, 1.0f};
  std::vector<float> v;
  for (float t : angles) v.insert(v.end(), {std::cos(t), std::sin(t)});
  Variable e(Tensor::FromVector({4, 2}, v));
  auto pos = [](double s) { return std::log1p(std::exp(-2 * (s - 0.5))) / 2; };
  auto neg = [](double s1, double s2) {
    return std::log(1 + std::exp(4 * (s1 - 0.5)) + std::exp(4 * (s2 - 0.5))) / 4;
  };
  const double expected =
      (pos(std::cos(0.2)) + neg(std::cos(1.2), std::cos(1.0)) + pos(std::cos(0.2)) +
       neg(std::cos(1.0), std::cos(0.8)) + pos(std::cos(0.2)) + neg(std::cos(1.2), std::cos(1.0)) +
       pos(std::cos(0.2)) + neg(std::cos(1.0), std::cos(0.8))) /
      4;
  EXPECT_NEAR(Evaluate(loss->get(), Distance::Cosine(), e), expected, 1e-5);
}

TEST(MultiSimilarityLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "multi_similarity" [siamese.multi_similarity] { beta: 10 })");
  ASSERT_TRUE(loss.ok());
  Tuples t = AllPairs();
  for (const Distance& distance : {Distance::Cosine(), Distance::Euclidean()}) {
    GradCheckOptions options;
    options.eps = 1e-3f;
    EXPECT_TRUE(CheckGradients(
        [&](const std::vector<Variable>& in) {
          return (*loss)->Compute({in[0], distance.Matrix(in[0], in[0]), &kLabels, &t, distance});
        },
        {Variable(RandomTensor({4, 3}, 11), true)}, options))
        << distance.name();
  }
}

TEST(MultiSimilarityLossTest, NoPairsGivesZero) {
  auto loss = Make(R"(name: "multi_similarity")");
  ASSERT_TRUE(loss.ok());
  Variable e(Tensor::FromVector({2, 1}, {0.0f, 1.0f}), true);
  Tuples none = Pairs();
  const Distance d = Distance::Euclidean();
  EXPECT_EQ((*loss)->Compute({e, d.Matrix(e, e), &kLabels, &none, d}).value().item(), 0.0f);
}

TEST(MultiSimilarityLossTest, BadParametersNameTheField) {
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {"alpha: 0", "alpha"}, {"beta: -1", "beta"}, {"base: inf", "base"}}) {
    auto loss =
        Make(absl::StrCat(R"(name: "multi_similarity" [siamese.multi_similarity] { )", text, " }"));
    ASSERT_FALSE(loss.ok()) << text;
    EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr(field));
  }
}

}  // namespace
}  // namespace siamese
