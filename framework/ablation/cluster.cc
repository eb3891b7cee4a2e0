#include "framework/ablation/cluster.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "framework/ablation/runner.h"
#include "framework/base/check.h"

namespace siamese {
namespace {

bool IsPlainWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_./=:,+-%@").find(c) != std::string_view::npos;
}

// SLURM job names are free text, but one without spaces or quotes is easy
// to pass to squeue / scancel.
std::string JobName(const std::string& ablation_name) {
  std::string name = absl::StrCat("ablate-", ablation_name);
  for (char& c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!keep) c = '_';
  }
  return name;
}

}  // namespace

std::vector<int> UnfinishedRuns(const AblationPlan& plan) {
  std::vector<int> unfinished;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    if (!RunFinished(plan.runs[i].run_dir)) unfinished.push_back(static_cast<int>(i));
  }
  return unfinished;
}

std::vector<int> RunsForRank(const std::vector<int>& unfinished, int rank, int size) {
  SIAMESE_CHECK(size >= 1 && rank >= 0 && rank < size)
      << "RunsForRank: rank " << rank << " of " << size;
  std::vector<int> mine;
  for (size_t i = static_cast<size_t>(rank); i < unfinished.size(); i += size) {
    mine.push_back(unfinished[i]);
  }
  return mine;
}

std::string ArrayRanges(const std::vector<int>& indices) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < indices.size();) {
    size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    parts.push_back(j == i ? absl::StrCat(indices[i]) : absl::StrCat(indices[i], "-", indices[j]));
    i = j + 1;
  }
  return absl::StrJoin(parts, ",");
}

std::string ShellQuote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) plain = plain && IsPlainWordChar(c);
  if (plain) return s;
  return absl::StrCat("'", absl::StrReplaceAll(s, {{"'", "'\\''"}}), "'");
}

std::string AblateCommand(const SlurmArrayJob& job) {
  std::vector<std::string> words = {ShellQuote(job.binary),
                                    ShellQuote(absl::StrCat("--config=", job.config))};
  for (const std::string& o : job.overrides) words.push_back(ShellQuote(absl::StrCat("--set=", o)));
  words.push_back(absl::StrCat("--jobs=", job.jobs));
  return absl::StrJoin(words, " ");
}

absl::StatusOr<std::string> SlurmArrayScript(const SlurmArrayJob& job) {
  if (job.runs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("every run of ablation \"", job.ablation_name,
                     "\" is finished: no job array to write (run `ablate --summarize`)"));
  }
  if (job.ablation_dir.find_first_of(" \t\n'\"") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ablation folder \"", job.ablation_dir,
                     "\" holds a space or a quote, which an #SBATCH --output line cannot "
                     "carry; choose an output_dir without them"));
  }
  const std::string command = AblateCommand(job);
  return absl::StrCat(
      "#!/bin/bash\n",
      "# SLURM job array of the ablation \"", job.ablation_name,
      "\", written by `ablate --slurm_script`.\n",
      "# Array task K runs planned run K (`ablate --run=K`); the array lists the ",
      job.runs.size(), " of ", job.total_runs,
      "\n# runs that were unfinished when this was written. Each task exits 0 (the run\n",
      "# finished, or already had), 1 (it failed) or 75 (a signal stopped it with a\n",
      "# checkpoint). Writing the script again lists what is still unfinished, and\n",
      "# resubmitting resumes interrupted runs from their checkpoints.\n",
      "# Once every task succeeded, the summary and report:\n",
      "#   ", command, " --summarize\n",
      "#SBATCH --job-name=", JobName(job.ablation_name), "\n",
      "#SBATCH --array=", ArrayRanges(job.runs), "\n",
      "#SBATCH --ntasks=1\n",
      "#SBATCH --cpus-per-task=", job.cpus_per_task, "\n",
      "#SBATCH --output=", job.ablation_dir, "/logs/run-%a-job%A.out\n",
      "set -eu\n",
      "cd ", ShellQuote(job.working_dir), "\n",
      // exec: SLURM's SIGTERM at the time limit reaches ablate itself, which
      // makes the run checkpoint.
      "exec ", command, " \"--run=${SLURM_ARRAY_TASK_ID}\"\n");
}

std::string SlurmSubmitCommands(const SlurmArrayJob& job, const std::string& script_path) {
  // --parsable prints "<jobid>" or "<jobid>;<cluster>"; afterok on an array
  // job waits for every one of its tasks to succeed.
  return absl::StrCat(
      "jobid=$(sbatch --parsable ", ShellQuote(script_path), ") &&\n",
      "  sbatch --dependency=afterok:${jobid%%;*} --job-name=", JobName(job.ablation_name),
      "-summary --ntasks=1 --chdir=", ShellQuote(job.working_dir),
      " --output=", ShellQuote(absl::StrCat(job.ablation_dir, "/logs/summarize-%j.out")),
      " --wrap=", ShellQuote(absl::StrCat(AblateCommand(job), " --summarize")), "\n");
}

}  // namespace siamese
