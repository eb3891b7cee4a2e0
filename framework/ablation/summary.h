// The results of an ablation study (a grid of cells, each trained with
// several seeds) and their summary tables: summary.csv for tools and
// summary.md for people. Statistics are those of stats.h.
#ifndef SIAMESE_FRAMEWORK_ABLATION_SUMMARY_H_
#define SIAMESE_FRAMEWORK_ABLATION_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/ablation/stats.h"

namespace siamese {

struct CellRun {
  uint64_t seed = 0;
  std::map<std::string, double> metrics;  // keys of the run's results.json (numbers only)
  double train_seconds = 0;               // from timing.json
  std::string run_dir;  // holds metrics.jsonl, roc.tsv, test_embeddings.npy, test_labels.npy
};

struct Cell {
  std::string label;  // e.g. "loss=triplet miner=semi_hard"
  std::vector<std::pair<std::string, std::string>> axis_values;  // (axis, value label)
  bool is_base = false;       // the base cell (every axis at its first value)
  std::vector<CellRun> runs;  // one per seed
};

// Where every number comes from; the first paragraph of summary.md and
// report.html.
extern const char kProvenanceNote[];

// Whether a smaller value of `metric` is better: "eer" and names ending in
// "loss" or "seconds". Higher is better for every other metric.
bool LowerIsBetter(const std::string& metric);

// seed -> value of `metric` ("train_seconds" reads CellRun::train_seconds)
// over the runs of `cell` that report it.
std::map<uint64_t, double> MetricBySeed(const Cell& cell, const std::string& metric);

// Summarize() of MetricBySeed(cell, metric).
Estimate CellEstimate(const Cell& cell, const std::string& metric);

// The first cell with is_base, or nullptr.
const Cell* FindBaseCell(const std::vector<Cell>& cells);

// Indices of the cells whose mean of `metric` is the best (ties: all);
// empty when no cell reports the metric.
std::vector<size_t> BestCells(const std::vector<Cell>& cells, const std::string& metric);

// The listed metrics whose untrained-encoder value ("untrained_<metric>",
// results.json's "untrained") some run reports, in the given order.
std::vector<std::string> MetricsWithBaseline(const std::vector<Cell>& cells,
                                             const std::vector<std::string>& metrics);

// Per seed, the cell's `metric` minus its untrained encoder's, summarized
// with PairedDifference: the gain of training over the starting point.
Estimate GainOverUntrained(const Cell& cell, const std::string& metric);

// "0.8123 ± 0.0100 [0.7875, 0.8371]"; "n/a" parts where undefined.
std::string FormatMeanSdCi(const Estimate& e);
// "+0.0433 [-0.0084, 0.0950] (n=3)".
std::string FormatDifference(const Estimate& d);

// Writes summary.csv and summary.md in `dir` (which must exist), atomically.
// summary.csv: one row per cell: label, one column per axis, n_seeds, then
// per metric <m>_mean, <m>_sd, <m>_ci95_low, <m>_ci95_high, then
// train_seconds_mean, then per metric <m>_diff_mean, <m>_diff_ci_low,
// <m>_diff_ci_high (cell - base, paired by seed). Undefined values are
// "n/a". summary.md: the same as readable tables with the best cell per
// metric in bold, and the provenance note. Errors: I/O, naming the file.
absl::Status WriteSummary(const std::string& dir, const std::string& title,
                          const std::vector<Cell>& cells, const std::vector<std::string>& metrics);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_ABLATION_SUMMARY_H_
