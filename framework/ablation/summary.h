// Summaries of an ablation's runs: per-cell tables and a report.
//
// NOTE: this header carries the agreed declarations only; the implementation
// (summary.cc) is written by another change and replaces this file on merge.
#ifndef SIAMESE_FRAMEWORK_ABLATION_SUMMARY_H_
#define SIAMESE_FRAMEWORK_ABLATION_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace siamese {

// One finished run of a cell.
struct CellRun {
  uint64_t seed = 0;
  std::map<std::string, double> metrics;
  double train_seconds = 0;
  std::string run_dir;
};

// One cell of an ablation: a value per axis, run once per seed.
struct Cell {
  std::string label;
  std::vector<std::pair<std::string, std::string>> axis_values;
  bool is_base = false;
  std::vector<CellRun> runs;
};

// The numeric fields of a results.json object; errors name `path`.
absl::StatusOr<std::map<std::string, double>> ParseResultsJson(const std::string& text,
                                                               const std::string& path);

absl::Status WriteSummary(const std::string& dir, const std::string& title,
                          const std::vector<Cell>& cells, const std::vector<std::string>& metrics);

absl::Status WriteReport(const std::string& dir, const std::string& title,
                         const std::vector<Cell>& cells, const std::vector<std::string>& metrics);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_ABLATION_SUMMARY_H_
