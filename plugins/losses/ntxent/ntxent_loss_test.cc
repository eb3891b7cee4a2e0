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

float Evaluate(Loss* loss, const Distance& distance, const Tuples& t) {
  Variable e(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 1.0f, 0.4f}));
  return loss->Compute({e, distance.Matrix(e, e), &kLabels, &t, distance}).value().item();
}

TEST(NtXentLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "ntxent" [siamese.ntxent] { temperature: 0.5 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  // Euclidean: logit = -d / 0.5. Anchor 0: positive d 0.3, negatives 1.0, 0.4.
  auto l = [](double dp, double dn1, double dn2) {
    const double p = std::exp(-dp / 0.5);
    return -std::log(p / (p + std::exp(-dn1 / 0.5) + std::exp(-dn2 / 0.5)));
  };
  const double expected =
      (l(0.3, 1.0, 0.4) + l(0.3, 0.7, 0.1) + l(0.6, 1.0, 0.7) + l(0.6, 0.4, 0.1)) / 4;
  EXPECT_NEAR(Evaluate(loss->get(), Distance::Euclidean(), AllPairs()), expected, 1e-5);
}

TEST(NtXentLossTest, AnAnchorWithoutNegativesAddsZero) {
  auto loss = Make(R"(name: "ntxent" [siamese.ntxent] { temperature: 0.5 })");
  ASSERT_TRUE(loss.ok());
  // Only 0 has a negative (2): (0, 1) gives l(0.3, 1.0); (1, 0) gives 0.
  Pairs p;
  p.pos_a = {0};
  p.pos_b = {1};
  p.neg_a = {0};
  p.neg_b = {2};
  const double a = std::exp(-0.3 / 0.5);
  const double expected = -std::log(a / (a + std::exp(-1.0 / 0.5))) / 2;
  EXPECT_NEAR(Evaluate(loss->get(), Distance::Euclidean(), p), expected, 1e-5);
  // No negatives at all: 0.
  Pairs only_positive;
  only_positive.pos_a = {0};
  only_positive.pos_b = {1};
  EXPECT_EQ(Evaluate(loss->get(), Distance::Euclidean(), only_positive), 0.0f);
}

TEST(NtXentLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "ntxent")");
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

TEST(NtXentLossTest, BadTemperatureNamesTheField) {
  for (const char* t : {"0", "-1", "nan"}) {
    auto loss = Make(absl::StrCat(R"(name: "ntxent" [siamese.ntxent] { temperature: )", t, " }"));
    ASSERT_FALSE(loss.ok()) << t;
    EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("temperature"));
  }
}

}  // namespace
}  // namespace siamese
