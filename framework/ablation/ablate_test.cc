// End-to-end: a tiny 2 x 2 grid x 2 seeds ablation on synthetic data, run in
// child processes; a simulated kill and resumption; --jobs; --check.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "framework/ablation/plan.h"
#include "framework/ablation/runner.h"
#include "framework/ablation/summary.h"
#include "framework/io/atomic_file.h"
#include "framework/train/interrupt.h"
#include "framework/train/tiny_run_testutil.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

constexpr char kAblation[] = R"(name: "tiny"
base: "../configs/base.pbtxt"
mode: "grid"
seeds: [1, 2]
axis {
  name: "margin"
  value { label: "0.2" override: '' }
  value {
    label: "0.5"
    override: 'loss { [siamese.triplet] { margin: 0.5 } } miner { [siamese.semi_hard] { margin: 0.5 } }'
  }
}
axis {
  name: "miner"
  value { label: "semi_hard" override: '' }
  value { label: "all" override: 'miner { name: "all" }' }
}
metrics: ["precision_at_1", "map_at_r"]
check_sample: 2
)";

std::vector<std::string> AllResults(const AblationPlan& plan) {
  std::vector<std::string> out;
  for (const PlannedRun& run : plan.runs) {
    auto text = ReadFile(run.run_dir + "/results.json");
    out.push_back(text.ok() ? *text : "(missing)");
  }
  return out;
}

// summary.csv of the finished runs, with the (timing) train_seconds zeroed.
std::string Summary(const AblationPlan& plan, const std::string& dir) {
  auto cells = CollectCells(plan);
  EXPECT_TRUE(cells.ok()) << cells.status();
  if (!cells.ok()) return "";
  for (Cell& c : *cells) {
    EXPECT_EQ(c.runs.size(), 2u) << c.label;
    for (CellRun& r : c.runs) {
      EXPECT_EQ(r.metrics.count("precision_at_1"), 1u);
      r.train_seconds = 0;
    }
  }
  EXPECT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  EXPECT_TRUE(WriteSummary(dir, plan.name, *cells, plan.metrics).ok());
  auto text = ReadFile(dir + "/summary.csv");
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

TEST(AblateTest, RunsResumesAfterKillAndChecks) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/ablate";
  ASSERT_EQ(system(("mkdir -p " + dir + "/configs " + dir + "/ablations").c_str()), 0);
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/test", 20, 2).ok());
  const std::string base =
      absl::StrReplaceAll(testing_train::TinyExperiment(dir, "tiny"), {{"epochs: 3", "epochs: 1"}});
  ASSERT_TRUE(WriteFileAtomically(dir + "/configs/base.pbtxt", base).ok());
  const std::string path = dir + "/ablations/tiny.pbtxt";
  ASSERT_TRUE(
      WriteFileAtomically(path, absl::StrCat(kAblation, "output_dir: \"", dir, "/out\"\n")).ok());

  auto plan = PlanAblation(path);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->runs.size(), 8u);
  RunnerOptions options;
  options.verbose = true;
  auto first = RunAblation(*plan, options);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->ran, 8);
  EXPECT_EQ(first->skipped, 0);
  const std::vector<std::string> results = AllResults(*plan);
  for (const std::string& r : results) EXPECT_NE(r, "(missing)");
  const std::string uninterrupted = Summary(*plan, dir + "/summary_a");
  ASSERT_FALSE(uninterrupted.empty());

  // Nothing left to do.
  auto again = RunAblation(*plan, options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ran, 0);
  EXPECT_EQ(again->skipped, 8);

  // A kill while runs 2 and 5 were in progress leaves them without
  // results.json: only they are redone, and the results do not change.
  ASSERT_EQ(unlink((plan->runs[2].run_dir + "/results.json").c_str()), 0);
  ASSERT_EQ(unlink((plan->runs[5].run_dir + "/results.json").c_str()), 0);
  EXPECT_FALSE(RunFinished(plan->runs[2].run_dir));
  auto resumed = RunAblation(*plan, options);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->ran, 2);
  EXPECT_EQ(resumed->skipped, 6);
  EXPECT_EQ(AllResults(*plan), results);
  EXPECT_EQ(Summary(*plan, dir + "/summary_b"), uninterrupted);

  // Two at a time: base threads 1 / 2 -> 1, so the same experiments (same
  // folders) and the same numbers, whatever order the runs finish in.
  auto plan2 = PlanAblation(path, /*jobs=*/2);
  ASSERT_TRUE(plan2.ok());
  for (size_t i = 0; i < plan->runs.size(); ++i) EXPECT_EQ(plan2->runs[i].hash, plan->runs[i].hash);
  for (int i : {0, 3, 6}) ASSERT_EQ(unlink((plan->runs[i].run_dir + "/results.json").c_str()), 0);
  options.jobs = 2;
  auto parallel = RunAblation(*plan2, options);
  ASSERT_TRUE(parallel.ok()) << parallel.status();
  EXPECT_EQ(parallel->ran, 3);
  EXPECT_EQ(AllResults(*plan), results);

  // From scratch in a temporary folder: byte-identical results.json.
  auto mismatches = CheckAblation(*plan, 2, options);
  ASSERT_TRUE(mismatches.ok()) << mismatches.status();
  EXPECT_EQ(*mismatches, 0);
  // A tampered stored result (still a valid RunResults record, so the run
  // counts as finished) is reported.
  const std::string tampered = plan->runs[0].run_dir + "/results.json";
  ASSERT_TRUE(WriteFileAtomically(tampered, "{\"retrieval\": {\"precision_at_1\": 0.5}}\n").ok());
  auto bad = CheckAblation(*plan, 8, options);
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_EQ(*bad, 1);
}

