// A week of unattended runs loses nothing: regression tests of issue 10's
// defects in the training floor (NaN weights, failed final evaluations,
// signals, a folder holding two experiments, concurrent runs, metrics after
// a resume, collapse, refused resumes, swapped data, stale temporaries).
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "framework/core/experiment_file.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/io/atomic_file.h"
#include "framework/io/idx.h"
#include "framework/io/run_dir.h"
#include "framework/records/records.h"
#include "framework/train/bundle.h"
#include "framework/train/checkpoint.h"
#include "framework/train/interrupt.h"
#include "framework/train/reliability_test.pb.h"
#include "framework/train/run_folder.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trained_model.h"
#include "framework/train/trainer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/optimizers/sgd/sgd.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

// An SGD whose update of step `at_step` writes NaN into its first
// parameter: weights going bad while the loss was finite.
class PoisonOptimizer : public Sgd {
 public:
  PoisonOptimizer(NamedVariables p, const SgdOptions& o, int at_step)
      : Sgd(std::move(p), o), at_step_(at_step) {}
  static absl::StatusOr<std::unique_ptr<Optimizer>> Create(const testing::PoisonParams& p,
                                                           const PluginContext& context) {
    SgdOptions o;
    o.learning_rate = context.learning_rate;
    return std::unique_ptr<Optimizer>(new PoisonOptimizer(context.parameters, o, p.at_step()));
  }

 protected:
  void Update(const FlatParam& p) override {
    Sgd::Update(p);
    if (p.step == at_step_) p.value[0] = std::nanf("");
  }
  // Poisons element 0 of what it is given: whole parameters only.
  bool ElementwiseUpdate() const override { return false; }

 private:
  int at_step_;
};
SIAMESE_REGISTER_PLUGIN(Optimizer, "test_poison", siamese::testing::poison, testing::PoisonParams,
                        "test only", &PoisonOptimizer::Create);

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

class ReliabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/train", 40, 1).ok());
    ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/test", 20, 2).ok());
  }
  absl::StatusOr<TrainResult> Run(const std::string& name, std::vector<std::string> overrides,
                                  int64_t stop_after_step = -1) {
    auto file = ExperimentFile::Parse("reliability.pbtxt",
                                      testing_train::TinyExperiment(TmpDir(), name), overrides);
    if (!file.ok()) return file.status();
    TrainOptions options;
    options.verbose = false;
    options.stop_after_step = stop_after_step;
    return Train(**file, options);
  }
  std::string Dir(const std::string& name) { return TmpDir() + "/runs/" + name; }
};

// Defect 1: a checkpoint with NaN weights replaced the last good one.
TEST_F(ReliabilityTest, NonFiniteWeightsNeverReachACheckpoint) {
  auto r =
      Run("nan", {R"(optimizer { name: "test_poison" [siamese.testing.poison] { at_step: 5 } })",
                  "training { checkpoint_every: 1 }"});
  ASSERT_FALSE(r.ok());
  const std::string message(r.status().message());
  EXPECT_THAT(message, HasSubstr("step 4: parameter \"conv0.weight\" is nan after the update"));
  EXPECT_THAT(message, HasSubstr("step 4) is intact"));
  auto ckpt = LoadBundle(Dir("nan") + "/checkpoint.ckpt");
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  EXPECT_EQ(ckpt->step(), 4);
  EXPECT_TRUE(TrainedModel::Load(Dir("nan") + "/checkpoint.ckpt").ok());
  // And a checkpoint holding NaN (written by anything) is refused by embed
  // and verify, naming the tensor.
  ckpt->mutable_parameters(0)->set_values(3, std::nanf(""));
  ASSERT_TRUE(WriteCheckpoint(TmpDir() + "/nan.ckpt", *ckpt).ok());
  auto model = TrainedModel::Load(TmpDir() + "/nan.ckpt");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(std::string(model.status().message()),
              HasSubstr("encoder tensor \"conv0.weight\" holds nan at element 3"));
  // A run that goes bad before its first checkpoint says there is none.
  auto early =
      Run("nan_early",
          {R"(optimizer { name: "test_poison" [siamese.testing.poison] { at_step: 1 } })"});
  ASSERT_FALSE(early.ok());
  EXPECT_THAT(std::string(early.status().message()), HasSubstr("No checkpoint was written"));
}

