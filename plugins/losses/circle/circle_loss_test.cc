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

// Unit vectors at angles 0, 0.2, 1.2, 1.0: s = cos of the angle between.
Variable Embeddings(bool requires_grad) {
  std::vector<float> v;
  for (float t : {0.0f, 0.2f, 1.2f, 1.0f}) v.insert(v.end(), {std::cos(t), std::sin(t)});
  return Variable(Tensor::FromVector({4, 2}, v), requires_grad);
}

TEST(CircleLossTest, MatchesHandComputation) {
  auto loss = Make(R"(name: "circle" [siamese.circle] { m: 0.25 gamma: 4 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  const double m = 0.25, g = 4;
  auto term = [&](double sp, double sn1, double sn2) {
    const double ap = std::max(0.0, 1 + m - sp);
    auto neg = [&](double sn) { return std::exp(g * std::max(0.0, sn + m) * (sn - m)); };
    const double x = -g * ap * (sp - (1 - m)) + std::log(neg(sn1) + neg(sn2));
    return std::log1p(std::exp(x));
  };
  const double c = std::cos(0.2);
  const double expected =
      (term(c, std::cos(1.2), std::cos(1.0)) + term(c, std::cos(1.0), std::cos(0.8)) +
       term(c, std::cos(1.2), std::cos(1.0)) + term(c, std::cos(1.0), std::cos(0.8))) /
      4;
  Tuples t = AllPairs();
  const Distance d = Distance::Cosine();
  Variable e = Embeddings(false);
  EXPECT_NEAR((*loss)->Compute({e, d.Matrix(e, e), &kLabels, &t, d}).value().item(), expected,
              1e-4);
}

// With the weights in the graph the loss is an ordinary function of the
// embeddings: finite differences check every term. With them held constant
// (the default) the gradient is PML's (tests/pml_crosscheck_test.cc) and
// differs from the full one.
TEST(CircleLossTest, GradientsMatchFiniteDifferences) {
  auto full = Make(R"(name: "circle" [siamese.circle] { gamma: 4 detach_weights: false })");
  ASSERT_TRUE(full.ok());
  Tuples t = AllPairs();
  for (const Distance& d : {Distance::Cosine(), Distance::Euclidean()}) {
    GradCheckOptions options;
    options.eps = 1e-3f;
    EXPECT_TRUE(CheckGradients(
        [&](const std::vector<Variable>& in) {
          return (*full)->Compute({in[0], d.Matrix(in[0], in[0]), &kLabels, &t, d});
        },
        {Variable(RandomTensor({4, 3}, 11), true)}, options))
        << d.name();
  }
  auto detached = Make(R"(name: "circle" [siamese.circle] { gamma: 4 })");
  ASSERT_TRUE(detached.ok());
  const Distance d = Distance::Cosine();
  Variable a(RandomTensor({4, 3}, 11), true), b(RandomTensor({4, 3}, 11), true);
  (*full)->Compute({a, d.Matrix(a, a), &kLabels, &t, d}).Backward();
  (*detached)->Compute({b, d.Matrix(b, b), &kLabels, &t, d}).Backward();
  EXPECT_FALSE(TensorsNear(a.grad(), b.grad(), 1e-4f, 1e-3f));
}

TEST(CircleLossTest, BadParametersNameTheField) {
  auto loss = Make(R"(name: "circle" [siamese.circle] { gamma: 0 })");
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("gamma"));
}

}  // namespace
}  // namespace siamese
