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

const std::vector<int64_t> kLabels = {0, 0, 1, 1};
Tuples AllPairs() {
  Pairs p;
  p.pos_a = {0, 2};
  p.pos_b = {1, 3};
  p.neg_a = {0, 0, 1, 1};
  p.neg_b = {2, 3, 2, 3};
  return p;
}

// Unit vectors at angles 0, 0.4, 1.2, 1.0: the cosine is that of the angle between.
Variable Embeddings() {
  std::vector<float> v;
  for (float t : {0.0f, 0.4f, 1.2f, 1.0f}) v.insert(v.end(), {std::cos(t), std::sin(t)});
  return Variable(Tensor::FromVector({4, 2}, v), true);
}

TEST(TupletMarginLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "tuplet_margin" [siamese.tuplet_margin] { margin: 0.1 scale: 4 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  // l = log(1 + sum_n exp(4 (cos(an) - cos(theta_ap - 0.1)))).
  auto l = [](double ap, double an1, double an2) {
    const double pos = std::cos(ap - 0.1);
    return std::log(1 + std::exp(4 * (std::cos(an1) - pos)) + std::exp(4 * (std::cos(an2) - pos)));
  };
  // (0,1): 0.4 vs 1.2, 1.0. (1,0): 0.4 vs 0.8, 0.6. (2,3): 0.2 vs 1.2, 0.8.
  // (3,2): 0.2 vs 1.0, 0.6.
  const double expected =
      (l(0.4, 1.2, 1.0) + l(0.4, 0.8, 0.6) + l(0.2, 1.2, 0.8) + l(0.2, 1.0, 0.6)) / 4;
  Tuples t = AllPairs();
  const Distance d = Distance::Euclidean();  // not used by the loss
  Variable e = Embeddings();
  EXPECT_NEAR((*loss)->Compute({e, d.Matrix(e, e), &kLabels, &t, d}).value().item(), expected,
              1e-5);
}

TEST(TupletMarginLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "tuplet_margin" [siamese.tuplet_margin] { scale: 4 })");
  ASSERT_TRUE(loss.ok());
  Tuples t = AllPairs();
  const Distance d = Distance::Cosine();
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return (*loss)->Compute({in[0], d.Matrix(in[0], in[0]), &kLabels, &t, d});
      },
      {Variable(RandomTensor({4, 3}, 11), true)}, options));
}

TEST(TupletMarginLossTest, BadParametersNameTheField) {
  auto loss = Make(R"(name: "tuplet_margin" [siamese.tuplet_margin] { margin: 2 })");
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("margin"));
}

}  // namespace
}  // namespace siamese
