#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

std::unique_ptr<Loss> Make(const std::string& text) {
  LossConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  auto l = Registry<Loss>::Create(c, {});
  EXPECT_TRUE(l.ok()) << l.status();
  return l.ok() ? std::move(*l) : nullptr;
}

// 1-D embeddings 0, 0.3, 1.0, 0.4 with labels a a b b.
const std::vector<int64_t> kLabels = {0, 0, 1, 1};

Tuples TwoTriplets() {
  Triplets t;
  t.anchors = {0, 1};
  t.positives = {1, 0};
  t.negatives = {2, 3};
  return t;
}

float Evaluate(Loss* loss, const Distance& distance) {
  Variable e(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 1.0f, 0.4f}));
  Tuples t = TwoTriplets();
  LossInput in{e, distance.Matrix(e, e), &kLabels, &t, distance};
  return loss->Compute(in).value().item();
}

TEST(TripletLossTest, HingeMatchesHandComputation) {
  auto loss = Make(R"(name: "triplet" [siamese.triplet] { margin: 0.2 })");
  // (0,1,2): 0.3 - 1.0 + 0.2 < 0 -> 0; (1,0,3): 0.3 - 0.1 + 0.2 = 0.4. Mean 0.2.
  EXPECT_NEAR(Evaluate(loss.get(), Distance::Euclidean()), 0.2f, 1e-5);
  auto nonzero =
      Make(R"(name: "triplet" [siamese.triplet] { margin: 0.2 reduction: "mean_nonzero" })");
  EXPECT_NEAR(Evaluate(nonzero.get(), Distance::Euclidean()), 0.4f, 1e-5);
}

TEST(TripletLossTest, SquaredAndSoftMargin) {
  auto sq =
      Make(R"(name: "triplet" [siamese.triplet] { margin: 0.2 squared: true reduction: "sum" })");
  // (0,1,2): .09 - 1 + .2 < 0; (1,0,3): .09 - .01 + .2 = .28.
  EXPECT_NEAR(Evaluate(sq.get(), Distance::Euclidean()), 0.28f, 1e-5);
  auto soft = Make(R"(name: "triplet" [siamese.triplet] { soft_margin: true })");
  const double expected = (std::log1p(std::exp(0.3 - 1.0)) + std::log1p(std::exp(0.3 - 0.1))) / 2;
  EXPECT_NEAR(Evaluate(soft.get(), Distance::Euclidean()), expected, 1e-5);
}

TEST(TripletLossTest, NoTriplesGivesZeroConnectedLoss) {
  auto loss = Make(R"(name: "triplet")");
  Variable e(Tensor::FromVector({2, 1}, {0.0f, 1.0f}), true);
  Tuples none;
  Distance d = Distance::Euclidean();
  Variable l = loss->Compute({e, d.Matrix(e, e), &kLabels, &none, d});
  EXPECT_EQ(l.value().item(), 0.0f);
  l.Backward();
  EXPECT_TRUE(e.grad().defined());
}

TEST(TripletLossTest, GradientThroughDistanceMatrix) {
  for (const char* text :
       {R"(name: "triplet" [siamese.triplet] { margin: 0.5 })",
        R"(name: "triplet" [siamese.triplet] { soft_margin: true squared: true })"}) {
    auto loss = Make(text);
    for (Distance d : {Distance::Euclidean(), Distance::SquaredEuclidean(), Distance::Cosine()}) {
      Tuples t = TwoTriplets();
      EXPECT_TRUE(CheckGradients(
          [&](const std::vector<Variable>& in) {
            return loss->Compute({in[0], d.Matrix(in[0], in[0]), &kLabels, &t, d});
          },
          {Variable(RandomTensor({4, 5}, 3), true)}))
          << text << " " << d.name();
    }
  }
}

TEST(TripletLossTest, BadParametersNameTheField) {
  LossConfig c;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(name: "triplet" [siamese.triplet] { margin: -1 })", &c));
  EXPECT_THAT(std::string(Registry<Loss>::Create(c, {}).status().message()),
              ::testing::HasSubstr("margin: must be >= 0, got -1"));
}

}  // namespace
}  // namespace siamese
