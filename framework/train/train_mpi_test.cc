// Data-parallel training end to end under mpirun (train_mpi_test.sh runs it
// on 2 ranks): Train() with the MPI world communicator against one process,
// a stop on one rank, resuming from rank 0's checkpoint, model selection,
// and a failure of rank 0 before the first step. Every rank runs every test
// in the same order (they meet in collectives).
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/core/experiment_file.h"
#include "framework/distributed/collectives.h"
#include "framework/distributed/world.h"
#include "framework/io/atomic_file.h"
#include "framework/records/records.h"
#include "framework/train/bundle.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trainer.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

Communicator* g_world = nullptr;

// A folder every rank sees (one machine: the test's own).
std::string Dir() { return std::string(std::getenv("TEST_TMPDIR")) + "/mpi"; }

absl::StatusOr<TrainResult> TrainTiny(const std::string& name, Communicator* comm,
                                      const std::vector<std::string>& overrides = {},
                                      int64_t stop_after_step = -1) {
  auto file = ExperimentFile::Parse("tiny.pbtxt", testing_train::TinyExperiment(Dir(), name),
                                    overrides);
  if (!file.ok()) return file.status();
  TrainOptions options;
  options.verbose = false;
  options.communicator = comm;
  options.stop_after_step = stop_after_step;
  return Train(**file, options);
}

// Rank 0's `text` on every rank, for comparing what each rank holds.
std::string RankZeros(const std::string& text) {
  std::string bytes = text;
  BroadcastBytes(*g_world, &bytes, 0);
  return bytes;
}

class TrainMpiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(g_world->size(), 2) << "run by train_mpi_test.sh on 2 ranks";
    if (g_world->rank() == 0) {
      ASSERT_EQ(system(("mkdir -p " + Dir()).c_str()), 0);
      ASSERT_TRUE(testing_train::WriteSyntheticIdx(Dir() + "/train", 40, 1).ok());
      ASSERT_TRUE(testing_train::WriteSyntheticIdx(Dir() + "/test", 20, 2).ok());
    }
    g_world->Barrier();
  }
};

// The largest difference between two checkpoints' encoder parameters.
float LargestParameterDifference(const std::string& a_path, const std::string& b_path) {
  auto a = LoadBundle(a_path);
  auto b = LoadBundle(b_path);
  EXPECT_TRUE(a.ok() && b.ok());
  if (!a.ok() || !b.ok()) return INFINITY;
  EXPECT_EQ(a->parameters_size(), b->parameters_size());
  float largest = 0;
  for (int i = 0; i < a->parameters_size() && i < b->parameters_size(); ++i) {
    const auto& x = a->parameters(i).values();
    const auto& y = b->parameters(i).values();
    EXPECT_EQ(x.size(), y.size());
    for (int j = 0; j < x.size() && j < y.size(); ++j)
      largest = std::max(largest, std::fabs(x[j] - y[j]));
  }
  return largest;
}

TEST_F(TrainMpiTest, TwoRanksFollowOneProcessAndOnlyRankZeroWrites) {
  auto two = TrainTiny("two", g_world);
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_TRUE(two->finished);
  // Every rank ends with the same results (the same weights, the same
  // evaluation over both ranks).
  EXPECT_EQ(two->results_json, RankZeros(two->results_json)) << "rank " << g_world->rank();
  if (g_world->rank() == 0) {
    auto one = TrainTiny("one", nullptr);
    ASSERT_TRUE(one.ok()) << one.status();
    // The untrained encoder is the same on both: its metrics are the same
    // bits (the embedding shared out over ranks is the one process's).
    EXPECT_EQ(ToJson(one->results.untrained()), ToJson(two->results.untrained()));
    // Trained: the same steps on the same global batches; only the order of
    // float sums differs (gathered gradients, all-reduce), so the weights
    // agree to float rounding amplified over 30 Adam steps.
    const float diff = LargestParameterDifference(one->run_dir + "/checkpoint.ckpt",
                                                  two->run_dir + "/checkpoint.ckpt");
    std::fprintf(stderr, "largest parameter difference, 2 ranks vs 1 process: %g\n", diff);
    EXPECT_LT(diff, 1e-4);
    EXPECT_NEAR(one->results.retrieval().map_at_r(), two->results.retrieval().map_at_r(), 1e-3);
    EXPECT_EQ(one->steps_done, two->steps_done);
    Manifest m1, m2;
    ASSERT_TRUE(ReadJsonFile(one->run_dir + "/manifest.json", &m1).ok());
    ASSERT_TRUE(ReadJsonFile(two->run_dir + "/manifest.json", &m2).ok());
    EXPECT_FALSE(m1.has_ranks());
    EXPECT_EQ(m2.ranks(), 2);
    Timing t2;
    ASSERT_TRUE(ReadJsonFile(two->run_dir + "/timing.json", &t2).ok());
    EXPECT_EQ(t2.ranks(), 2);
    EXPECT_GT(t2.communication_seconds(), 0);
    EXPECT_LT(t2.communication_seconds(), t2.train_seconds());
    // One metrics line per event, not one per rank: the train lines of
    // steps 5, 10, ... , 30, the untrained and the test line.
    auto metrics = ReadFile(two->run_dir + "/metrics.jsonl");
    ASSERT_TRUE(metrics.ok());
    auto m1lines = ReadFile(one->run_dir + "/metrics.jsonl");
    ASSERT_TRUE(m1lines.ok());
    EXPECT_EQ(std::count(metrics->begin(), metrics->end(), '\n'),
              std::count(m1lines->begin(), m1lines->end(), '\n'));
  }
  g_world->Barrier();
}

