#include "framework/ablation/runner.h"

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/io/atomic_file.h"
#include "framework/io/run_dir.h"
#include "framework/records/records.h"
#include "framework/train/interrupt.h"
#include "framework/train/trainer.h"

namespace siamese {
namespace {

using Clock = std::chrono::steady_clock;

std::string Duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%ldh%02ldm", s / 3600, (s / 60) % 60);
  if (s >= 60) return absl::StrFormat("%ldm%02lds", s / 60, s % 60);
  return absl::StrFormat("%lds", s);
}

std::string Describe(const AblationPlan& plan, const PlannedRun& run) {
  return absl::StrCat("cell \"", plan.cells[run.cell].label, "\" seed ", run.seed, " (",
                      run.run_dir, ")");
}

std::string ExitStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

// The first SIGINT, SIGTERM or SIGHUP the runner received (0: none).
volatile std::sig_atomic_t g_runner_signal = 0;
void OnRunnerSignal(int signal) {
  if (g_runner_signal == 0) g_runner_signal = signal;
}
constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

// Forks a child that trains `file` and exits 0 when the run finished. The
// child dies with the runner (PR_SET_PDEATHSIG: SIGTERM, which makes it
// checkpoint and stop), so killing ablate never leaves orphans training.
absl::StatusOr<pid_t> Spawn(const ExperimentFile& file, const RunnerOptions& options) {
  std::fflush(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid > 0) return pid;
  for (int s : kSignals) std::signal(s, SIG_DFL);
  // A process group of its own, so that signals aimed at the runner's group
  // (Ctrl-C in a terminal, mpirun stopping its ranks) reach the child only
  // through the runner: a second signal makes train exit at once, without
  // its checkpoint (interrupt.h).
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(1);  // the runner died before prctl
  TrainOptions train;
  train.verbose = options.train_verbose;
  train.command_line = options.command_line;
  auto result = Train(file, train);
  int code = 0;
  if (!result.ok()) {
    std::fprintf(stderr, "[%s] %s\n", options.tag.c_str(),
                 std::string(result.status().message()).c_str());
    code = 1;
  } else if (!result->finished) {
    code = kInterruptedExitStatus;
  }
  std::fflush(nullptr);
  _exit(code);
}

}  // namespace

bool RunFinished(const std::string& run_dir) {
  RunResults results;
  return ReadJsonFile(run_dir + "/results.json", &results).ok();
}

absl::StatusOr<RunnerStats> RunAblation(const AblationPlan& plan, const RunnerOptions& options) {
  RunnerStats stats;
  std::vector<int> considered;
  if (options.only_runs.has_value()) {
    considered = *options.only_runs;
  } else {
    for (size_t i = 0; i < plan.runs.size(); ++i) considered.push_back(static_cast<int>(i));
  }
  const char* tag = options.tag.c_str();
  std::vector<int> todo;
  for (int i : considered) {
    if (i < 0 || static_cast<size_t>(i) >= plan.runs.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("run ", i, " is not in the plan (", plan.runs.size(), " runs)"));
    }
    if (RunFinished(plan.runs[i].run_dir)) {
      ++stats.skipped;
    } else {
      todo.push_back(i);
    }
  }
  if (options.verbose && stats.skipped > 0) {
    std::fprintf(stderr, "[%s] %d of %zu runs already finished\n", tag, stats.skipped,
                 considered.size());
  }
  const int jobs = std::max(1, options.jobs);
  std::map<pid_t, std::pair<int, Clock::time_point>> running;
  size_t next = 0;
  double finished_seconds = 0;
  int finished_count = 0;
  auto progress = [&] {
    if (!options.verbose) return;
    const int done = stats.skipped + stats.ran + stats.failed;
    const size_t left = todo.size() - next;
    std::string eta = "unknown";
    if (finished_count > 0) {
      const double mean = finished_seconds / finished_count;
      eta = Duration(mean * static_cast<double>(left + running.size()) / jobs);
    }
    std::fprintf(stderr, "[%s] done %d / running %zu / left %zu, ETA %s\n", tag, done,
                 running.size(), left, eta.c_str());
  };
  progress();
  // A signal stops the ablation the way it stops one run: every running
  // child is told to checkpoint and stop, none is started, and a later
  // invocation resumes them.
  struct sigaction action, previous[3];
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnRunnerSignal;
  sigemptyset(&action.sa_mask);
  g_runner_signal = 0;
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous[i]);
  bool forwarded = false;
  while (next < todo.size() || !running.empty()) {
    if (g_runner_signal != 0 && !forwarded) {
      forwarded = true;
      std::fprintf(stderr, "[%s] %s: stopping %zu running runs (they checkpoint)\n", tag,
                   SignalName(g_runner_signal), running.size());
      for (const auto& [child, info] : running) kill(child, SIGTERM);
      next = todo.size();
      if (running.empty()) break;
    }
    while (next < todo.size() && static_cast<int>(running.size()) < jobs) {
      const PlannedRun& run = plan.runs[todo[next]];
      auto pid = Spawn(*run.experiment, options);
      if (!pid.ok()) return pid.status();
      if (options.verbose) std::fprintf(stderr, "[%s] start %s\n", tag, Describe(plan, run).c_str());
      running[*pid] = {todo[next], Clock::now()};
      ++next;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;  // not ours
    const PlannedRun& run = plan.runs[it->second.first];
    const double seconds = std::chrono::duration<double>(Clock::now() - it->second.second).count();
    running.erase(it);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && RunFinished(run.run_dir)) {
      ++stats.ran;
      finished_seconds += seconds;
      ++finished_count;
    } else if (forwarded && WIFEXITED(status) && WEXITSTATUS(status) == kInterruptedExitStatus) {
      ++stats.interrupted;
      std::fprintf(stderr, "[%s] stopped %s with a checkpoint\n", tag, Describe(plan, run).c_str());
    } else {
      ++stats.failed;
      std::fprintf(stderr, "[%s] FAILED %s: %s\n", tag, Describe(plan, run).c_str(),
                   ExitStatus(status).c_str());
    }
    progress();
  }
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &previous[i], nullptr);
  if (stats.failed > 0) {
    return absl::InternalError(absl::StrCat(stats.failed, " of ", considered.size(),
                                            " runs failed (see above); run again to retry them"));
  }
  if (forwarded) {
    return absl::AbortedError(absl::StrCat("stopped by ", SignalName(g_runner_signal), ": ",
                                           stats.interrupted,
                                           " runs checkpointed; run the same command to resume"));
  }
  return stats;
}