// RunnerOptions::only_runs (one MPI rank's share): exactly those runs run,
// finished ones among them are skipped, the rest of the plan is untouched.
TEST(AblateTest, OnlyRunsRunsExactlyTheGivenRuns) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/subset";
  ASSERT_EQ(system(("mkdir -p " + dir + "/configs " + dir + "/ablations").c_str()), 0);
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/test", 20, 2).ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/configs/base.pbtxt",
                                  absl::StrReplaceAll(testing_train::TinyExperiment(dir, "x"),
                                                      {{"epochs: 3", "epochs: 1"}}))
                  .ok());
  const std::string path = dir + "/ablations/s.pbtxt";
  ASSERT_TRUE(WriteFileAtomically(path, absl::StrCat(R"(base: "../configs/base.pbtxt"
seeds: [1, 2]
axis {
  name: "miner"
  value { label: "semi_hard" override: '' }
  value { label: "all" override: 'miner { name: "all" }' }
}
output_dir: ")",
                                                     dir, "/out\"\n"))
                  .ok());
  auto plan = PlanAblation(path);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->runs.size(), 4u);
  RunnerOptions options;
  options.verbose = false;

  options.only_runs = std::vector<int>{};  // a rank with nothing to do
  auto none = RunAblation(*plan, options);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->ran, 0);
  EXPECT_EQ(none->skipped, 0);
  for (const PlannedRun& run : plan->runs) EXPECT_FALSE(RunFinished(run.run_dir));

  options.only_runs = std::vector<int>{3, 1};
  auto some = RunAblation(*plan, options);
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(some->ran, 2);
  EXPECT_EQ(some->skipped, 0);
  EXPECT_FALSE(RunFinished(plan->runs[0].run_dir));
  EXPECT_TRUE(RunFinished(plan->runs[1].run_dir));
  EXPECT_FALSE(RunFinished(plan->runs[2].run_dir));
  EXPECT_TRUE(RunFinished(plan->runs[3].run_dir));

  options.only_runs = std::vector<int>{1, 2};
  auto again = RunAblation(*plan, options);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->ran, 1);
  EXPECT_EQ(again->skipped, 1);
  EXPECT_TRUE(RunFinished(plan->runs[2].run_dir));
  EXPECT_FALSE(RunFinished(plan->runs[0].run_dir));

  options.only_runs = std::vector<int>{4};
  auto outside = RunAblation(*plan, options);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().message(), "run 4 is not in the plan (4 runs)");
}

