#include "framework/train/run_folder.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/io/atomic_file.h"
#include "framework/io/npy.h"
#include "framework/io/run_dir.h"
#include "framework/io/tsv.h"
#include "framework/records/records.h"

namespace siamese {

absl::StatusOr<RunFolder> RunFolder::Create(const std::string& output_dir,
                                            const std::string& name) {
  auto resolved = ResolveUserPath(output_dir);
  if (!resolved.ok()) return resolved.status();
  RunFolder folder(absl::StrCat(*resolved, "/", name));
  if (absl::Status s = MakeDirs(folder.dir_); !s.ok()) return s;
  return folder;
}

bool RunFolder::HasCheckpoint() const { return access(checkpoint_path().c_str(), F_OK) == 0; }

absl::Status RunFolder::WriteExperiment(const std::string& text) const {
  return WriteFileAtomically(experiment_path(), text);
}

absl::Status RunFolder::WriteManifest(const Manifest& manifest) const {
  return WriteJsonFile(manifest_path(), manifest);
}

void RunFolder::ClearMetrics() const { std::remove(metrics_path().c_str()); }

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
