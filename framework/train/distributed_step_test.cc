// Data-parallel TrainingStep: on N in-process ranks (framework/distributed)
// every rank embeds its share of the global batch, the miner and the loss
// see the gathered batch, and gradients are summed over ranks before the
// update. Every rank must hold the same parameters after every step, and
// they must follow the one-process run (the same steps on the same batches)
// up to float summation order: per-rank weight-gradient sums are added in
// another order than one process adds them.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "framework/core/experiment_file.h"
#include "framework/distributed/communicator.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/records/records.h"
#include "framework/train/assembly.h"
#include "framework/train/evaluate.h"
#include "framework/train/step.h"
#include "framework/train/tiny_run_testutil.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

constexpr int kSteps = 6;

struct Trace {
  std::vector<float> losses;
  std::vector<float> parameters;  // all of them, flattened, after the last step
  std::vector<float> buffers;     // the encoder's (batch norm's statistics)
};

Trace TrainSteps(const std::string& dir, Communicator* comm,
                 const std::vector<std::string>& overrides = {}) {
  auto file = ExperimentFile::Parse("tiny.pbtxt", testing_train::TinyExperiment(dir, "dist"),
                                    overrides);
  EXPECT_TRUE(file.ok()) << file.status();
  auto c = AssembleTraining(**file);
  EXPECT_TRUE(c.ok()) << c.status();
  Trace t;
  if (!c.ok()) return t;
  (*c)->communicator = comm;
  for (int step = 0; step < kSteps; ++step) {
    auto r = TrainingStep(c->get(), (*c)->first_epoch_batches[step], step);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return t;
    t.losses.push_back(r->loss);
  }
  for (const auto& [name, v] : (*c)->optimizer->parameters()) {
    const std::vector<float> p = v.value().ToPlain().ToVector();
    t.parameters.insert(t.parameters.end(), p.begin(), p.end());
  }
  for (const auto& [name, b] : (*c)->model.encoder->NamedBuffers()) {
    const std::vector<float> v = b->ToPlain().ToVector();
    t.buffers.insert(t.buffers.end(), v.begin(), v.end());
  }
  return t;
}

TEST(DistributedStepTest, RanksAgreeAndFollowOneProcess) {
  const std::string dir = ::testing::TempDir();
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/test", 20, 2).ok());
  SetNumThreads(1);  // the one-process run on one thread, as each rank runs
  const Trace one = TrainSteps(dir, nullptr);
  ASSERT_EQ(one.losses.size(), static_cast<size_t>(kSteps));
  for (int n : {2, 3}) {
    SCOPED_TRACE(::testing::Message() << n << " ranks");
    std::vector<Trace> ranks(n);
    RunOnInProcessRanks(n, [&](Communicator& comm) { ranks[comm.rank()] = TrainSteps(dir, &comm); });
    for (int r = 0; r < n; ++r) {
      ASSERT_EQ(ranks[r].losses.size(), static_cast<size_t>(kSteps)) << "rank " << r;
      // The same bits on every rank: one model, replicated.
      EXPECT_EQ(ranks[r].parameters, ranks[0].parameters) << "rank " << r;
      EXPECT_EQ(ranks[r].losses, ranks[0].losses) << "rank " << r;
    }
    // Within float summation order of one process: losses within 1e-4,
    // parameters within 1e-4 of their scale after kSteps Adam steps.
    for (int s = 0; s < kSteps; ++s) {
      EXPECT_NEAR(ranks[0].losses[s], one.losses[s], 1e-4f) << "step " << s;
    }
    ASSERT_EQ(ranks[0].parameters.size(), one.parameters.size());
    double worst = 0;
    for (size_t i = 0; i < one.parameters.size(); ++i) {
      worst = std::max(worst, std::abs(static_cast<double>(ranks[0].parameters[i]) -
                                       one.parameters[i]));
    }
    EXPECT_LT(worst, 1e-4) << "largest parameter difference";
    std::ostringstream worst_text;
    worst_text << worst;
    RecordProperty("largest_parameter_difference_" + std::to_string(n), worst_text.str());
  }
}

