#include "framework/ablation/cluster.h"

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(RunsForRankTest, RoundRobinInTheGivenOrder) {
  const std::vector<int> unfinished = {0, 2, 3, 5, 8, 9, 10};
  EXPECT_EQ(RunsForRank(unfinished, 0, 3), (std::vector<int>{0, 5, 10}));
  EXPECT_EQ(RunsForRank(unfinished, 1, 3), (std::vector<int>{2, 8}));
  EXPECT_EQ(RunsForRank(unfinished, 2, 3), (std::vector<int>{3, 9}));
  EXPECT_EQ(RunsForRank(unfinished, 0, 1), unfinished);
}

TEST(RunsForRankTest, EveryRunExactlyOnceAndDeterministic) {
  const std::vector<int> unfinished = {1, 4, 6, 7, 11, 12, 13, 20, 21};
  for (int size = 1; size <= 12; ++size) {
    std::multiset<int> seen;
    size_t largest = 0, smallest = unfinished.size();
    for (int rank = 0; rank < size; ++rank) {
      const std::vector<int> mine = RunsForRank(unfinished, rank, size);
      EXPECT_EQ(mine, RunsForRank(unfinished, rank, size));
      // In plan order within a rank.
      EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
      seen.insert(mine.begin(), mine.end());
      largest = std::max(largest, mine.size());
      smallest = std::min(smallest, mine.size());
    }
    EXPECT_EQ(seen, std::multiset<int>(unfinished.begin(), unfinished.end())) << size << " ranks";
    EXPECT_LE(largest - smallest, 1u) << size << " ranks";
  }
  // More ranks than runs: the last ones have nothing to do.
  EXPECT_TRUE(RunsForRank({3, 4}, 2, 4).empty());
  EXPECT_TRUE(RunsForRank({}, 0, 2).empty());
}

TEST(ArrayRangesTest, ConsecutiveIndicesBecomeRanges) {
  EXPECT_EQ(ArrayRanges({0, 1, 2, 3, 5, 7, 8}), "0-3,5,7-8");
  EXPECT_EQ(ArrayRanges({4}), "4");
  EXPECT_EQ(ArrayRanges({4, 6, 8}), "4,6,8");
  EXPECT_EQ(ArrayRanges({}), "");
}

TEST(ShellQuoteTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(ShellQuote("--jobs=2"), "--jobs=2");
  EXPECT_EQ(ShellQuote("/a/b.c"), "/a/b.c");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
}

// The standard output of bash running `script` (from a file, so that any
// quoting can be checked).
std::string RunBash(const std::string& script) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/script.sh";
  FILE* f = fopen(path.c_str(), "w");
  if (f == nullptr) return "(cannot write " + path + ")";
  fputs(script.c_str(), f);
  fclose(f);
  FILE* pipe = popen(("bash " + path).c_str(), "r");
  if (pipe == nullptr) return "(popen failed)";
  std::string out;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
  pclose(pipe);
  return out;
}

TEST(ShellQuoteTest, BashReadsBackTheSameWords) {
  const std::vector<std::string> words = {"plain", "two words", "it's", "a \"b\" 'c'",
                                          "$x `y` \\z", "", "seeds: [1, 2]"};
  std::string line = "printf '<%s>\\n'", expected;
  for (const std::string& w : words) {
    line += " " + ShellQuote(w);
    expected += "<" + w + ">\n";
  }
  EXPECT_EQ(RunBash(line), expected);
}

SlurmArrayJob TinyJob() {
  SlurmArrayJob job;
  job.ablation_name = "tiny grid";
  job.ablation_dir = "/scratch/out/tiny";
  job.binary = "/home/u/siamese/bazel-bin/experiments/ablate";
  job.config = "/home/u/siamese/experiments/ablations/tiny.pbtxt";
  job.working_dir = "/home/u/siamese";
  job.overrides = {"seeds: [1, 2]", "name: \"Bob's run\""};
  job.jobs = 2;
  job.runs = {0, 1, 2, 5, 7};
  job.total_runs = 8;
  job.cpus_per_task = 4;
  return job;
}

