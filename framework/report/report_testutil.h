// Synthetic ablation results for the report tests (testonly): run folders
// holding the files the trainer writes, with made-up but plausible values.
#ifndef SIAMESE_FRAMEWORK_REPORT_REPORT_TESTUTIL_H_
#define SIAMESE_FRAMEWORK_REPORT_REPORT_TESTUTIL_H_

#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/ablation/summary.h"
#include "framework/io/atomic_file.h"
#include "framework/io/npy.h"
#include "framework/io/run_dir.h"
#include "framework/io/tsv.h"
#include "framework/records/records.h"
#include "gtest/gtest.h"

namespace siamese {
namespace ablation_testing {

// A fresh directory under the test's temporary directory.
inline std::string NewTestDir(const std::string& stem) {
  std::string pattern = ::testing::TempDir();
  if (pattern.empty() || pattern.back() != '/') pattern += '/';
  pattern += stem + "_XXXXXX";
  EXPECT_NE(::mkdtemp(&pattern[0]), nullptr) << pattern;
  return pattern;
}

// Writes a run folder for (cell `c`, seed): metrics.jsonl with 20 train
// and 4 validation lines and the final test line, roc.tsv, and 3 classes x
// 40 test embeddings of dimension 8 around class-dependent centers.
inline CellRun WriteSyntheticRun(const std::string& dir, int c, uint64_t seed) {
  EXPECT_TRUE(MakeDirs(dir).ok()) << dir;
  const double quality = 0.6 + 0.15 * c + 0.01 * static_cast<double>(seed);
  const std::string metrics = dir + "/metrics.jsonl";
  std::remove(metrics.c_str());
  for (int step = 10; step <= 200; step += 10) {
    MetricsLine train;
    train.set_step(step);
    train.set_split("train");
    train.set_loss(static_cast<float>((1.0 - 0.3 * c) * std::exp(-step / 80.0) + 0.1));
    train.set_learning_rate(0.01f);
    train.set_images_per_second(900.0f);
    EXPECT_TRUE(AppendJsonLine(metrics, train).ok());
    if (step % 50 == 0) {
      MetricsLine validation;
      validation.set_step(step);
      validation.set_split("validation");
      validation.mutable_retrieval()->set_precision_at_1(quality * step / 200);
      validation.mutable_retrieval()->set_r_precision(0.8 * quality * step / 200);
      validation.mutable_retrieval()->set_map_at_r(0.6 * quality * step / 200);
      EXPECT_TRUE(AppendJsonLine(metrics, validation).ok());
    }
  }
  RunResults results;
  results.set_split("test");
  results.set_steps(200);
  results.mutable_retrieval()->set_precision_at_1(quality);
  results.mutable_retrieval()->set_map_at_r(0.7 * quality);
  results.mutable_verification()->set_roc_auc(0.5 + quality / 2.2);
  results.mutable_verification()->set_eer(0.5 - quality / 2.5);
  results.mutable_verification()->set_threshold_source("validation");
  MetricsLine test;
  test.set_step(200);
  test.set_split("test");
  *test.mutable_retrieval() = results.retrieval();
  *test.mutable_verification() = results.verification();
  EXPECT_TRUE(AppendJsonLine(metrics, test).ok());
  EXPECT_TRUE(WriteJsonFile(dir + "/results.json", results).ok());
  Timing timing;
  timing.set_train_seconds(12.5);
  timing.set_steps(200);
  EXPECT_TRUE(WriteJsonFile(dir + "/timing.json", timing).ok());
  std::vector<TsvRow> roc = {{"threshold", "far", "tar"}};
  for (int i = 0; i <= 40; ++i) {
    const double far = i == 0 ? 0 : std::pow(10.0, -4 + i / 10.0);
    const double tar = std::pow(std::min(far, 1.0), 1.0 - quality * 0.9);
    roc.push_back({absl::StrFormat("%.6g", 2.0 - i / 20.0), absl::StrFormat("%.6g", far),
                   absl::StrFormat("%.6g", tar)});
  }
  EXPECT_TRUE(WriteTsv(dir + "/roc.tsv", roc).ok());
  constexpr int kClasses = 3, kPerClass = 40, kDim = 8;
  std::vector<float> emb;
  std::vector<int64_t> labels;
  uint64_t state = seed * 7919 + static_cast<uint64_t>(c) + 1;
  auto noise = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
  };
  for (int k = 0; k < kClasses; ++k) {
    for (int i = 0; i < kPerClass; ++i) {
      for (int j = 0; j < kDim; ++j) {
        emb.push_back(static_cast<float>((j % kClasses == k ? 3.0 : 0.0) * quality + noise()));
      }
      labels.push_back(k + 7);
    }
  }
  EXPECT_TRUE(
      WriteNpy(dir + "/test_embeddings.npy", emb.data(), {kClasses * kPerClass, kDim}).ok());
  EXPECT_TRUE(WriteNpyInt64(dir + "/test_labels.npy", labels.data(), {kClasses * kPerClass}).ok());

  CellRun run;
  run.seed = seed;
  run.metrics = MetricValues(results);
  run.train_seconds = 12.5;
  run.run_dir = dir;
  return run;
}

// `num_cells` cells along one axis "loss" x `num_seeds` seeds (1, 2, ...);
// cell 0 is the base.
inline std::vector<Cell> SyntheticCells(const std::string& root, int num_cells, int num_seeds) {
  static const char* kLosses[] = {"contrastive", "triplet", "multi_similarity", "arcface"};
  std::vector<Cell> cells;
  for (int c = 0; c < num_cells; ++c) {
    Cell cell;
    const std::string value = kLosses[c % 4];
    cell.label = "loss=" + value;
    cell.axis_values = {{"loss", value}};
    cell.is_base = c == 0;
    for (int s = 1; s <= num_seeds; ++s) {
      cell.runs.push_back(WriteSyntheticRun(absl::StrCat(root, "/cell", c, "/seed", s), c,
                                            static_cast<uint64_t>(s)));
    }
    cells.push_back(cell);
  }
  return cells;
}

}  // namespace ablation_testing
}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_REPORT_REPORT_TESTUTIL_H_
