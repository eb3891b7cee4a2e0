// Data-parallel equivalence with the real plugins (issue 13): on N = 1, 2, 3
// in-process ranks, each rank embeds its share of a global batch, gathers
// the global batch (GatherRows, GatherLabels), mines and computes the loss
// on it, backpropagates and all-reduces the parameter gradients. Every rank
// must end with the one-process loss and gradient on the concatenated batch,
// for pair and triplet losses and every miner: the traps of the peers
// (a missing world-size factor, gather orders that differ between ranks,
// rank offsets missing from label masks, tuples laid out differently than
// the loss assumes, sum instead of average) each break this equality.
#include <memory>
#include <string>
#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/core/distance.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/core/tuples.h"
#include "framework/distributed/gather.h"
#include "framework/ops/ops.h"
#include "framework/tensor/dnnl_context.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

constexpr int64_t kRows = 12, kIn = 6, kDim = 4, kClasses = 4;

template <typename T>
std::unique_ptr<T> Make(const std::string& text) {
  typename T::Config config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  auto p = Registry<T>::Create(config, PluginContext());
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(*p) : nullptr;
}

Tensor Rows(const Tensor& t, int64_t begin, int64_t count) {
  const std::vector<float> v = t.ToVector();
  const int64_t w = t.numel() / t.dim(0);
  return Tensor::FromVector(
      {count, w}, std::vector<float>(v.begin() + begin * w, v.begin() + (begin + count) * w));
}

struct Outcome {
  float loss = 0;
  Tensor grad;
  int64_t tuples = 0;
};

// One step's loss and weight gradient on `x` (this rank's rows) with the
// global batch gathered over `comm`.
Outcome Step(const std::string& loss_text, const std::string& miner_text, const Tensor& x,
             const std::vector<int64_t>& labels, const Tensor& w,
             const std::vector<int64_t>& rows, Communicator* comm) {
  auto loss = Make<Loss>(loss_text);
  auto miner = Make<Miner>(miner_text);
  Outcome out;
  if (loss == nullptr || miner == nullptr) return out;
  const Distance distance = Distance::Euclidean();
  Variable weight(w.Clone(), true);
  Variable local = L2Normalize(Linear(Variable(x), weight, Variable()));
  Variable e = GatherRows(local, rows, comm);
  const std::vector<int64_t> all_labels = GatherLabels(labels, rows, comm);
  Variable d = distance.Matrix(e, e);
  const Tensor ep = e.value().ToPlain(), dp = d.value().ToPlain();
  Tuples tuples = ConvertTuples(miner->Mine({&ep, &dp, &all_labels, distance, /*step=*/3}),
                                loss->input());
  Variable value = loss->Compute({e, d, &all_labels, &tuples, distance});
  value.Backward();
  AllReduceGradients({weight}, comm);
  out.loss = value.value().item();
  out.grad = weight.grad().ToPlain();
  out.tuples = tuples.size();
  return out;
}

struct Case {
  std::string loss, miner;
};

class DistributedEquivalenceTest : public ::testing::TestWithParam<Case> {};

TEST_P(DistributedEquivalenceTest, RanksEndWithTheOneProcessGradient) {
  const Case& c = GetParam();
  const Tensor x = RandomTensor({kRows, kIn}, 11), w = RandomTensor({kDim, kIn}, 12);
  std::vector<int64_t> labels(kRows);
  for (int64_t i = 0; i < kRows; ++i) labels[i] = (i * 5) % kClasses;  // classes interleaved
  SetNumThreads(1);  // the one-process run on one thread, as each rank runs
  auto single = SingleProcessCommunicator();
  const Outcome ref = Step(c.loss, c.miner, x, labels, w, {kRows}, single.get());
  ASSERT_TRUE(ref.grad.defined());
  ASSERT_GT(ref.tuples, 0) << "the case mines nothing: it would test nothing";
  for (int n : {1, 2, 3}) {
    SCOPED_TRACE(::testing::Message() << n << " ranks");
    const std::vector<int64_t> rows = RowsPerRank(kRows, n);
    std::vector<Outcome> got(n);
    RunOnInProcessRanks(n, [&](Communicator& comm) {
      const int r = comm.rank();
      int64_t begin = 0;
      for (int q = 0; q < r; ++q) begin += rows[q];
      const std::vector<int64_t> mine(labels.begin() + begin, labels.begin() + begin + rows[r]);
      got[r] = Step(c.loss, c.miner, Rows(x, begin, rows[r]), mine, w, rows, &comm);
    });
    for (int r = 0; r < n; ++r) {
      ASSERT_TRUE(got[r].grad.defined()) << "rank " << r;
      EXPECT_EQ(got[r].tuples, ref.tuples) << "rank " << r;
      EXPECT_NEAR(got[r].loss, ref.loss, 1e-5f * (1.0f + std::abs(ref.loss))) << "rank " << r;
      EXPECT_TRUE(TensorsNear(got[r].grad, ref.grad, 1e-5f, 1e-4f)) << "rank " << r;
      EXPECT_EQ(got[r].grad.ToVector(), got[0].grad.ToVector()) << "rank " << r;
    }
  }
}

const char kTriplet[] = R"(name: "triplet" [siamese.triplet] { margin: 0.2 })";
const char kContrastive[] = R"(name: "contrastive")";

INSTANTIATE_TEST_SUITE_P(
    LossesAndMiners, DistributedEquivalenceTest,
    ::testing::Values(
        Case{kTriplet, R"(name: "all")"}, Case{kTriplet, R"(name: "batch_hard")"},
        Case{kTriplet, R"(name: "semi_hard" [siamese.semi_hard] { margin: 0.2 })"},
        Case{kTriplet, R"(name: "triplet_margin")"}, Case{kTriplet, R"(name: "batch_easy_hard")"},
        Case{kTriplet, R"(name: "distance_weighted")"}, Case{kTriplet, R"(name: "random")"},
        Case{kContrastive, R"(name: "all")"}, Case{kContrastive, R"(name: "hard_pairs")"},
        Case{kContrastive, R"(name: "multi_similarity")"},
        Case{R"(name: "multi_similarity")", R"(name: "multi_similarity")"}));

}  // namespace
}  // namespace siamese
