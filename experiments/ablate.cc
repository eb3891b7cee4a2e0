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
//
// On a cluster (framework/ablation/cluster.h):
//   mpirun -np R ablate_mpi --config=...   (ablate_mpi: this file linked with
//       MPI) spreads the unfinished runs over R ranks, each running its share
//       as above (--jobs at once per rank); rank 0 summarizes when all are
//       done. Exit status as ablate's, on every rank.
//   ablate --slurm_script=<file>  writes an sbatch job-array script with one
//       task per unfinished run, and prints how to submit it; runs nothing.
//   ablate --run=K      trains planned run K in this process (what an array
//       task does); exit status 0 (finished now or before), 1, or 75 (a
//       signal stopped it with a checkpoint), as train's.
//   ablate --summarize  writes the summary and report of a finished ablation
//       without running anything (error naming the unfinished runs).
// Every way runs the same experiments into the same folders, so the summary
// is the same as a local run's.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "experiments/cli.h"
#include "framework/ablation/cluster.h"
#include "framework/ablation/plan.h"
#include "framework/ablation/runner.h"
#include "framework/ablation/summary.h"
#include "framework/distributed/world.h"
#include "framework/io/atomic_file.h"
#include "framework/io/run_dir.h"
#include "framework/report/report.h"
#include "framework/train/interrupt.h"
#include "framework/train/trainer.h"

ABSL_FLAG(std::string, config, "", "ablation file (protobuf text format)");
ABSL_FLAG(int, jobs, 1, "runs at once (child processes); each gets max(1, threads / jobs) threads");
ABSL_FLAG(bool, check, false,
          "re-run check_sample finished runs from scratch and compare results.json byte for byte");
ABSL_FLAG(std::string, set, "",
          "an override of the ablation file in its text format, e.g. 'seeds: [1]'; repeat the "
          "flag for several, applied in order");
ABSL_FLAG(int, run, -1,
          "run only planned run K (0-based, the plan's order; a SLURM array task's id) and "
          "exit: 0 finished (now or before), 1 failed, 75 stopped by a signal with a checkpoint");
ABSL_FLAG(bool, summarize, false,
          "run nothing: write the summary and report of the finished runs (an error names the "
          "unfinished ones)");
ABSL_FLAG(std::string, slurm_script, "",
          "run nothing: write a SLURM sbatch script to this file, a job array with one task "
          "per unfinished run (--run=K), and print how to submit it and the summary after it");

