// Planning an ablation (framework/proto/ablation.proto): the ablation file is
// parsed and checked, its cells expanded, and every cell x seed resolved to
// an experiment and a run folder.
//
// Cells, in this fixed order:
//   grid           the cartesian product of the axes' values, first axis
//                  slowest (axis order, then value order);
//   one_at_a_time  the base cell (every axis at its first value), then for
//                  each axis in order, each of its other values with the
//                  remaining axes at their first.
// The base cell (every axis at its first value) has is_base set in both modes.
// A cell's label is "axis=value axis=value ..." in axis order.
//
// The experiment of (cell, seed) is the base experiment file (relative to
// the ablation file's folder) with, in order, the cell's value overrides in
// axis order, "seed: <s>", "threads: <k>" and
// "output_dir: \"<ablation folder>/runs\"" merged in (replace semantics of
// ExperimentFile), where k = max(1, threads of the cell's experiment / jobs):
// the thread count changes numerics, so it is part of the experiment.
// Its run folder is <ablation folder>/runs/<hash>, hash = the first 12 hex
// characters of SHA-256 of the resolved experiment text with name and
// output_dir cleared (so the seed, the thread count and every setting count;
// where the ablation is written does not). The experiment's name is the hash.
// The ablation folder is <output_dir>/<name> (output_dir resolved with
// ResolveUserPath; name defaults to the file name without extension).
//
// Errors name the ablation file, line and column, e.g.
//   ablations/x.pbtxt:9:21: axis "miner": label "all" appears twice
//   ablations/x.pbtxt:7:28: axis "miner", value "bad": override 1 (...):1:1: ...
#ifndef SIAMESE_FRAMEWORK_ABLATION_PLAN_H_
#define SIAMESE_FRAMEWORK_ABLATION_PLAN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/ablation/summary.h"
#include "framework/core/experiment_file.h"
#include "framework/proto/ablation.pb.h"

namespace siamese {

// One cell x seed.
struct PlannedRun {
  int cell = 0;  // index into AblationPlan::cells
  uint64_t seed = 0;
  std::string hash;     // the run folder's name (12 hex characters)
  std::string run_dir;  // <ablation folder>/runs/<hash>
  // The overrides merged into the base file, in order (the name last).
  std::vector<std::string> overrides;
  std::shared_ptr<const ExperimentFile> experiment;
};

struct AblationPlan {
  Ablation ablation;                 // as parsed, with overrides merged
  std::string name;                  // ablation.name() or the file's stem
  std::string base_path;             // the base experiment file, resolved
  std::string dir;                   // <output_dir>/<name>
  std::vector<Cell> cells;           // runs empty
  std::vector<PlannedRun> runs;      // cell-major, seeds in file order
  std::vector<std::string> metrics;  // ablation.metrics() or the defaults
};

// The metrics summarized when the ablation file names none.
std::vector<std::string> DefaultAblationMetrics();

// Plans the ablation file at `path` (used as given; callers resolve user
// paths). `overrides` are text-format fragments of an Ablation merged into
// the file in order (replace semantics). REQUIRES: jobs >= 1.
absl::StatusOr<AblationPlan> PlanAblation(const std::string& path, int jobs = 1,
                                          const std::vector<std::string>& overrides = {});

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_ABLATION_PLAN_H_
