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

const std::vector<int64_t> kLabels = {0, 0, 1, 1};

Tuples HandPairs() {
  Pairs t;
  t.pos_a = {0, 2};
  t.pos_b = {1, 3};
  t.neg_a = {0, 1};
  t.neg_b = {2, 3};
  return t;
}

TEST(ContrastiveLossTest, MatchesHadsellByHand) {
  auto loss = Make(R"(name: "contrastive" [siamese.contrastive] { neg_margin: 1.0 })");
  // Points 0, 0.3, 1.5, 0.8: positives d = .3, .7 -> .09, .49;
  // negatives d(0,2) = 1.5 -> 0, d(1,3) = .5 -> (1 - .5)^2 = .25. Mean over 4 = .2075.
  Variable e(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 1.5f, 0.8f}));
  Tuples t = HandPairs();
  Distance d = Distance::Euclidean();
  EXPECT_NEAR(loss->Compute({e, d.Matrix(e, e), &kLabels, &t, d}).value().item(), 0.2075f, 1e-5);
  auto with_pos =
      Make(R"(name: "contrastive" [siamese.contrastive] { pos_margin: 0.5 neg_margin: 1.0 })");
  // positives: max(0, .3-.5)=0, (.7-.5)^2=.04; negatives as above .25 -> .29/4.
  EXPECT_NEAR(with_pos->Compute({e, d.Matrix(e, e), &kLabels, &t, d}).value().item(), 0.0725f,
              1e-5);
}

TEST(ContrastiveLossTest, GradientThroughDistanceMatrix) {
  auto loss =
      Make(R"(name: "contrastive" [siamese.contrastive] { pos_margin: 0.1 neg_margin: 2.0 })");
  for (Distance d : {Distance::Euclidean(), Distance::SquaredEuclidean(), Distance::Cosine()}) {
    Tuples t = HandPairs();
    EXPECT_TRUE(CheckGradients(
        [&](const std::vector<Variable>& in) {
          return loss->Compute({in[0], d.Matrix(in[0], in[0]), &kLabels, &t, d});
        },
        {Variable(RandomTensor({4, 3}, 5), true)}))
        << d.name();
  }
}

TEST(ContrastiveLossTest, MarginsAreValidated) {
  LossConfig c;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(name: "contrastive" [siamese.contrastive] { pos_margin: 1 neg_margin: 1 })", &c));
  EXPECT_THAT(std::string(Registry<Loss>::Create(c, {}).status().message()),
              ::testing::HasSubstr("neg_margin: must be > pos_margin (1), got 1"));
}

TEST(ContrastiveLossTest, PmlFormUnsquaredWithSeparateNonZeroMeans) {
  auto loss = Make(R"(name: "contrastive" [siamese.contrastive] {
    pos_margin: 0.25 neg_margin: 1.0 squared: false reduction: "mean_nonzero_each" })");
  // Points 0, 0.3, 1.5, 0.8: positives d = .3, .7 -> .05, .45 (both > 0):
  // mean .25; negatives d(0,2) = 1.5 -> 0, d(1,3) = .5 -> .5: mean of the
  // non-zero .5. Total .75.
  Variable e(Tensor::FromVector({4, 1}, {0.0f, 0.3f, 1.5f, 0.8f}));
  Tuples t = HandPairs();
  Distance d = Distance::Euclidean();
  EXPECT_NEAR(loss->Compute({e, d.Matrix(e, e), &kLabels, &t, d}).value().item(), 0.75f, 1e-5);
}

TEST(ContrastiveLossTest, BadReductionNamesTheField) {
  LossConfig c;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(name: "contrastive" [siamese.contrastive] { reduction: "median" })", &c));
  EXPECT_THAT(std::string(Registry<Loss>::Create(c, {}).status().message()),
              ::testing::HasSubstr("reduction: must be \"mean\" or \"mean_nonzero_each\""));
}

}  // namespace
}  // namespace siamese
