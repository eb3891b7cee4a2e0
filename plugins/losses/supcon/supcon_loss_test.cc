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

// 1-D embeddings 0, 0.3, 0.5, 1.0, 0.4 with labels a a a b b, every pair.
const std::vector<int64_t> kLabels = {0, 0, 0, 1, 1};
Tuples AllPairs() {
  Pairs p;
  p.pos_a = {0, 0, 1, 3};
  p.pos_b = {1, 2, 2, 4};
  p.neg_a = {0, 0, 1, 1, 2, 2};
  p.neg_b = {3, 4, 3, 4, 3, 4};
  return p;
}

float Evaluate(Loss* loss, const Distance& distance, const Tuples& t) {
  Variable e(Tensor::FromVector({5, 1}, {0.0f, 0.3f, 0.5f, 1.0f, 0.4f}));
  return loss->Compute({e, distance.Matrix(e, e), &kLabels, &t, distance}).value().item();
}

TEST(SupConLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "supcon" [siamese.supcon] { temperature: 0.5 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  const double x[5] = {0.0, 0.3, 0.5, 1.0, 0.4};
  // Euclidean: logit = -|x_i - x_j| / 0.5; every j != i is a candidate.
  auto logit = [&](int i, int j) { return -std::fabs(x[i] - x[j]) / 0.5; };
  double total = 0;
  for (int i = 0; i < 5; ++i) {
    double denominator = 0;
    for (int j = 0; j < 5; ++j) {
      if (j != i) denominator += std::exp(logit(i, j));
    }
    double sum = 0;
    int positives = 0;
    for (int j = 0; j < 5; ++j) {
      if (j == i || kLabels[j] != kLabels[i]) continue;
      sum += logit(i, j) - std::log(denominator);
      ++positives;
    }
    total += -sum / positives;
  }
  EXPECT_NEAR(Evaluate(loss->get(), Distance::Euclidean(), AllPairs()), total / 5, 1e-5);
}

TEST(SupConLossTest, ExamplesWithoutPositivesAreLeftOutOfTheMean) {
  auto loss = Make(R"(name: "supcon" [siamese.supcon] { temperature: 0.5 })");
  ASSERT_TRUE(loss.ok());
  // Pairs (0, 1) positive and (0, 3) negative: 0 and 1 have a positive; 1
  // has no other candidate (l = 0), 3 has no positive. Only 0 counts.
  Pairs p;
  p.pos_a = {0};
  p.pos_b = {1};
  p.neg_a = {0};
  p.neg_b = {3};
  const double a = std::exp(-0.3 / 0.5), b = std::exp(-1.0 / 0.5);
  EXPECT_NEAR(Evaluate(loss->get(), Distance::Euclidean(), p), -std::log(a / (a + b)), 1e-5);
}

TEST(SupConLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "supcon")");
  ASSERT_TRUE(loss.ok());
  Tuples t = AllPairs();
  for (const Distance& distance : {Distance::Cosine(), Distance::Euclidean()}) {
    GradCheckOptions options;
    options.eps = 1e-3f;
    EXPECT_TRUE(CheckGradients(
        [&](const std::vector<Variable>& in) {
          return (*loss)->Compute({in[0], distance.Matrix(in[0], in[0]), &kLabels, &t, distance});
        },
        {Variable(RandomTensor({5, 3}, 13), true)}, options))
        << distance.name();
  }
}

TEST(SupConLossTest, BadTemperatureNamesTheField) {
  auto loss = Make(R"(name: "supcon" [siamese.supcon] { temperature: 0 })");
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("temperature"));
}

}  // namespace
}  // namespace siamese
