#include "framework/train/run_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/io/atomic_file.h"
#include "framework/io/npy.h"
#include "framework/io/run_dir.h"
#include "framework/io/tsv.h"
#include "framework/records/records.h"

namespace siamese {

absl::StatusOr<RunFolder> RunFolder::Named(const std::string& output_dir,
                                           const std::string& name) {
  auto resolved = ResolveUserPath(output_dir);
  if (!resolved.ok()) return resolved.status();
  return RunFolder(absl::StrCat(*resolved, "/", name));
}

absl::StatusOr<RunFolder> RunFolder::Create(const std::string& output_dir,
                                            const std::string& name) {
  auto folder = Named(output_dir, name);
  if (!folder.ok()) return folder.status();
  if (absl::Status s = MakeDirs(folder->dir_); !s.ok()) return s;
  return folder;
}

bool RunFolder::HasCheckpoint() const { return access(checkpoint_path().c_str(), F_OK) == 0; }

absl::Status RunFolder::WriteExperiment(const std::string& text) const {
  return WriteFileAtomically(experiment_path(), text);
}

absl::Status RunFolder::WriteManifest(const Manifest& manifest) const {
  return WriteJsonFile(manifest_path(), manifest);
}

absl::Status RunFolder::Lock() {
  const std::string path = dir_ + "/.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot open the run folder's lock: ", std::strerror(errno)));
  }
  // A process that just died may leave a child of its own (a shell of
  // popen, between fork and exec) holding the lock for a moment: retry for
  // two seconds before calling the folder busy.
  bool locked = false;
  for (int attempt = 0; attempt < 20 && !locked; ++attempt) {
    locked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (!locked) ::usleep(100 * 1000);
  }
  if (!locked) {
    char holder[32] = {0};
    const ssize_t n = ::pread(fd, holder, sizeof(holder) - 1, 0);
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(dir_, ": the run folder is in use by another process (pid ",
                     n > 0 ? std::string(holder, n) : "unknown",
                     "); wait for it, or give this run another name or output_dir"));
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message above; the lock holds regardless.
  }
  lock_fd_ = std::shared_ptr<int>(new int(fd), [](int* f) {
    ::close(*f);
    delete f;
  });
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) std::filesystem::remove(entry.path(), ec);
  }
  return absl::OkStatus();
}

void RunFolder::ClearPreviousRun() const {
  for (const std::string& p : {experiment_path(), manifest_path(), metrics_path(),
                               checkpoint_path(), best_checkpoint_path()}) {
    std::remove(p.c_str());
  }
  ClearResults();
}

void RunFolder::ClearResults() const {
  for (const std::string& p :
       {results_path(), timing_path(), roc_path(), test_embeddings_path(), test_labels_path()}) {
    std::remove(p.c_str());
  }
}

absl::Status RunFolder::TruncateMetrics(int64_t step) const {
  if (::access(metrics_path().c_str(), F_OK) != 0) return absl::OkStatus();
  auto lines = ReadMetricsLines(metrics_path());
  if (!lines.ok()) return lines.status();
  std::string kept;
  for (const MetricsLine& line : *lines) {
    if (line.step() <= step && line.split() != "test") kept += ToJson(line, true) + "\n";
  }
  return WriteFileAtomically(metrics_path(), kept);
}

absl::Status RunFolder::AppendMetrics(const MetricsLine& line) const {
  return AppendJsonLine(metrics_path(), line);
}

absl::Status RunFolder::WriteResults(const RunResults& results) const {
  return WriteJsonFile(results_path(), results);
}

absl::Status RunFolder::WriteTiming(const Timing& timing) const {
  return WriteJsonFile(timing_path(), timing);
}

absl::Status RunFolder::WriteReportFiles(const EvaluationReport& report,
                                         const std::vector<int64_t>& test_labels) const {
  std::vector<TsvRow> rows = {{"threshold", "far", "tar"}};
  for (const RocPoint& p : report.test_roc) {
    rows.push_back({absl::StrFormat("%.6g", p.threshold), absl::StrFormat("%.6g", p.far),
                    absl::StrFormat("%.6g", p.tar)});
  }
  if (absl::Status s = WriteTsv(roc_path(), rows); !s.ok()) return s;
  const Tensor& e = report.test_embeddings;
  if (absl::Status s = WriteNpy(test_embeddings_path(), e.data(), e.shape()); !s.ok()) return s;
  return WriteNpyInt64(test_labels_path(), test_labels.data(),
                       {static_cast<int64_t>(test_labels.size())});
}

}  // namespace siamese
