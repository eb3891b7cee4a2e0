// Conformance of every registered loss, under every registered distance: gradients
// through embeddings -> distance matrix -> loss, a finite scalar value, and
// the zero loss of a batch without tuples.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/core/distance.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/ops/shape_ops.h"
#include "framework/train/cross_batch_memory.h"
#include "gtest/gtest.h"
#include "tests/conformance.h"

namespace siamese {
namespace {

using conformance::CreateForSuite;
using conformance::Overrides;

// Losses whose defaults cannot work on the suite's batch, with the config
// used instead.
const Overrides& LossOverrides() {
  static const auto* table = new Overrides{
      // Circle loss holds its pair weights constant in the gradient (the
      // paper's and PML's choice, checked against PML's gradient in
      // tests/pml_crosscheck_test.cc), which finite differences cannot
      // see; with the weights in the graph every term is checked here.
      {"circle", R"(name: "circle" [siamese.circle] { detach_weights: false })"},
  };
  return *table;
}
const char kTable[] = "LossOverrides() in tests/loss_conformance_test.cc";

const std::vector<int64_t> kLabels = {0, 0, 1, 1, 2, 2};
// Embeddings [6, 3] uniform in [-1, 1) from this seed keep every hinge of
// the registered losses' defaults (triplet margin 0.2: |d(a,p) - d(a,n) +
// 0.2| >= 0.055; contrastive negative margin 1: |1 - d| >= 0.012) far from
// its kink compared with kEps under euclidean, squared_euclidean and cosine,
// while 8 to 9 of the 24 triplets and 3 to 4 of the 12 negative pairs are
// active (dot_product too, but not against the memory: EmbeddingSeed).
constexpr uint64_t kEmbeddingSeed = 3;

// Distances for which the batch above puts a default hinge near its kink, or
// whose curvature there is too large for central differences with kEps,
// with the seed used instead. snr on width-3 embeddings: a row of small
// variance makes d(a, .) = Var(. - a) / Var(a) large and steep.
// dot_product: against the memory below, a triplet hinge and a circle
// weight within kEps of their kinks.
uint64_t EmbeddingSeed(const std::string& distance) {
  if (distance == "snr") return 9;
  if (distance == "dot_product") return 1;
  return kEmbeddingSeed;
}
constexpr float kEps = 2e-3f;
// The step against a memory: circle's gamma 80 over more pairs makes the
// loss too curved for kEps under distances without a square root (an L1
// distance, as the scaffold's example: tools/new_plugin).
constexpr float kMemoryEps = 1e-3f;

std::unique_ptr<Loss> MakeLoss(const std::string& name) {
  // The suite's batch: 3 classes, embeddings of width 3 (proxy losses size
  // their class weights by these).
  PluginContext context;
  context.num_classes = 3;
  context.embedding_dim = 3;
  context.seed = 1;
  auto loss = CreateForSuite<Loss>(name, LossOverrides(), kTable, context);
  EXPECT_TRUE(loss.ok()) << loss.status().message();
  return loss.ok() ? std::move(*loss) : nullptr;
}

// The "all" miner producing `kind`: every triplet or every pair.
std::unique_ptr<Miner> AllMiner(TupleKind kind) {
  MinerConfig config;
  const std::string text = kind == TupleKind::kPairs
                               ? R"(name: "all" [siamese.all] { output: "pairs" })"
                               : R"(name: "all" [siamese.all] { output: "triplets" })";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  auto miner = Registry<Miner>::Create(config, PluginContext());
  EXPECT_TRUE(miner.ok()) << miner.status();
  if (!miner.ok()) return nullptr;
  EXPECT_EQ((*miner)->output(), kind);
  return std::move(*miner);
}

class LossConformanceTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  void SetUp() override {
    auto d = Distance::FromName(std::get<1>(GetParam()));
    ASSERT_TRUE(d.ok()) << d.status();
    distance_ = *d;
  }
  void TearDown() override { ClearTape(); }

  Variable Compute(Loss& loss, const Variable& embeddings, const Tuples& tuples) {
    return loss.Compute(
        {embeddings, distance_.Matrix(embeddings, embeddings), &kLabels, &tuples, distance_});
  }