// Defect 2: a failure in the final evaluation threw the whole run away.
TEST_F(ReliabilityTest, AFailedFinalEvaluationKeepsTheTrainedModel) {
  // 50-way episodes on a 4-class test split fail; with the untrained
  // baseline off, only the final evaluation notices.
  const std::vector<std::string> bad = {
      "evaluation { untrained_baseline: false few_shot { ways: 50 } }"};
  auto r = Run("evalfail", bad);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("The trained model is saved in"));
  auto ckpt = LoadBundle(Dir("evalfail") + "/checkpoint.ckpt");
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  EXPECT_EQ(ckpt->step(), 24);  // 8 batches x 3 epochs
  // Fixed evaluation settings: no step is trained again.
  auto fixed = Run("evalfail", {"evaluation { untrained_baseline: false few_shot { ways: 2 } }"});
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_TRUE(fixed->finished);
  Timing timing;
  ASSERT_TRUE(ReadJsonFile(Dir("evalfail") + "/timing.json", &timing).ok());
  EXPECT_EQ(timing.resumed_from_step(), 24);
  // With the baseline on (the default), the bad setting fails before training.
  auto early = Run("evalfail_early", {"evaluation { few_shot { ways: 50 } }"});
  ASSERT_FALSE(early.ok());
  EXPECT_THAT(std::string(early.status().message()), HasSubstr("evaluating the untrained encoder"));
  EXPECT_FALSE(std::filesystem::exists(Dir("evalfail_early") + "/checkpoint.ckpt"));
}

// Defect 2: test examples of another size than the training ones aborted
// after training.
TEST_F(ReliabilityTest, TestImagesOfAnotherSizeAreRefusedBeforeTraining) {
  IdxArray labels{{4}, {0, 1, 2, 3}};
  IdxArray images{{4, 10, 10}, std::vector<uint8_t>(400, 7)};
  ASSERT_TRUE(WriteIdx(TmpDir() + "/big-images.idx", images).ok());
  ASSERT_TRUE(WriteIdx(TmpDir() + "/big-labels.idx", labels).ok());
  auto file = ExperimentFile::Parse(
      "reliability.pbtxt", absl::StrReplaceAll(testing_train::TinyExperiment(TmpDir(), "bigtest"),
                                               {{"/test-images.idx", "/big-images.idx"},
                                                {"/test-labels.idx", "/big-labels.idx"}}));
  ASSERT_TRUE(file.ok()) << file.status();
  TrainOptions options;
  options.verbose = false;
  auto r = Train(**file, options);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("the test split's examples have shape [1, 10, 10] but the training "
                        "split's have [1, 8, 8]"));
}

// Batch-hard mining that also sends this process SIGTERM `g_signal_count`
// times at step `g_signal_at_step` (-1: never): a scheduler's preemption at
// a known point.
int g_signal_at_step = -1;
int g_signal_count = 1;
bool g_sigterm_blocked_while_computing = false;

// Sends SIGTERM to the process, as kill(1) and a scheduler do, and waits
// until the interrupt observer's thread has taken it (no longer pending) and
// acted on it.
void SendSigtermAndWaitUntilTaken() {
  kill(getpid(), SIGTERM);
  for (int i = 0; i < 5000; ++i) {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGTERM) != 1) break;
    usleep(1000);
  }
  usleep(50 * 1000);
}
class SignalingMiner : public Miner {
 public:
  static absl::StatusOr<std::unique_ptr<Miner>> Create(const testing::SignalingMinerParams&,
                                                       const PluginContext&) {
    return std::unique_ptr<Miner>(new SignalingMiner);
  }
  TupleKind output() const override { return TupleKind::kTriplets; }
  Tuples Mine(const MinerInput& in) override {
    sigset_t mask;
    pthread_sigmask(SIG_BLOCK, nullptr, &mask);
    g_sigterm_blocked_while_computing = sigismember(&mask, SIGTERM) == 1;
    if (in.step == g_signal_at_step) {
      for (int i = 0; i < g_signal_count; ++i) SendSigtermAndWaitUntilTaken();
    }
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    const float* d = in.distances->data();
    Triplets t;
    for (int64_t a = 0; a < n; ++a) {
      int64_t hp = -1, hn = -1;
      for (int64_t j = 0; j < n; ++j) {
        if (j == a) continue;
        if (labels[j] == labels[a]) {
          if (hp < 0 || d[a * n + j] > d[a * n + hp]) hp = j;
        } else if (hn < 0 || d[a * n + j] < d[a * n + hn]) {
          hn = j;
        }
      }
      if (hp < 0 || hn < 0) continue;
      t.anchors.push_back(a);
      t.positives.push_back(hp);
      t.negatives.push_back(hn);
    }
    return t;
  }
};
SIAMESE_REGISTER_PLUGIN(Miner, "test_signaling", siamese::testing::signaling,
                        testing::SignalingMinerParams, "test only", &SignalingMiner::Create);

