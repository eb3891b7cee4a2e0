// Reading the per-run files the report draws: metrics.jsonl (training and
// validation curves) and roc.tsv (the test ROC curve).
#ifndef SIAMESE_FRAMEWORK_ABLATION_RUN_FILES_H_
#define SIAMESE_FRAMEWORK_ABLATION_RUN_FILES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace siamese {

struct Curve {
  std::vector<double> x, y;
};

struct TrainingCurves {
  Curve loss;                                // "split": "train" lines: step -> loss.
  std::map<std::string, Curve> validation;   // "split": "validation": metric -> (step, value).
};

// Reads metrics.jsonl. Lines of other splits (the final "test" line) are
// skipped; so are blank lines. Errors: unreadable file, or a line that is
// not a flat JSON object ("<path>:<line>: offset N: <what>").
absl::StatusOr<TrainingCurves> ReadTrainingCurves(const std::string& path);

// Reads roc.tsv (header threshold, far, tar): x = far, y = tar, in file
// order. Errors: unreadable file, a wrong header or a non-number, naming
// the path and line.
absl::StatusOr<Curve> ReadRoc(const std::string& path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_ABLATION_RUN_FILES_H_