namespace siamese {
namespace {

// 75 (as train's) when a signal stopped the runs with checkpoints.
int Fail(const absl::Status& s) {
  std::fprintf(stderr, "ablate: %s\n", std::string(s.message()).c_str());
  return absl::IsAborted(s) ? kInterruptedExitStatus : 1;
}

std::string Describe(const AblationPlan& plan, int k) {
  const PlannedRun& run = plan.runs[k];
  return absl::StrCat("run ", k, " (cell \"", plan.cells[run.cell].label, "\" seed ", run.seed,
                      ", ", run.run_dir, ")");
}

// --check, then the summary and report: what ablate does once every run is
// finished (on rank 0 alone under MPI).
int Finish(const AblationPlan& plan, const RunnerOptions& options) {
  int status = 0;
  if (absl::GetFlag(FLAGS_check)) {
    auto mismatches = CheckAblation(plan, plan.ablation.check_sample(), options);
    if (!mismatches.ok()) return Fail(mismatches.status());
    if (*mismatches > 0) {
      std::fprintf(stderr, "ablate: --check: %d of the re-run results differ (see above)\n",
                   *mismatches);
      status = 1;
    } else {
      std::fprintf(stderr, "[ablate] --check: every re-run result is identical\n");
    }
  }
  auto cells = CollectCells(plan);
  if (!cells.ok()) return Fail(cells.status());
  if (absl::Status s = WriteSummary(plan.dir, plan.name, *cells, plan.metrics); !s.ok())
    return Fail(s);
  if (absl::Status s = WriteReport(plan.dir, plan.name, *cells, plan.metrics); !s.ok())
    return Fail(s);
  std::printf("ablation folder: %s\nsummary and report written there; runs in %s/runs\n",
              plan.dir.c_str(), plan.dir.c_str());
  return status;
}

// --summarize: Finish() when every run is finished.
int Summarize(const AblationPlan& plan, const RunnerOptions& options) {
  const std::vector<int> unfinished = UnfinishedRuns(plan);
  if (unfinished.empty()) return Finish(plan, options);
  std::vector<std::string> named;
  for (int k : unfinished) {
    if (named.size() == 10) {
      named.push_back(absl::StrCat("and ", unfinished.size() - 10, " more"));
      break;
    }
    named.push_back(Describe(plan, k));
  }
  std::fprintf(stderr,
               "ablate: --summarize: %zu of %zu runs are not finished: %s; run them first "
               "(ablate without --summarize, or --run=K for each)\n",
               unfinished.size(), plan.runs.size(), absl::StrJoin(named, "; ").c_str());
  return 1;
}

// --run=K, in this process rather than a fork()ed child as RunAblation does:
// SLURM signals every process of a job step, and a child would get the
// signal twice (from SLURM and from this runner), which makes train exit
// without its checkpoint. A fresh process trains the run either way, so
// the results are the same as a local ablate's.
int RunOne(const AblationPlan& plan, int k, const RunnerOptions& options) {
  if (k < 0 || static_cast<size_t>(k) >= plan.runs.size()) {
    std::fprintf(stderr, "ablate: --run=%d: the plan has %zu runs, numbered from 0\n", k,
                 plan.runs.size());
    return 2;
  }
  const PlannedRun& run = plan.runs[k];
  if (RunFinished(run.run_dir)) {
    std::fprintf(stderr, "[ablate] %s was already finished\n", Describe(plan, k).c_str());
    return 0;
  }
  std::fprintf(stderr, "[ablate] start %s\n", Describe(plan, k).c_str());
  TrainOptions train;
  train.command_line = options.command_line;
  auto result = Train(*run.experiment, train);
  if (!result.ok()) {
    std::fprintf(stderr, "ablate: FAILED %s: %s\n", Describe(plan, k).c_str(),
                 std::string(result.status().message()).c_str());
    return 1;
  }
  if (!result->finished) {
    std::fprintf(stderr, "[ablate] stopped %s with a checkpoint; run it again to resume\n",
                 Describe(plan, k).c_str());
    return kInterruptedExitStatus;
  }
  std::fprintf(stderr, "[ablate] %s finished\n", Describe(plan, k).c_str());
  return 0;
}

// The ablate binary as the SLURM tasks should start it: argv[0] made
// absolute without resolving symlinks (bazel-bin/... stays valid across
// rebuilds), or the executable itself when argv[0] names no path.
std::string AbsoluteBinary(const char* argv0) {
  const std::string a = argv0;
  if (a.find('/') != std::string::npos) {
    return std::filesystem::absolute(a).lexically_normal().string();
  }
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? a : self.string();
}

// --slurm_script=<file>.
int WriteSlurmScript(const AblationPlan& plan, const std::string& config,
                     const std::vector<std::string>& overrides, int jobs, const char* argv0) {
  SlurmArrayJob job;
  job.ablation_name = plan.name;
  job.ablation_dir = plan.dir;
  job.binary = AbsoluteBinary(argv0);
  job.config = config;
  // Relative paths (output_dir, overrides) resolve where ResolveUserPath
  // resolves them for this invocation; the tasks start there.
  const char* bwd = std::getenv("BUILD_WORKING_DIRECTORY");
  job.working_dir =
      bwd != nullptr && *bwd != '\0' ? std::string(bwd) : std::filesystem::current_path().string();
  job.overrides = overrides;
  job.jobs = jobs;
  job.runs = UnfinishedRuns(plan);
  job.total_runs = static_cast<int>(plan.runs.size());
  for (int k : job.runs) {
    job.cpus_per_task = std::max(job.cpus_per_task, plan.runs[k].experiment->config().threads());
  }
  auto script = SlurmArrayScript(job);
  if (!script.ok()) return Fail(script.status());
  auto path = ResolveUserPath(absl::GetFlag(FLAGS_slurm_script));
  if (!path.ok()) return Fail(path.status());
  // SLURM does not create the folder of --output; a task whose log cannot
  // be opened fails without a word.
  if (absl::Status s = MakeDirs(plan.dir + "/logs"); !s.ok()) return Fail(s);
  if (absl::Status s = WriteFileAtomically(*path, *script); !s.ok()) return Fail(s);
  std::printf(
      "wrote %s: a SLURM job array of the %zu unfinished runs of %zu (%d CPUs per task); "
      "logs go to %s/logs\n"
      "submit it, and the summary once every task succeeded:\n%s",
      path->c_str(), job.runs.size(), plan.runs.size(), job.cpus_per_task, plan.dir.c_str(),
      SlurmSubmitCommands(job, *path).c_str());
  return 0;
}

// Each rank's `values` (the same count on every rank), in rank order.
std::vector<float> GatherFromRanks(Communicator& comm, const std::vector<float>& values) {
  std::vector<float> all(values.size() * comm.size());
  comm.AllGather(values.data(), std::vector<int64_t>(comm.size(), values.size()), all.data());
  return all;
}

// mpirun -np R ablate_mpi: every rank runs its RunsForRank() share of the
// unfinished runs; rank 0 then summarizes.
//
// Each run is still a fork()ed child, as in RunAblation locally: the child
// never touches MPI (it trains and leaves with _exit(), so no MPI_Finalize
// and no atexit handlers), and a fresh process per run is what makes its
// results.json byte-identical to a local run's. MPI's own threads (OpenMPI
// starts progress threads) do not break the child: they hold only MPI's
// locks, which the child never takes, and glibc's malloc and stdio are
// fork-safe. Tested with OpenMPI 4.1 over shared memory and TCP
// (framework/ablation/cluster_run_test.sh); InfiniBand transports that pin
// memory may print fork() warnings.
int RunOnRanks(Communicator& comm, const absl::StatusOr<AblationPlan>& plan,
               RunnerOptions options) {
  const int rank = comm.rank(), size = comm.size();
  // Every rank planned from the same files, but agree before the first
  // collective that needs the plan: a rank that could not read the files
  // (a folder missing on its node) must not leave the others waiting.
  const std::vector<float> plan_failed = GatherFromRanks(comm, {plan.ok() ? 0.0f : 1.0f});
  if (!plan.ok()) {
    // Once, when every rank fails alike.
    if (rank == 0 || plan_failed[0] == 0.0f) {
      std::fprintf(stderr, "ablate (rank %d of %d): %s\n", rank, size,
                   std::string(plan.status().message()).c_str());
    }
  }
  for (float f : plan_failed) {
    if (f != 0.0f) return 1;
  }
  // Rank 0's view of what is finished decides the shares, so that ranks on
  // nodes with a lagging view of a network file system still split one list.
  // Run indices cross as floats: exact below 2^24.
  if (plan->runs.size() >= (1u << 24)) {
    if (rank == 0) std::fprintf(stderr, "ablate: %zu runs are too many\n", plan->runs.size());
    return 1;
  }
  std::vector<int> unfinished;
  float count = 0;
  if (rank == 0) {
    unfinished = UnfinishedRuns(*plan);
    count = static_cast<float>(unfinished.size());
  }
  comm.Broadcast(&count, 1, 0);
  std::vector<float> indices(unfinished.begin(), unfinished.end());
  indices.resize(static_cast<size_t>(count));
  comm.Broadcast(indices.data(), static_cast<int64_t>(indices.size()), 0);
  unfinished.assign(indices.begin(), indices.end());
  const int finished_before = static_cast<int>(plan->runs.size() - unfinished.size());
  if (rank == 0) {
    std::fprintf(stderr, "[ablate] %s: %zu cells x %d seeds = %zu runs in %s/runs\n",
                 plan->name.c_str(), plan->cells.size(), plan->ablation.seeds_size(),
                 plan->runs.size(), plan->dir.c_str());
    std::fprintf(stderr, "[ablate] %zu unfinished runs over %d ranks (%d already finished)\n",
                 unfinished.size(), size, finished_before);
  }

  options.only_runs = RunsForRank(unfinished, rank, size);
  options.tag = absl::StrCat("ablate rank ", rank, "/", size);
  auto stats = RunAblation(*plan, options);
  if (!stats.ok()) {
    std::fprintf(stderr, "[%s] %s\n", options.tag.c_str(),
                 std::string(stats.status().message()).c_str());
  }
  // Every rank reaches this gather whatever happened to its runs (signals
  // included: RunAblation returns once its children checkpointed), so it
  // is also the barrier after which rank 0 reads every rank's results.
  const std::vector<float> outcome = GatherFromRanks(
      comm, {stats.ok() ? static_cast<float>(stats->ran) : 0.0f,
             !stats.ok() && !absl::IsAborted(stats.status()) ? 1.0f : 0.0f,
             !stats.ok() && absl::IsAborted(stats.status()) ? 1.0f : 0.0f});
  int ran = 0;
  std::vector<std::string> failed, interrupted;
  for (int r = 0; r < size; ++r) {
    ran += static_cast<int>(outcome[3 * r]);
    if (outcome[3 * r + 1] != 0.0f) failed.push_back(absl::StrCat(r));
    if (outcome[3 * r + 2] != 0.0f) interrupted.push_back(absl::StrCat(r));
  }
  if (!failed.empty()) {
    if (rank == 0) {
      std::fprintf(stderr,
                   "ablate: runs failed on rank(s) %s (see their lines above); run the same "
                   "command to retry them (finished runs are skipped)\n",
                   absl::StrJoin(failed, ", ").c_str());
    }
    return 1;
  }
  if (!interrupted.empty()) {
    if (rank == 0) {
      std::fprintf(stderr,
                   "ablate: stopped by a signal on rank(s) %s, runs checkpointed; run the same "
                   "command to resume\n",
                   absl::StrJoin(interrupted, ", ").c_str());
    }
    return kInterruptedExitStatus;
  }
  if (rank != 0) return 0;
  std::fprintf(stderr, "[ablate] %d runs done now on %d ranks, %d were already finished\n", ran,
               size, finished_before);
  options.only_runs.reset();
  options.tag = "ablate";
  return Finish(*plan, options);
}

int Main(int argc, char** argv) {
  // First, before any thread: MPI initializes here in ablate_mpi.
  auto world = WorldCommunicator();
  if (!world.ok()) {
    std::fprintf(stderr, "ablate: %s\n", std::string(world.status().message()).c_str());
    return 1;
  }
  Communicator& comm = **world;
  // Flags are the same on every rank, so every rank takes the same early
  // exits below; rank 0 alone says why.
  const bool speak = comm.rank() == 0;
  absl::SetProgramUsageMessage("Runs an ablation study: every cell x seed, then a summary.");
  const std::vector<std::string> overrides = ParseFlagsAndOverrides(argc, argv);
  if (absl::GetFlag(FLAGS_config).empty()) {
    if (speak) std::fprintf(stderr, "ablate: --config=<ablation file> is required\n");
    return 2;
  }
  const int jobs = absl::GetFlag(FLAGS_jobs);
  if (jobs < 1) {
    if (speak) std::fprintf(stderr, "ablate: --jobs must be >= 1, got %d\n", jobs);
    return 2;
  }
  const int run = absl::GetFlag(FLAGS_run);
  const bool summarize = absl::GetFlag(FLAGS_summarize);
  const std::string slurm_script = absl::GetFlag(FLAGS_slurm_script);
  const int modes = (run >= 0) + summarize + !slurm_script.empty();
  if (modes > 1) {
    if (speak) std::fprintf(stderr, "ablate: --run, --summarize and --slurm_script exclude each other\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_check) && (run >= 0 || !slurm_script.empty())) {
    if (speak) std::fprintf(stderr, "ablate: --check goes with a full run or --summarize\n");
    return 2;
  }
  if (modes > 0 && comm.size() > 1) {
    if (speak) {
      std::fprintf(stderr,
                   "ablate: --run, --summarize and --slurm_script are for one process, not %d "
                   "MPI ranks\n",
                   comm.size());
    }
    return 2;
  }
  auto path = ResolveUserPath(absl::GetFlag(FLAGS_config));
  if (!path.ok()) {
    if (speak) Fail(path.status());
    return 1;
  }
  auto plan = PlanAblation(*path, jobs, overrides);
  RunnerOptions options;
  options.jobs = jobs;
  std::vector<std::string> words(argv, argv + argc);
  options.command_line = absl::StrJoin(words, " ");
  if (comm.size() > 1) return RunOnRanks(comm, plan, options);

  if (!plan.ok()) return Fail(plan.status());
  if (!slurm_script.empty()) return WriteSlurmScript(*plan, *path, overrides, jobs, argv[0]);
  if (run >= 0) return RunOne(*plan, run, options);
  if (summarize) return Summarize(*plan, options);

  std::fprintf(stderr, "[ablate] %s: %zu cells x %d seeds = %zu runs in %s/runs\n",
               plan->name.c_str(), plan->cells.size(), plan->ablation.seeds_size(),
               plan->runs.size(), plan->dir.c_str());
  auto stats = RunAblation(*plan, options);
  if (!stats.ok()) return Fail(stats.status());
  std::fprintf(stderr, "[ablate] %d runs done now, %d were already finished\n", stats->ran,
               stats->skipped);
  return Finish(*plan, options);
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) { return siamese::Main(argc, argv); }