TEST_F(TrainMpiTest, AStopOnOneRankStopsBothAndTheRunResumesExactly) {
  auto whole = TrainTiny("whole", g_world);
  ASSERT_TRUE(whole.ok()) << whole.status();
  // Rank 1 alone is told to stop after step 7 (as a signal to one rank
  // would): both stop there, rank 0 checkpoints.
  auto stopped = TrainTiny("stopped", g_world, {}, g_world->rank() == 1 ? 7 : -1);
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_FALSE(stopped->finished);
  EXPECT_EQ(stopped->steps_done, 7) << "rank " << g_world->rank();
  if (g_world->rank() == 0) {
    auto k = LoadBundle(stopped->run_dir + "/checkpoint.ckpt");
    ASSERT_TRUE(k.ok()) << k.status();
    EXPECT_EQ(k->step(), 7);
  }
  g_world->Barrier();
  // Resuming: rank 0 reads the checkpoint and sends it; every rank goes on
  // from step 7 and the run ends with the uninterrupted run's bits.
  auto resumed = TrainTiny("stopped", g_world);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  ASSERT_TRUE(resumed->finished);
  EXPECT_EQ(resumed->results_json, whole->results_json) << "rank " << g_world->rank();
  if (g_world->rank() == 0) {
    Manifest m;
    ASSERT_TRUE(ReadJsonFile(resumed->run_dir + "/manifest.json", &m).ok());
    ASSERT_EQ(m.resumptions_size(), 1);
    EXPECT_EQ(m.resumptions(0).from_step(), 7);
    EXPECT_EQ(m.resumptions(0).ranks(), 2);
  }
  g_world->Barrier();
}

TEST_F(TrainMpiTest, ModelSelectionGivesEveryRankTheSelectedModel) {
  auto run = TrainTiny("selecting", g_world,
                       {"selection { metric: \"map_at_r\" } training { eval_every: 4 }"});
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_TRUE(run->finished);
  EXPECT_TRUE(run->results.has_selection());
  // Rank 1 evaluated the model rank 0 read from best.ckpt.
  EXPECT_EQ(run->results_json, RankZeros(run->results_json)) << "rank " << g_world->rank();
  g_world->Barrier();
}

TEST_F(TrainMpiTest, RankZerosFailureToStartReachesEveryRank) {
  // output_dir is a file: rank 0 cannot create the run folder.
  const std::string not_a_folder = Dir() + "/a_file";
  if (g_world->rank() == 0) {
    ASSERT_TRUE(WriteFileAtomically(not_a_folder, "x").ok());
  }
  g_world->Barrier();
  auto run = TrainTiny("failing", g_world, {absl::StrCat("output_dir: \"", not_a_folder, "\"")});
  ASSERT_FALSE(run.ok());
  if (g_world->rank() == 0) {
    EXPECT_NE(std::string(run.status().message()).find(not_a_folder), std::string::npos)
        << run.status();
  } else {
    EXPECT_EQ(run.status().code(), absl::StatusCode::kAborted);
    EXPECT_NE(std::string(run.status().message()).find("rank 0 could not start the run"),
              std::string::npos)
        << run.status();
  }
  g_world->Barrier();
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) {
  auto world = siamese::WorldCommunicator();
  if (!world.ok()) {
    std::fprintf(stderr, "%s\n", std::string(world.status().message()).c_str());
    return 1;
  }
  siamese::g_world = world->get();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