// Defect 3: SIGINT, SIGTERM and SIGHUP killed the run at once.
TEST_F(ReliabilityTest, ASignalEndsTrainingWithACheckpointAndTheRunResumesExactly) {
  const std::vector<std::string> o = {R"(miner { name: "test_signaling" })"};
  g_signal_at_step = -1;
  auto whole = Run("signal_whole", o);
  ASSERT_TRUE(whole.ok()) << whole.status();
  g_signal_at_step = 6;  // during step 7 (0-based 6)
  auto stopped = Run("signal", o);
  g_signal_at_step = -1;
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_FALSE(stopped->finished);
  EXPECT_EQ(stopped->interrupted_by, SIGTERM);
  EXPECT_EQ(stopped->steps_done, 7);  // the step in progress finished
  // The signal never interrupted the computing thread: a handler running
  // inside oneDNN's kernels corrupted the heap (see interrupt.h).
  EXPECT_TRUE(g_sigterm_blocked_while_computing);
  auto ckpt = LoadBundle(Dir("signal") + "/checkpoint.ckpt");
  ASSERT_TRUE(ckpt.ok());
  EXPECT_EQ(ckpt->step(), 7);
  auto resumed = Run("signal", o);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->results_json, whole->results_json);
  // The handlers are gone with the run: SIGTERM's disposition is back.
  struct sigaction now;
  sigaction(SIGTERM, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
}

TEST_F(ReliabilityTest, ASecondSignalExitsAtOnce) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    g_signal_at_step = 2;
    g_signal_count = 2;
    auto r = Run("signal_twice", {R"(miner { name: "test_signaling" })"});
    _exit(r.ok() ? 0 : 1);  // not reached: the second signal exits
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
}

// Defect 4: a resume: false run that failed left its experiment beside the
// old run's results.
TEST_F(ReliabilityTest, AFreshStartClearsWhatTheFolderHeld) {
  ASSERT_TRUE(Run("two", {}).ok());
  ASSERT_TRUE(std::filesystem::exists(Dir("two") + "/results.json"));
  auto r =
      Run("two", {"training { resume: false }",
                  R"(optimizer { name: "test_poison" [siamese.testing.poison] { at_step: 3 } })"});
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(std::filesystem::exists(Dir("two") + "/results.json"));
  EXPECT_FALSE(std::filesystem::exists(Dir("two") + "/test_embeddings.npy"));
  auto text = ReadFile(Dir("two") + "/experiment.pbtxt");
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("test_poison"));
}

// Defect 5: nothing stopped two processes training into one folder.
TEST_F(ReliabilityTest, ALockedFolderIsRefused) {
  auto folder = RunFolder::Create(TmpDir() + "/runs", "locked");
  ASSERT_TRUE(folder.ok());
  ASSERT_TRUE(folder->Lock().ok());
  auto r = Run("locked", {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr(absl::StrCat("in use by another process (pid ", getpid(), ")")));
}

// Defect 6: metrics.jsonl was not cut back to the checkpoint's step.
TEST_F(ReliabilityTest, AResumedRunLogsEveryStepOnce) {
  const std::vector<std::string> o = {"training { log_every: 1 checkpoint_every: 0 }"};
  // The state a SIGKILL at step 7 leaves behind: metrics up to step 7, the
  // last checkpoint at step 4.
  ASSERT_TRUE(Run("metrics", o, 4).ok());
  const std::string ckpt = Dir("metrics") + "/checkpoint.ckpt";
  auto at4 = ReadFile(ckpt);
  ASSERT_TRUE(at4.ok());
  ASSERT_TRUE(Run("metrics", o, 7).ok());
  ASSERT_TRUE(WriteFileAtomically(ckpt, *at4).ok());
  auto done = Run("metrics", o);
  ASSERT_TRUE(done.ok()) << done.status();
  auto lines = ReadMetricsLines(Dir("metrics") + "/metrics.jsonl");
  ASSERT_TRUE(lines.ok());
  std::vector<int> train_steps;
  for (const MetricsLine& l : *lines) {
    if (l.split() == "train") train_steps.push_back(l.step());
  }
  ASSERT_EQ(train_steps.size(), 24u);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(train_steps[i], i + 1);
}

// Defect 7: a collapse passed silently.
TEST_F(ReliabilityTest, CollapseAndEmptyMiningAreReported) {
  // One class per batch: no negative, no triplet, a loss of 0 every step.
  auto none = Run("no_tuples", {"sampler { [siamese.pk] { k: 16 } }"});
  ASSERT_TRUE(none.ok()) << none.status();
  ASSERT_EQ(none->results.warnings_size(), 1);
  EXPECT_THAT(none->results.warnings(0), HasSubstr("no tuples were mined"));
  // SGD with lr * weight_decay = 1 replaces every weight by -1e-5 times its
  // gradient: the weights all but vanish and a batch's embeddings coincide.
  auto collapsed = Run(
      "collapse",
      {R"(optimizer { name: "sgd" learning_rate: 1e-5 [siamese.sgd] { momentum: 0 weight_decay: 1e5 } })",
       "encoder { [siamese.cnn] { l2_normalize: false } }"});
  ASSERT_TRUE(collapsed.ok()) << collapsed.status();
  bool collapse_reported = false;
  for (const std::string& w : collapsed->results.warnings()) {
    collapse_reported |= w.find("the embedding collapsed") != std::string::npos;
  }
  EXPECT_TRUE(collapse_reported);
  // A healthy run has none.
  auto fine = Run("healthy", {});
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->results.warnings_size(), 0);
}

