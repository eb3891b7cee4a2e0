// Running a planned ablation (plan.h): every cell x seed in the plan's fixed
// order, each in a child process, and reading the finished runs back.
//
// A run is finished when its run folder's results.json exists and parses
// (the trainer writes it last, atomically); finished runs are skipped, so a
// killed ablation loses only the runs that were in progress: their folders
// lack results.json, and the next invocation redoes them, resuming from their
// checkpoints.
//
// Reproducibility: each run is independent and seeded, so the order and
// concurrency of runs never change a result. --jobs changes results only
// through the thread count of each run (see plan.h); the same jobs value
// always gives identical results.
#ifndef SIAMESE_FRAMEWORK_ABLATION_RUNNER_H_
#define SIAMESE_FRAMEWORK_ABLATION_RUNNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/ablation/plan.h"
#include "framework/ablation/summary.h"

namespace siamese {

struct RunnerOptions {
  // Runs at once (child processes). REQUIRES: the plan was made with the
  // same jobs value (it sets the thread count).
  int jobs = 1;
  // Progress lines on stderr ("[ablate] done D / running R / left L, ETA ...").
  bool verbose = true;
  // Progress lines of each run's trainer on stderr.
  bool train_verbose = false;
  // Recorded in each run's manifest.
  std::string command_line;
  // The runs RunAblation considers (indices into plan.runs, started in this
  // order); unset: every run of the plan. Finished runs among them are
  // skipped as usual. Spreading a plan over MPI ranks (cluster.h) gives each
  // rank its share here. REQUIRES: each index in [0, plan.runs.size()), no
  // index twice.
  std::optional<std::vector<int>> only_runs;
  // What progress and failure lines start with, in brackets: "[ablate] ...".
  // On MPI ranks it names the rank, so interleaved output stays readable.
  std::string tag = "ablate";
};

struct RunnerStats {
  int skipped = 0;      // already finished
  int ran = 0;          // run and finished now
  int failed = 0;       // child exited non-zero or was killed
  int interrupted = 0;  // stopped with a checkpoint by a signal to the runner
};

// True when run_dir/results.json exists and parses.
bool RunFinished(const std::string& run_dir);

// Runs every unfinished run of `plan` (of options.only_runs when set). A
// failed run is reported on stderr
// with its cell label, seed, run folder and the child's exit status, and the
// other runs go on; the result is an error when any run failed. SIGINT,
// SIGTERM or SIGHUP stop the ablation: running children are sent SIGTERM
// (they checkpoint and stop), none is started, and the result is Aborted;
// the next invocation resumes. Children also die (checkpointing) when the
// runner itself is killed. Each child has a process group of its own, so a
// signal to the runner's group (Ctrl-C, mpirun) reaches it once, from the
// runner; a signal sent to every process (SLURM stopping a job step) still
// reaches it twice, and train exits at once without a checkpoint.
// REQUIRES: no threads in the calling process (runs are fork()ed).
absl::StatusOr<RunnerStats> RunAblation(const AblationPlan& plan, const RunnerOptions& options);

// Re-runs `count` finished runs (evenly spaced over the plan's order) from
// scratch in folders under <plan.dir>/check.tmp and compares their
// results.json with the stored one byte for byte. Prints each comparison;
// returns the number of mismatches (and removes the temporary folders when
// there are none). Error when a re-run fails.
absl::StatusOr<int> CheckAblation(const AblationPlan& plan, int count,
                                  const RunnerOptions& options);

// The plan's cells with their finished runs (metrics from results.json,
// train_seconds from timing.json). Error when a run is not finished.
absl::StatusOr<std::vector<Cell>> CollectCells(const AblationPlan& plan);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_ABLATION_RUNNER_H_