absl::StatusOr<int> CheckAblation(const AblationPlan& plan, int count,
                                  const RunnerOptions& options) {
  std::vector<int> finished;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    if (RunFinished(plan.runs[i].run_dir)) finished.push_back(static_cast<int>(i));
  }
  const int n = std::min<int>(count, static_cast<int>(finished.size()));
  if (n == 0) return 0;
  const std::string tmp = plan.dir + "/check.tmp";
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  if (absl::Status s = MakeDirs(tmp); !s.ok()) return s;
  int mismatches = 0;
  for (int k = 0; k < n; ++k) {
    const PlannedRun& run = plan.runs[finished[static_cast<size_t>(k) * finished.size() / n]];
    std::vector<std::string> o = run.overrides;
    o.push_back(absl::StrCat("output_dir: \"", tmp, "\""));
    auto file = ExperimentFile::Load(plan.base_path, o);
    if (!file.ok()) return file.status();
    if (options.verbose)
      std::fprintf(stderr, "[ablate] check: re-running %s\n", Describe(plan, run).c_str());
    auto pid = Spawn(**file, options);
    if (!pid.ok()) return pid.status();
    int status = 0;
    while (waitpid(*pid, &status, 0) < 0) {
      if (errno != EINTR)
        return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    }
    const std::string again_path = absl::StrCat(tmp, "/", run.hash, "/results.json");
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      return absl::InternalError(
          absl::StrCat("check: re-running ", Describe(plan, run), " failed: ", ExitStatus(status)));
    }
    auto stored = ReadFile(run.run_dir + "/results.json");
    if (!stored.ok()) return stored.status();
    auto again = ReadFile(again_path);
    if (!again.ok()) return again.status();
    if (*stored == *again) {
      std::fprintf(stderr, "[ablate] check: %s: results.json identical\n",
                   Describe(plan, run).c_str());
    } else {
      ++mismatches;
      std::fprintf(stderr, "[ablate] check: MISMATCH %s\n  stored:  %s  from scratch (%s): %s",
                   Describe(plan, run).c_str(), stored->c_str(), again_path.c_str(),
                   again->c_str());
    }
  }
  if (mismatches == 0) std::filesystem::remove_all(tmp, ec);
  return mismatches;
}

absl::StatusOr<std::vector<Cell>> CollectCells(const AblationPlan& plan) {
  std::vector<Cell> cells = plan.cells;
  for (const PlannedRun& run : plan.runs) {
    RunResults results;
    if (absl::Status s = ReadJsonFile(run.run_dir + "/results.json", &results); !s.ok()) return s;
    CellRun r;
    r.seed = run.seed;
    r.metrics = MetricValues(results);
    r.run_dir = run.run_dir;
    const std::string timing_path = run.run_dir + "/timing.json";
    if (access(timing_path.c_str(), F_OK) == 0) {
      Timing timing;
      if (absl::Status s = ReadJsonFile(timing_path, &timing); !s.ok()) return s;
      r.train_seconds = timing.train_seconds();
    }
    cells[run.cell].runs.push_back(std::move(r));
  }
  return cells;
}

}  // namespace siamese