TEST(SlurmArrayScriptTest, ExactText) {
  auto script = SlurmArrayScript(TinyJob());
  ASSERT_TRUE(script.ok()) << script.status();
  const std::string command =
      "/home/u/siamese/bazel-bin/experiments/ablate "
      "--config=/home/u/siamese/experiments/ablations/tiny.pbtxt "
      "'--set=seeds: [1, 2]' '--set=name: \"Bob'\\''s run\"' --jobs=2";
  EXPECT_EQ(*script,
            "#!/bin/bash\n"
            "# SLURM job array of the ablation \"tiny grid\", written by `ablate --slurm_script`.\n"
            "# Array task K runs planned run K (`ablate --run=K`); the array lists the 5 of 8\n"
            "# runs that were unfinished when this was written. Each task exits 0 (the run\n"
            "# finished, or already had), 1 (it failed) or 75 (a signal stopped it with a\n"
            "# checkpoint). Writing the script again lists what is still unfinished, and\n"
            "# resubmitting resumes interrupted runs from their checkpoints.\n"
            "# Once every task succeeded, the summary and report:\n"
            "#   " + command + " --summarize\n"
            "#SBATCH --job-name=ablate-tiny_grid\n"
            "#SBATCH --array=0-2,5,7\n"
            "#SBATCH --ntasks=1\n"
            "#SBATCH --cpus-per-task=4\n"
            "#SBATCH --output=/scratch/out/tiny/logs/run-%a-job%A.out\n"
            "set -eu\n"
            "cd /home/u/siamese\n"
            "exec " + command + " \"--run=${SLURM_ARRAY_TASK_ID}\"\n");
}

TEST(SlurmArrayScriptTest, TheTaskCommandReachesAblateWordForWord) {
  // The script as SLURM runs it, with the task id set and `exec` replaced by
  // an argument printer (and `cd` by a no-op).
  auto script = SlurmArrayScript(TinyJob());
  ASSERT_TRUE(script.ok());
  EXPECT_EQ(RunBash("SLURM_ARRAY_TASK_ID=5\ncd() { :; }\nexec() { printf '<%s>\\n' \"$@\"; }\n" +
                    *script),
            "</home/u/siamese/bazel-bin/experiments/ablate>\n"
            "<--config=/home/u/siamese/experiments/ablations/tiny.pbtxt>\n"
            "<--set=seeds: [1, 2]>\n"
            "<--set=name: \"Bob's run\">\n"
            "<--jobs=2>\n"
            "<--run=5>\n");
}

TEST(SlurmArrayScriptTest, Errors) {
  SlurmArrayJob job = TinyJob();
  job.runs.clear();
  auto none = SlurmArrayScript(job);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(),
            "every run of ablation \"tiny grid\" is finished: no job array to write (run "
            "`ablate --summarize`)");
  job = TinyJob();
  job.ablation_dir = "/scratch/my out/tiny";
  auto spaced = SlurmArrayScript(job);
  ASSERT_FALSE(spaced.ok());
  EXPECT_NE(spaced.status().message().find("\"/scratch/my out/tiny\" holds a space"),
            std::string::npos)
      << spaced.status();
}

TEST(SlurmSubmitCommandsTest, ArrayThenSummaryAfterEveryTask) {
  EXPECT_EQ(
      SlurmSubmitCommands(TinyJob(), "/home/u/tiny job.sh"),
      "jobid=$(sbatch --parsable '/home/u/tiny job.sh') &&\n"
      "  sbatch --dependency=afterok:${jobid%%;*} --job-name=ablate-tiny_grid-summary "
      "--ntasks=1 --chdir=/home/u/siamese --output=/scratch/out/tiny/logs/summarize-%j.out "
      "--wrap='/home/u/siamese/bazel-bin/experiments/ablate "
      "--config=/home/u/siamese/experiments/ablations/tiny.pbtxt "
      "'\\''--set=seeds: [1, 2]'\\'' '\\''--set=name: \"Bob'\\''\\'\\'''\\''s run\"'\\'' "
      "--jobs=2 --summarize'\n");
}

TEST(SlurmSubmitCommandsTest, BashPassesTheArrayJobIdAndTheSummaryCommand) {
  // sbatch stands in: the array submission prints "<id>;<cluster>" as
  // --parsable does, the second prints its arguments.
  const std::string out = RunBash(
      "sbatch() { if [[ $1 == --parsable ]]; then echo '42;cluster'; "
      "else printf '<%s>\\n' \"$@\"; fi; }\n" +
      SlurmSubmitCommands(TinyJob(), "/home/u/tiny job.sh"));
  EXPECT_EQ(out,
            "<--dependency=afterok:42>\n"
            "<--job-name=ablate-tiny_grid-summary>\n"
            "<--ntasks=1>\n"
            "<--chdir=/home/u/siamese>\n"
            "<--output=/scratch/out/tiny/logs/summarize-%j.out>\n"
            "<--wrap=" + AblateCommand(TinyJob()) + " --summarize>\n");
}

}  // namespace
}  // namespace siamese
