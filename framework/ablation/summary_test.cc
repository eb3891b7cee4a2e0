#include "framework/ablation/summary.h"

#include <cmath>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "framework/io/atomic_file.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

CellRun MakeRun(uint64_t seed, double p1, double eer, double seconds) {
  CellRun r;
  r.seed = seed;
  r.metrics = {{"precision_at_1", p1}, {"eer", eer}};
  r.train_seconds = seconds;
  return r;
}

std::vector<Cell> TwoCells() {
  Cell base{"loss=contrastive",
            {{"loss", "contrastive"}},
            true,
            {MakeRun(1, 0.80, 0.20, 10), MakeRun(2, 0.70, 0.30, 12), MakeRun(3, 0.90, 0.10, 14),
             MakeRun(9, 0.50, 0.40, 16)}};
  Cell other{"loss=triplet, m|x",
             {{"loss", "triplet, m|x"}},
             false,
             {MakeRun(3, 0.96, 0.25, 20), MakeRun(1, 0.85, 0.35, 20), MakeRun(2, 0.72, 0.15, 20),
              MakeRun(7, 0.99, 0.45, 20)}};
  return {base, other};
}

TEST(SummaryTest, LowerIsBetterByName) {
  EXPECT_TRUE(LowerIsBetter("eer"));
  EXPECT_TRUE(LowerIsBetter("train_seconds"));
  EXPECT_FALSE(LowerIsBetter("precision_at_1"));
  EXPECT_FALSE(LowerIsBetter("roc_auc"));
}

TEST(SummaryTest, BestCellsHonourDirection) {
  const std::vector<Cell> cells = TwoCells();
  // precision_at_1 means: base 0.725, other 0.88 -> other. eer: base 0.25, other 0.30 -> base.
  EXPECT_EQ(BestCells(cells, "precision_at_1"), std::vector<size_t>{1});
  EXPECT_EQ(BestCells(cells, "eer"), std::vector<size_t>{0});
  EXPECT_TRUE(BestCells(cells, "absent").empty());
}

TEST(SummaryTest, WritesCsvAndMarkdown) {
  const std::string dir = ::testing::TempDir();
  const std::vector<Cell> cells = TwoCells();
  ASSERT_TRUE(WriteSummary(dir, "Loss ablation", cells, {"precision_at_1", "eer"}).ok());

  auto csv = ReadFile(dir + "/summary.csv");
  ASSERT_TRUE(csv.ok()) << csv.status();
  const std::vector<std::string> lines = absl::StrSplit(*csv, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "label,loss,n_seeds,precision_at_1_mean,precision_at_1_sd,precision_at_1_ci95_low,"
            "precision_at_1_ci95_high,eer_mean,eer_sd,eer_ci95_low,eer_ci95_high,"
            "train_seconds_mean,precision_at_1_diff_mean,precision_at_1_diff_ci_low,"
            "precision_at_1_diff_ci_high,eer_diff_mean,eer_diff_ci_low,eer_diff_ci_high");
  // Paired precision_at_1 differences over seeds 1, 2, 3 are 0.05, 0.02,
  // 0.06 (hand-computed in stats_test): mean 0.0433333, CI [-0.00837812, 0.0950448].
  // eer differences 0.15, -0.15, 0.15: mean 0.05, sd 0.173205,
  // half-width 4.302653 * 0.1 = 0.4302653.
  EXPECT_TRUE(absl::StartsWith(lines[2], "\"loss=triplet, m|x\",\"triplet, m|x\",4,0.88,"))
      << lines[2];
  EXPECT_TRUE(
      absl::EndsWith(lines[2], ",20,0.0433333,-0.00837812,0.0950448,0.05,-0.380265,0.480265"))
      << lines[2];
  EXPECT_TRUE(absl::StartsWith(lines[1], "loss=contrastive,contrastive,4,0.725,")) << lines[1];

  auto md = ReadFile(dir + "/summary.md");
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_TRUE(absl::StrContains(*md, kProvenanceNote));
  EXPECT_TRUE(absl::StrContains(*md, "# Loss ablation"));
  // Best precision_at_1 is the second cell, best (lowest) eer the base cell.
  EXPECT_TRUE(absl::StrContains(*md, "| loss=triplet, m\\|x | 4 | **0.8800 ± ")) << *md;
  EXPECT_TRUE(absl::StrContains(*md, "| **0.2500 ± 0.1291 [")) << *md;
  EXPECT_TRUE(absl::StrContains(*md, "| loss=contrastive (base) | 4 |")) << *md;
  EXPECT_TRUE(absl::StrContains(*md, "+0.0433 [-0.0084, 0.0950] (n=3)")) << *md;
}

TEST(SummaryTest, SingleSeedPrintsNotAvailable) {
  const std::string dir = ::testing::TempDir();
  std::vector<Cell> cells = {{"a", {{"loss", "a"}}, true, {MakeRun(1, 0.5, 0.5, 1)}}};
  ASSERT_TRUE(WriteSummary(dir, "t", cells, {"precision_at_1"}).ok());
  auto md = ReadFile(dir + "/summary.md");
  ASSERT_TRUE(md.ok());
  EXPECT_TRUE(absl::StrContains(*md, "0.5000 ± n/a [n/a, n/a]")) << *md;
  auto csv = ReadFile(dir + "/summary.csv");
  ASSERT_TRUE(csv.ok());
  EXPECT_TRUE(absl::StrContains(*csv, "a,a,1,0.5,n/a,n/a,n/a,1,0,n/a,n/a")) << *csv;
}

TEST(SummaryTest, GainOverTheUntrainedEncoderIsPairedBySeed) {
  std::vector<Cell> cells = TwoCells();
  // Untrained P@1 0.5 in every run of the base cell: the gain per seed is
  // 0.30, 0.20, 0.40, 0.00 -> mean 0.225.
  for (CellRun& r : cells[0].runs) r.metrics["untrained_precision_at_1"] = 0.5;
  EXPECT_EQ(MetricsWithBaseline(cells, {"eer", "precision_at_1"}),
            std::vector<std::string>{"precision_at_1"});
  const Estimate g = GainOverUntrained(cells[0], "precision_at_1");
  EXPECT_EQ(g.n, 4);
  EXPECT_NEAR(g.mean, 0.225, 1e-12);
  // The other cell has no baseline: no pairs.
  EXPECT_EQ(GainOverUntrained(cells[1], "precision_at_1").n, 0);
  const std::string dir = ::testing::TempDir();
  ASSERT_TRUE(WriteSummary(dir, "t", cells, {"precision_at_1", "eer"}).ok());
  auto md = ReadFile(dir + "/summary.md");
  ASSERT_TRUE(md.ok());
  EXPECT_TRUE(absl::StrContains(*md, "## Against the untrained encoder")) << *md;
  EXPECT_TRUE(absl::StrContains(*md, "| 0.5000 [0.5000, 0.5000] → +0.2250 [")) << *md;
  auto csv = ReadFile(dir + "/summary.csv");
  ASSERT_TRUE(csv.ok());
  EXPECT_TRUE(absl::StrContains(*csv, "precision_at_1_gain_mean")) << *csv;
}

}  // namespace
}  // namespace siamese
