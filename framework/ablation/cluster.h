// Spreading an ablation's runs over a cluster, two ways (used by
// //experiments:ablate and :ablate_mpi):
//
//   MPI ranks        every rank takes RunsForRank() of the plan's unfinished
//                    runs and runs each whole (RunnerOptions::only_runs);
//                    rank 0 summarizes once every rank is done.
//   SLURM job array  SlurmArrayScript() is an sbatch script whose array
//                    task K runs planned run K (`ablate --run=K`); the
//                    summary is a separate step (`ablate --summarize`).
//
// Either way each run is the same experiment in the same run folder as in a
// local `ablate` (the plan alone decides both), and runs are independent and
// seeded, so the summary is identical to a local one, cell by cell. Both
// start from the unfinished runs, so a re-submission does only what is left.
#ifndef SIAMESE_FRAMEWORK_ABLATION_CLUSTER_H_
#define SIAMESE_FRAMEWORK_ABLATION_CLUSTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/ablation/plan.h"

namespace siamese {

// Indices of the runs of `plan` that are not finished (RunFinished in
// runner.h), in plan order.
std::vector<int> UnfinishedRuns(const AblationPlan& plan);

// Rank `rank`'s share of `unfinished`: every size-th entry starting at
// position rank (round-robin in the given order), so each entry goes to
// exactly one rank, ranks differ by at most one run, and neighbouring runs
// (a cell's seeds, which cost about the same) go to different ranks.
// Deterministic: every rank computes every share from the same list.
// REQUIRES: 0 <= rank < size.
std::vector<int> RunsForRank(const std::vector<int>& unfinished, int rank, int size);

// "0-3,5,7-8": the sorted indices as SLURM's --array list, consecutive ones
// as ranges. REQUIRES: `indices` sorted ascending, no duplicates.
std::string ArrayRanges(const std::vector<int>& indices);

// `s` as one bash word: in single quotes, each ' written as '\''. Words made
// only of [A-Za-z0-9_./=:,+%@-] are returned as they are.
std::string ShellQuote(const std::string& s);

// What an ablation's SLURM job array runs. Paths are absolute, because the
// tasks start on other machines (in working_dir, which must be visible
// there, as must the binary, the files and the ablation folder).
struct SlurmArrayJob {
  std::string ablation_name;  // the job is named "ablate-<name>"
  std::string ablation_dir;   // <output_dir>/<name>; logs go to <dir>/logs
  std::string binary;         // the ablate binary
  std::string config;         // the ablation file
  std::string working_dir;    // relative paths of the files resolve here
  std::vector<std::string> overrides;  // --set values, in order
  // The --jobs the plan was made with: it sets each run's thread count and
  // with it the run folders, so every task must plan with the same value.
  int jobs = 1;
  std::vector<int> runs;  // the array indices: planned runs, sorted ascending
  int total_runs = 0;     // runs in the plan (for the script's comment)
  // CPUs per array task: the largest thread count of `runs`.
  int cpus_per_task = 1;
};

// The words common to every command of the job, quoted:
// <binary> --config=<config> [--set=<override> ...] --jobs=<jobs>.
std::string AblateCommand(const SlurmArrayJob& job);

// The sbatch script: #SBATCH lines (job name, --array=ArrayRanges(runs),
// one task of cpus_per_task CPUs, output <ablation_dir>/logs/run-<K>-job
// <jobid>.out), then `cd working_dir` and AblateCommand --run=$SLURM_ARRAY_TASK_ID.
// Errors: InvalidArgument when `runs` is empty, or when ablation_dir holds
// whitespace or a quote (#SBATCH values cannot be quoted portably).
absl::StatusOr<std::string> SlurmArrayScript(const SlurmArrayJob& job);

// Shell commands that submit the script at `script_path` and then, once
// every array task succeeded (afterok), AblateCommand --summarize as a
// one-task job logging to <ablation_dir>/logs/summarize-<jobid>.out.
std::string SlurmSubmitCommands(const SlurmArrayJob& job, const std::string& script_path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_ABLATION_CLUSTER_H_