  Distance distance_ = Distance::Euclidean();
};

TEST_P(LossConformanceTest, GradientThroughDistanceMatrix) {
  auto loss = MakeLoss(std::get<0>(GetParam()));
  ASSERT_NE(loss, nullptr);
  auto miner = AllMiner(loss->input());
  ASSERT_NE(miner, nullptr);
  Variable embeddings(RandomTensor({6, 3}, EmbeddingSeed(std::get<1>(GetParam()))), true);
  Tuples tuples;
  {
    NoGradScope no_grad;
    const Tensor e = embeddings.value().ToPlain();
    const Tensor d = distance_.Matrix(embeddings, embeddings).value().ToPlain();
    MinerInput in;
    in.embeddings = &e;
    in.distances = &d;
    in.labels = &kLabels;
    in.distance = distance_;
    tuples = miner->Mine(in);
  }
  ASSERT_GT(tuples.size(), 0);
  ASSERT_EQ(tuples.kind(), loss->input());

  Variable value = Compute(*loss, embeddings, tuples);
  ASSERT_EQ(value.rank(), 0) << "loss value " << value.value().ShapeString();
  EXPECT_TRUE(std::isfinite(value.value().item())) << value.value().item();
  EXPECT_TRUE(value.requires_grad());
  ClearTape();

  GradCheckOptions options;
  options.eps = kEps;
  EXPECT_TRUE(
      CheckGradients([&](const std::vector<Variable>& in) { return Compute(*loss, in[0], tuples); },
                     {embeddings}, options));
  // A loss's own trainable parameters (proxies, a learnable margin) are
  // checked too: they are the Variables the module holds, so perturbing
  // them perturbs the loss.
  std::vector<Variable> parameters;
  for (const auto& [name, v] : loss->NamedParameters()) {
    if (v.requires_grad()) parameters.push_back(v);
  }
  if (!parameters.empty()) {
    const Variable fixed(embeddings.value());
    EXPECT_TRUE(
        CheckGradients([&](const std::vector<Variable>&) { return Compute(*loss, fixed, tuples); },
                       parameters, options))
        << "gradient of the loss's own parameters";
  }
}

TEST_P(LossConformanceTest, NoTuplesGivesZeroWithDefinedGradient) {
  auto loss = MakeLoss(std::get<0>(GetParam()));
  ASSERT_NE(loss, nullptr);
  if (!loss->uses_tuples()) GTEST_SKIP() << "uses no tuples (TuplesAreIgnored checks it)";
  Variable embeddings(RandomTensor({6, 3}, EmbeddingSeed(std::get<1>(GetParam()))), true);
  const Tuples none = loss->input() == TupleKind::kPairs ? Tuples(Pairs()) : Tuples(Triplets());
  Variable value = Compute(*loss, embeddings, none);
  ASSERT_EQ(value.rank(), 0) << "loss value " << value.value().ShapeString();
  EXPECT_EQ(value.value().item(), 0.0f);
  ASSERT_TRUE(value.requires_grad()) << "the zero loss is not connected to the embeddings";
  value.Backward();
  ASSERT_TRUE(embeddings.grad().defined());
  ASSERT_EQ(embeddings.grad().shape(), embeddings.shape());
  for (float g : embeddings.grad().ToVector()) EXPECT_EQ(g, 0.0f);
}

// A loss that says it uses no tuples (proxy losses, FastAP) gives the same
// value whatever tuples it is handed.
TEST_P(LossConformanceTest, TuplesAreIgnoredByLossesThatUseNone) {
  auto loss = MakeLoss(std::get<0>(GetParam()));
  ASSERT_NE(loss, nullptr);
  if (loss->uses_tuples()) GTEST_SKIP() << "uses tuples";
  Variable embeddings(RandomTensor({6, 3}, EmbeddingSeed(std::get<1>(GetParam()))));
  Pairs some;
  some.pos_a = {0};
  some.pos_b = {1};
  const float with = Compute(*loss, embeddings, Tuples(some)).value().item();
  const float without = Compute(*loss, embeddings, Tuples(Pairs())).value().item();
  EXPECT_EQ(with, without);
  EXPECT_TRUE(std::isfinite(with));
}

// A loss that accepts references (loss.cross_batch_memory) gives, against a
// memory holding only this batch, its in-batch value over every tuple (each
// unordered pair is then seen from both ends, as within the batch), and
// against a larger memory a gradient (through the rows only; the memory is
// constant) that finite differences confirm.
TEST_P(LossConformanceTest, AgainstAMemoryOfTheBatchGivesTheInBatchValue) {
  auto loss = MakeLoss(std::get<0>(GetParam()));
  ASSERT_NE(loss, nullptr);
  if (!loss->accepts_references()) GTEST_SKIP() << "accepts no references";
  auto miner = AllMiner(loss->input());
  ASSERT_NE(miner, nullptr);
  Variable embeddings(RandomTensor({6, 3}, EmbeddingSeed(std::get<1>(GetParam()))), true);
  Tuples tuples;
  {
    NoGradScope no_grad;
    const Tensor e = embeddings.value().ToPlain();
    const Tensor d = distance_.Matrix(embeddings, embeddings).value().ToPlain();
    MinerInput in;
    in.embeddings = &e;
    in.distances = &d;
    in.labels = &kLabels;
    in.distance = distance_;
    tuples = miner->Mine(in);
  }
  const float within = Compute(*loss, embeddings, tuples).value().item();
  CrossBatchMemory itself(6, 3);
  int64_t count = 0;
  const float against =
      MemoryLoss(&itself, loss.get(), nullptr, distance_, embeddings, kLabels, 0, &count)
          .value()
          .item();
  EXPECT_GT(count, 0);
  EXPECT_NEAR(against, within, 1e-5f * std::max(1.0f, std::fabs(within)));
  ClearTape();

  CrossBatchMemory memory(11, 3);
  const std::vector<int64_t> older = {2, 0, 1, 1, 0};
  MemoryLoss(&memory, loss.get(), nullptr, distance_, Variable(RandomTensor({5, 3}, 98)), older,
             0, &count);
  memory.Enqueue(embeddings.value().ToPlain(), kLabels);
  ClearTape();
  GradCheckOptions options;
  options.eps = kMemoryEps;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return LossAgainstMemory(memory, loss.get(), nullptr, distance_, in[0], kLabels, 1,
                                 &count);
      },
      {embeddings}, options));
}

TEST(LossConformanceSuiteTest, LossesAreRegisteredAndTableIsCurrent) {
  EXPECT_FALSE(Registry<Loss>::Names().empty()) << "no loss linked";
  EXPECT_TRUE(conformance::StaleEntries<Loss>(LossOverrides()).empty()) << kTable;
}

INSTANTIATE_TEST_SUITE_P(
    AllLosses, LossConformanceTest,
    ::testing::Combine(::testing::ValuesIn(Registry<Loss>::Names()),
                       ::testing::ValuesIn(Registry<DistanceFunction>::Names())),
    [](const auto& info) {
      return conformance::TestName(std::get<0>(info.param) + "_" + std::get<1>(info.param));
    });

}  // namespace
}  // namespace siamese
