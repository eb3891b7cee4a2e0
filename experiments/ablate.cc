// ablate: runs an ablation study (framework/proto/ablation.proto) and
// summarizes it.
//
//   bazel run -c opt //experiments:ablate --
//       --config=experiments/ablations/<name>.pbtxt [--jobs=N] [--check]
//       [--set='seeds: [1]' ...]
//
// Every cell x seed runs, in a fixed order, into <output_dir>/<name>/runs/
// <hash> (see framework/ablation/plan.h); finished runs (results.json
// present and intact) are skipped, so re-running a killed ablation redoes
// only the runs that were in progress, resuming from their checkpoints.
// --jobs=N runs N at once as child processes, each with max(1, threads / N)
// threads. The thread count changes numerics, so it is part of each run's
// experiment (and folder): --jobs changes results only through it, the same
// --jobs always gives identical results, and the order in which runs finish
// never matters (each run is independent and seeded).
// --check re-runs check_sample finished runs from scratch and compares their
// results.json byte for byte (exit status 1 on a mismatch).
// At the end, summary and report files are written into <output_dir>/<name>.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "experiments/cli.h"
#include "framework/ablation/plan.h"
#include "framework/ablation/runner.h"
#include "framework/ablation/summary.h"
#include "framework/io/run_dir.h"
#include "framework/report/report.h"
#include "framework/train/interrupt.h"

ABSL_FLAG(std::string, config, "", "ablation file (protobuf text format)");
ABSL_FLAG(int, jobs, 1, "runs at once (child processes); each gets max(1, threads / jobs) threads");
ABSL_FLAG(bool, check, false,
          "re-run check_sample finished runs from scratch and compare results.json byte for byte");
ABSL_FLAG(std::string, set, "",
          "an override of the ablation file in its text format, e.g. 'seeds: [1]'; repeat the "
          "flag for several, applied in order");

namespace siamese {
namespace {

// 75 (as train's) when a signal stopped the runs with checkpoints.
int Fail(const absl::Status& s) {
  std::fprintf(stderr, "ablate: %s\n", std::string(s.message()).c_str());
  return absl::IsAborted(s) ? kInterruptedExitStatus : 1;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Runs an ablation study: every cell x seed, then a summary.");
  const std::vector<std::string> overrides = ParseFlagsAndOverrides(argc, argv);
  if (absl::GetFlag(FLAGS_config).empty()) {
    std::fprintf(stderr, "ablate: --config=<ablation file> is required\n");
    return 2;
  }
  const int jobs = absl::GetFlag(FLAGS_jobs);
  if (jobs < 1) {
    std::fprintf(stderr, "ablate: --jobs must be >= 1, got %d\n", jobs);
    return 2;
  }
  auto path = ResolveUserPath(absl::GetFlag(FLAGS_config));
  if (!path.ok()) return Fail(path.status());
  auto plan = PlanAblation(*path, jobs, overrides);
  if (!plan.ok()) return Fail(plan.status());
  std::fprintf(stderr, "[ablate] %s: %zu cells x %d seeds = %zu runs in %s/runs\n",
               plan->name.c_str(), plan->cells.size(), plan->ablation.seeds_size(),
               plan->runs.size(), plan->dir.c_str());

  RunnerOptions options;
  options.jobs = jobs;
  std::vector<std::string> words(argv, argv + argc);
  options.command_line = absl::StrJoin(words, " ");
  auto stats = RunAblation(*plan, options);
  if (!stats.ok()) return Fail(stats.status());
  std::fprintf(stderr, "[ablate] %d runs done now, %d were already finished\n", stats->ran,
               stats->skipped);

  int status = 0;
  if (absl::GetFlag(FLAGS_check)) {
    auto mismatches = CheckAblation(*plan, plan->ablation.check_sample(), options);
    if (!mismatches.ok()) return Fail(mismatches.status());
    if (*mismatches > 0) {
      std::fprintf(stderr, "ablate: --check: %d of the re-run results differ (see above)\n",
                   *mismatches);
      status = 1;
    } else {
      std::fprintf(stderr, "[ablate] --check: every re-run result is identical\n");
    }
  }

  auto cells = CollectCells(*plan);
  if (!cells.ok()) return Fail(cells.status());
  if (absl::Status s = WriteSummary(plan->dir, plan->name, *cells, plan->metrics); !s.ok())
    return Fail(s);
  if (absl::Status s = WriteReport(plan->dir, plan->name, *cells, plan->metrics); !s.ok())
    return Fail(s);
  std::printf("ablation folder: %s\nsummary and report written there; runs in %s/runs\n",
              plan->dir.c_str(), plan->dir.c_str());
  return status;
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) { return siamese::Main(argc, argv); }