TEST(AblateTest, FailedRunIsReportedWithItsCell) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/failing";
  ASSERT_EQ(system(("mkdir -p " + dir + "/configs " + dir + "/ablations").c_str()), 0);
  // No data files: every run fails when it loads the dataset.
  ASSERT_TRUE(
      WriteFileAtomically(dir + "/configs/base.pbtxt", testing_train::TinyExperiment(dir, "x"))
          .ok());
  const std::string path = dir + "/ablations/f.pbtxt";
  ASSERT_TRUE(WriteFileAtomically(path, absl::StrCat(R"(base: "../configs/base.pbtxt"
seeds: 4
axis { name: "miner" value { label: "all" override: 'miner { name: "all" }' } }
output_dir: ")",
                                                     dir, "/out\"\n"))
                  .ok());
  auto plan = PlanAblation(path);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->name, "f");
  RunnerOptions options;
  ::testing::internal::CaptureStderr();
  auto stats = RunAblation(*plan, options);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("1 of 1 runs failed"), std::string::npos)
      << stats.status();
  EXPECT_NE(err.find("[ablate] FAILED cell \"miner=all\" seed 4"), std::string::npos) << err;
  EXPECT_NE(err.find("exit status 1"), std::string::npos) << err;
}

// Issue 10: killing ablate orphaned its children, which kept training.
// Now a child dies with its runner, checkpointing first (SIGTERM).
TEST(AblateTest, KillingTheRunnerStopsItsChildrenWithACheckpoint) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/orphans";
  ASSERT_EQ(system(("mkdir -p " + dir + "/configs " + dir + "/ablations").c_str()), 0);
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/test", 20, 2).ok());
  // Long enough to be killed in the middle.
  ASSERT_TRUE(WriteFileAtomically(dir + "/configs/base.pbtxt",
                                  absl::StrReplaceAll(testing_train::TinyExperiment(dir, "x"),
                                                      {{"epochs: 3", "epochs: 20000"}}))
                  .ok());
  const std::string path = dir + "/ablations/o.pbtxt";
  ASSERT_TRUE(WriteFileAtomically(path, absl::StrCat(R"(base: "../configs/base.pbtxt"
seeds: 1
axis { name: "miner" value { label: "semi_hard" override: '' } }
output_dir: ")",
                                                     dir, "/out\"\n"))
                  .ok());
  auto plan = PlanAblation(path);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // Orphans are reparented to this process, which can then wait for them.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  const pid_t runner = fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    RunnerOptions options;
    options.verbose = false;
    _exit(RunAblation(*plan, options).ok() ? 0 : 1);
  }
  // The child training the run holds the run folder's lock, which names it.
  const std::string lock = plan->runs[0].run_dir + "/.lock";
  pid_t child = 0;
  for (int i = 0; i < 600 && child == 0; ++i) {
    usleep(50 * 1000);
    auto text = ReadFile(lock);
    if (text.ok() && !text->empty()) child = static_cast<pid_t>(std::atoi(text->c_str()));
  }
  ASSERT_GT(child, 0) << "the run never started";
  usleep(300 * 1000);  // a few steps
  ASSERT_EQ(kill(runner, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(runner, &status, 0), runner);
  ASSERT_EQ(waitpid(child, &status, 0), child);  // it ends by itself...
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), kInterruptedExitStatus);  // ...with a checkpoint
  EXPECT_EQ(access((plan->runs[0].run_dir + "/checkpoint.ckpt").c_str(), F_OK), 0);
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

}  // namespace
}  // namespace siamese
