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

TEST(LiftedStructureLossTest, MatchesHandComputation) {
  auto loss = Make(
      R"(name: "lifted_structure" [siamese.lifted_structure] { pos_margin: 0.1 neg_margin: 0.8 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  // d01 0.3, d23 0.6; d02 1.0, d03 0.4, d12 0.7, d13 0.1. One positive each.
  auto l = [](double dp, double dn1, double dn2) {
    return std::max(0.0, (dp - 0.1) + std::log(std::exp(0.8 - dn1) + std::exp(0.8 - dn2)));
  };
  const double expected =
      (l(0.3, 1.0, 0.4) + l(0.3, 0.7, 0.1) + l(0.6, 1.0, 0.7) + l(0.6, 0.4, 0.1)) / 4;
  Variable e(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 1.0f, 0.4f}));
  Tuples t = AllPairs();
  const Distance d = Distance::Euclidean();
  EXPECT_NEAR((*loss)->Compute({e, d.Matrix(e, e), &kLabels, &t, d}).value().item(), expected,
              1e-5);
}

TEST(LiftedStructureLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "lifted_structure")");
  ASSERT_TRUE(loss.ok());
  Tuples t = AllPairs();
  for (const Distance& d : {Distance::Cosine(), Distance::Euclidean()}) {
    GradCheckOptions options;
    options.eps = 1e-3f;
    EXPECT_TRUE(CheckGradients(
        [&](const std::vector<Variable>& in) {
          return (*loss)->Compute({in[0], d.Matrix(in[0], in[0]), &kLabels, &t, d});
        },
        {Variable(RandomTensor({4, 3}, 11), true)}, options))
        << d.name();
  }
}

TEST(LiftedStructureLossTest, BadMarginNamesTheField) {
  auto loss = Make(R"(name: "lifted_structure" [siamese.lifted_structure] { neg_margin: nan })");
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("neg_margin"));
}

}  // namespace
}  // namespace siamese
