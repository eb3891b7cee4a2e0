#include "framework/report/run_files.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "framework/io/atomic_file.h"
#include "framework/io/tsv.h"
#include "framework/records/records.h"

namespace siamese {

absl::StatusOr<TrainingCurves> ReadTrainingCurves(const std::string& path) {
  auto lines = ReadMetricsLines(path);
  if (!lines.ok()) return lines.status();
  TrainingCurves curves;
  for (const MetricsLine& line : *lines) {
    const double step = line.step();
    if (line.split() == "train" && line.has_loss()) {
      curves.loss.x.push_back(step);
      curves.loss.y.push_back(line.loss());
    } else if (line.split() == "validation" && line.has_retrieval()) {
      const RetrievalRecord& r = line.retrieval();
      auto add = [&](const char* metric, bool has, double value) {
        if (!has) return;
        curves.validation[metric].x.push_back(step);
        curves.validation[metric].y.push_back(value);
      };
      add("precision_at_1", r.has_precision_at_1(), r.precision_at_1());
      add("r_precision", r.has_r_precision(), r.r_precision());
      add("map_at_r", r.has_map_at_r(), r.map_at_r());
    }
  }
  return curves;
}

absl::StatusOr<Curve> ReadRoc(const std::string& path) {
  absl::StatusOr<std::vector<TsvRow>> rows = ReadTsv(path, 3);
  if (!rows.ok()) return rows.status();
  if (rows->empty() || (*rows)[0] != TsvRow{"threshold", "far", "tar"}) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":1: expected the header threshold<TAB>far<TAB>tar"));
  }
  Curve roc;
  for (size_t i = 1; i < rows->size(); ++i) {
    double far, tar;
    if (!absl::SimpleAtod((*rows)[i][1], &far) || !absl::SimpleAtod((*rows)[i][2], &tar)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", i + 1, ": far/tar not numbers"));
    }
    roc.x.push_back(far);
    roc.y.push_back(tar);
  }
  return roc;
}

}  // namespace siamese
