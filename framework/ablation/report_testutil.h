// Synthetic ablation results for the report tests (testonly): run folders
// holding the files the trainer writes, with made-up but plausible values.
#ifndef SIAMESE_FRAMEWORK_ABLATION_REPORT_TESTUTIL_H_
#define SIAMESE_FRAMEWORK_ABLATION_REPORT_TESTUTIL_H_

#include <stdlib.h>

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/ablation/summary.h"
#include "framework/io/atomic_file.h"
#include "framework/io/npy.h"
#include "framework/io/run_dir.h"
#include "framework/io/tsv.h"
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
  std::string jsonl;
  for (int step = 10; step <= 200; step += 10) {
    absl::StrAppend(&jsonl, absl::StrFormat("{\"step\": %d, \"split\": \"train\", \"loss\": %.6g, "
                                            "\"learning_rate\": 0.01, \"images_per_s\": 900.0}\n",
                                            step, (1.0 - 0.3 * c) * std::exp(-step / 80.0) + 0.1));
    if (step % 50 == 0) {
      absl::StrAppend(&jsonl, absl::StrFormat("{\"step\": %d, \"split\": \"validation\", "
                                              "\"precision_at_1\": %.6g, \"r_precision\": %.6g, "
                                              "\"map_at_r\": %.6g}\n",
                                              step, quality * step / 200, 0.8 * quality * step / 200,
                                              0.6 * quality * step / 200));
    }
  }
  const std::string results = absl::StrFormat(
      "{\"split\": \"test\", \"precision_at_1\": %.6g, \"map_at_r\": %.6g, \"roc_auc\": %.6g, "
      "\"eer\": %.6g, \"threshold_source\": \"validation\"}",
      quality, 0.7 * quality, 0.5 + quality / 2.2, 0.5 - quality / 2.5);
  absl::StrAppend(&jsonl, "{\"step\": 200, ", results.substr(1), "\n");
  EXPECT_TRUE(WriteFileAtomically(dir + "/metrics.jsonl", jsonl).ok());
  EXPECT_TRUE(WriteFileAtomically(dir + "/results.json", results + "\n").ok());
  EXPECT_TRUE(WriteFileAtomically(dir + "/timing.json",
                                  "{\"train_seconds\": 12.50, \"steps\": 200, \"resumed_from_step\": 0}\n")
                  .ok());
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
  EXPECT_TRUE(WriteNpy(dir + "/test_embeddings.npy", emb.data(), {kClasses * kPerClass, kDim}).ok());
  EXPECT_TRUE(WriteNpyInt64(dir + "/test_labels.npy", labels.data(), {kClasses * kPerClass}).ok());

  CellRun run;
  run.seed = seed;
  auto parsed = ParseResultsJson(results, dir + "/results.json");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (parsed.ok()) run.metrics = *parsed;
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
      cell.runs.push_back(
          WriteSyntheticRun(absl::StrCat(root, "/cell", c, "/seed", s), c, static_cast<uint64_t>(s)));
    }
    cells.push_back(cell);
  }
  return cells;
}

}  // namespace ablation_testing
}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_ABLATION_REPORT_TESTUTIL_H_
