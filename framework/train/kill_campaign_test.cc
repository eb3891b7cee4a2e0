// The kill campaign: a short run is killed over and over at random points
// (loading data, training steps, checkpoint writes, evaluation, writing the
// results), with SIGKILL or SIGTERM, and resumed each time; it must end
// with the results.json of an uninterrupted run, byte for byte, and a
// metrics.jsonl that logs every step once.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "framework/core/experiment_file.h"
#include "framework/io/atomic_file.h"
#include "framework/records/records.h"
#include "framework/tensor/rng.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trainer.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// Trains `name` in a child process (this process never starts threads, so
// forking stays safe) and returns the child's pid.
pid_t StartRun(const std::string& name) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  auto file = ExperimentFile::Parse(
      "kill.pbtxt", testing_train::TinyExperiment(TmpDir(), name),
      {"training { epochs: 40 log_every: 1 eval_every: 20 checkpoint_every: 5 }"});
  if (!file.ok()) _exit(3);
  TrainOptions options;
  options.verbose = false;
  auto r = Train(**file, options);
  if (!r.ok()) std::fprintf(stderr, "run failed: %s\n", std::string(r.status().message()).c_str());
  std::fflush(stderr);
  if (r.ok() && r->interrupted_by != 0) _exit(75);  // stopped by SIGTERM, checkpointed
  _exit(r.ok() && r->finished ? 0 : 1);
}

// Runs to the end without interruption; the exit status.
int RunToEnd(const std::string& name) {
  int status = 0;
  waitpid(StartRun(name), &status, 0);
  return status;
}

TEST(KillCampaignTest, HundredsOfKillsEndLikeAnUninterruptedRun) {
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/train", 40, 1).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/test", 20, 2).ok());
  // The reference, and how long a whole run takes here.
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(RunToEnd("reference"), 0);
  const double whole = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto reference = ReadFile(TmpDir() + "/runs/reference/results.json");
  ASSERT_TRUE(reference.ok());

  // Campaigns of kills on fresh folders until 300 kills: each campaign ends
  // when its run finishes (or, after 100 kills, is let finish).
  Rng rng(2026);
  std::map<std::string, int> outcomes;
  int kills = 0;
  for (int campaign = 0; kills < 300 && campaign < 40; ++campaign) {
    const std::string name = absl::StrCat("killed", campaign);
    const std::string dir = TmpDir() + "/runs/" + name;
    for (int attempt = 0; attempt < 100 && access((dir + "/results.json").c_str(), F_OK) != 0;
         ++attempt) {
      const pid_t pid = StartRun(name);
      // Somewhere in the first tenth of a whole run's time: loading the
      // data, evaluating the untrained encoder, a step, a checkpoint write,
      // the final evaluation, the results.
      usleep(static_cast<useconds_t>(rng.Uniform(0.0f, 0.1f) * whole * 1e6));
      const bool hard = rng.Uniform() < 0.6f;
      kill(pid, hard ? SIGKILL : SIGTERM);
      ++kills;
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      if (WIFSIGNALED(status)) {
        ++outcomes[absl::StrCat("killed by signal ", WTERMSIG(status))];
      } else {
        ++outcomes[absl::StrCat("exit ", WEXITSTATUS(status))];
        // 0: it finished first; 75: SIGTERM, checkpointed.
        ASSERT_TRUE(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 75) << WEXITSTATUS(status);
      }
    }
    if (access((dir + "/results.json").c_str(), F_OK) != 0) {
      ASSERT_EQ(RunToEnd(name), 0);
    }
    auto got = ReadFile(dir + "/results.json");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, *reference) << name;
    auto lines = ReadMetricsLines(dir + "/metrics.jsonl");
    ASSERT_TRUE(lines.ok()) << lines.status();
    std::map<std::string, std::vector<int>> steps;
    for (const MetricsLine& l : *lines) steps[l.split()].push_back(l.step());
    ASSERT_EQ(steps["train"].size(), 320u) << name;
    for (int i = 0; i < 320; ++i) EXPECT_EQ(steps["train"][i], i + 1) << name;
    std::vector<int> validation;
    for (int s = 20; s <= 320; s += 20) validation.push_back(s);
    EXPECT_EQ(steps["validation"], validation) << name;
    EXPECT_EQ(steps["untrained"], std::vector<int>{0}) << name;
    EXPECT_EQ(steps["test"], std::vector<int>{320}) << name;
  }
  for (const auto& [what, n] : outcomes) std::printf("%s: %d\n", what.c_str(), n);
  EXPECT_GE(kills, 300);
}

}  // namespace
}  // namespace siamese
