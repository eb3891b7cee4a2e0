// Reading the per-run files the report draws: metrics.jsonl (training and
// validation curves) and roc.tsv (the test ROC curve).
#ifndef SIAMESE_FRAMEWORK_REPORT_RUN_FILES_H_
#define SIAMESE_FRAMEWORK_REPORT_RUN_FILES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace siamese {

struct Curve {
  std::vector<double> x, y;
};

struct TrainingCurves {
  Curve loss;                               // "split": "train" lines: step -> loss.
  std::map<std::string, Curve> validation;  // "split": "validation": metric -> (step, value).
};

// Reads metrics.jsonl (MetricsLine records): the loss of the "train" lines,
// and precision_at_1, r_precision and map_at_r of the "validation" lines.
// Lines of other splits (the final "test" line) are skipped; so are blank
// lines. Errors: unreadable file, or a line that is not a MetricsLine
// ("<path>:<line>: ...").
absl::StatusOr<TrainingCurves> ReadTrainingCurves(const std::string& path);

// Reads roc.tsv (header threshold, far, tar): x = far, y = tar, in file
// order. Errors: unreadable file, a wrong header or a non-number, naming
// the path and line.
absl::StatusOr<Curve> ReadRoc(const std::string& path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_REPORT_RUN_FILES_H_