// Defect 9: threads beyond the machine's cores ran slowly without a word.
TEST_F(ReliabilityTest, OversubscribedThreadsAreReported) {
  auto r = Run("threads", {"threads: 1000 training { epochs: 1 }"});
  ASSERT_TRUE(r.ok()) << r.status();
  bool found = false;
  for (const std::string& w : r->results.warnings())
    found |= w.find("oversubscribes") != std::string::npos;
  EXPECT_TRUE(found);
  auto knn = Run("knn", {"evaluation { knn_k: 500 }"});
  ASSERT_FALSE(knn.ok());
  EXPECT_THAT(std::string(knn.status().message()), HasSubstr("evaluation.knn_k: 500 neighbours"));
}

// Defect 10: a refused resume did not say what differs; a finished run
// could not be extended.
TEST_F(ReliabilityTest, RefusedResumeNamesTheSettingAndFinishedRunsExtend) {
  ASSERT_TRUE(Run("extend", {}).ok());
  auto other = Run("extend", {"seed: 4"});
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(std::string(other.status().message()),
              HasSubstr("the checkpoint's has \"seed: 3\", this one \"seed: 4\""));
  auto longer = Run("extend", {"training { epochs: 4 }"});
  ASSERT_TRUE(longer.ok()) << longer.status();
  EXPECT_TRUE(longer->finished);
  EXPECT_EQ(longer->steps_done, 32);
  Timing timing;
  ASSERT_TRUE(ReadJsonFile(Dir("extend") + "/timing.json", &timing).ok());
  EXPECT_EQ(timing.resumed_from_step(), 24);
}

// Defect 11: swapped data resumed silently; interrupted writes were never
// cleaned up.
TEST_F(ReliabilityTest, ChangedDataIsRefusedAndStaleTemporariesGo) {
  const std::string dir = TmpDir() + "/swap";
  ASSERT_TRUE(MakeDirs(dir).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/test", 20, 2).ok());
  auto file = ExperimentFile::Parse("swap.pbtxt", testing_train::TinyExperiment(dir, "swap"));
  ASSERT_TRUE(file.ok());
  TrainOptions stop;
  stop.verbose = false;
  stop.stop_after_step = 5;
  ASSERT_TRUE(Train(**file, stop).ok());
  const std::string run = dir + "/runs/swap";
  ASSERT_TRUE(WriteFileAtomically(run + "/checkpoint.ckpt.tmp.999999", "half a file").ok());
  // Other images, same shapes and labels.
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 7).ok());
  TrainOptions go;
  go.verbose = false;
  auto r = Train(**file, go);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("train-images.idx: the data file changed since the run started"));
  EXPECT_FALSE(std::filesystem::exists(run + "/checkpoint.ckpt.tmp.999999"));
  // embed and verify refuse it too.
  auto model = TrainedModel::Load(run + "/checkpoint.ckpt");
  ASSERT_TRUE(model.ok());
  auto data = LoadModelData(**model);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()), HasSubstr("the data file changed"));
}

}  // namespace
}  // namespace siamese