// Batch norm normalizes each rank's share with its own batch statistics
// (as DistributedDataParallel without SyncBatchNorm), but its running
// statistics are averaged over ranks after every step: every rank holds the
// same buffers, so evaluation, checkpoints and resumption see one model.
TEST(DistributedStepTest, BatchNormRunningStatisticsAreTheSameOnEveryRank) {
  const std::string dir = ::testing::TempDir() + "/bn";
  ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/test", 20, 2).ok());
  const std::vector<std::string> bn = {"encoder { [siamese.cnn] { batch_norm: true } }"};
  std::vector<Trace> ranks(2);
  RunOnInProcessRanks(2, [&](Communicator& comm) {
    ranks[comm.rank()] = TrainSteps(dir, &comm, bn);
  });
  ASSERT_FALSE(ranks[0].buffers.empty());
  EXPECT_EQ(ranks[1].buffers, ranks[0].buffers);
  EXPECT_EQ(ranks[1].parameters, ranks[0].parameters);
  // They moved from their initial values (1 for variances, 0 for means).
  SetNumThreads(1);
  auto file = ExperimentFile::Parse("tiny.pbtxt", testing_train::TinyExperiment(dir, "dist"), bn);
  ASSERT_TRUE(file.ok()) << file.status();
  auto fresh = AssembleTraining(**file);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  std::vector<float> initial;
  for (const auto& [name, b] : (*fresh)->model.encoder->NamedBuffers()) {
    const std::vector<float> v = b->ToPlain().ToVector();
    initial.insert(initial.end(), v.begin(), v.end());
  }
  EXPECT_NE(ranks[0].buffers, initial);
}

// Evaluation over ranks: each rank embeds whole blocks of the split, the
// rows are gathered in order, and the retrieval queries are shared out too;
// every rank gets one process's embeddings and metrics, bit for bit, also
// with more ranks than blocks.
TEST(DistributedStepTest, EvaluationOverRanksIsOneProcessesBitForBit) {
  const std::string dir = ::testing::TempDir() + "/eval";
  ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/test", 20, 2).ok());
  auto file = ExperimentFile::Parse("tiny.pbtxt", testing_train::TinyExperiment(dir, "eval"));
  ASSERT_TRUE(file.ok()) << file.status();
  SetNumThreads(1);
  auto c = AssembleTraining(**file);
  ASSERT_TRUE(c.ok()) << c.status();
  Components& k = **c;
  EvaluationConfig config = (*file)->config().evaluation();
  config.set_block_rows(7);  // 80 test rows: 12 blocks, the last of 3
  const Tensor one = EmbedSplit(k.model.encoder.get(), k.data.test, k.data.normalization, 7);
  auto one_report = EvaluateModel(k.model.encoder.get(), k.data, k.model.distance, config, 3);
  ASSERT_TRUE(one_report.ok()) << one_report.status();
  const std::string one_json = ToJson(ToRunResults(*one_report));
  for (int n : {2, 3, 13}) {
    RunOnInProcessRanks(n, [&](Communicator& comm) {
      const Tensor e =
          EmbedSplit(k.model.encoder.get(), k.data.test, k.data.normalization, 7, "", &comm);
      ASSERT_EQ(e.numel(), one.numel());
      EXPECT_EQ(std::memcmp(e.data(), one.data(), one.numel() * sizeof(float)), 0)
          << n << " ranks, rank " << comm.rank();
      auto report =
          EvaluateModel(k.model.encoder.get(), k.data, k.model.distance, config, 3, &comm);
      ASSERT_TRUE(report.ok()) << report.status();
      EXPECT_EQ(ToJson(ToRunResults(*report)), one_json) << n << " ranks, rank " << comm.rank();
    });
  }
}

}  // namespace
}  // namespace siamese
