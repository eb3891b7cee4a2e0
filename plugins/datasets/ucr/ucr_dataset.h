// Dataset "ucr": univariate time series in the UCR archive's text format
// (the format, length and normalization rules are documented in ucr.proto).
// Examples are float tensors [1, L].
#ifndef SIAMESE_PLUGINS_DATASETS_UCR_UCR_DATASET_H_
#define SIAMESE_PLUGINS_DATASETS_UCR_UCR_DATASET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "framework/core/dataset.h"

namespace siamese {

// One line of a UCR file: its label as written, its 1-based line number and
// its values (trailing NaN padding dropped; at least 2 values).
struct UcrSeries {
  std::string label;
  int64_t line = 0;
  std::vector<float> values;
};

// Parses the text of a UCR file; `path` is only used to name errors
// ("<path>:<line>: ..."). The separator (tab or comma) is taken from the
// first line. An empty text is an error.
absl::StatusOr<std::vector<UcrSeries>> ParseUcr(absl::string_view text, const std::string& path);

// Reads and parses the file `path`.
absl::StatusOr<std::vector<UcrSeries>> ReadUcrFile(const std::string& path);

// Endpoint-aligned linear resampling of `x` to `length` values: output j is
// x at position j * (x.size() - 1) / (length - 1), linearly interpolated.
// REQUIRES: x.size() >= 2, length >= 2.
std::vector<float> ResampleLinear(absl::Span<const float> x, int64_t length);

// z-normalizes in place with the population std; a constant series (all
// values equal) becomes zeros.
void ZNormalize(std::vector<float>* x);

// Maps labels to class ids: ids are ranks of the sorted unique labels of
// the training series (numerically when all are numbers).
class UcrLabelMap {
 public:
  explicit UcrLabelMap(const std::vector<UcrSeries>& train);
  // The class id of `label`, or -1 if the training file does not have it.
  int64_t Find(const std::string& label) const;
  // Class names in id order (the first spelling of each label).
  const std::vector<std::string>& names() const { return names_; }
  bool numeric() const { return numeric_; }

 private:
  bool numeric_ = true;
  std::vector<double> numbers_;  // sorted unique, when numeric_
  std::vector<std::string> names_;
};

enum class UcrNormalization { kPerSeries, kGlobal, kNone };

// "per_series", "global" or "none" (ucr.proto); a FieldError naming
// `normalization` otherwise.
absl::StatusOr<UcrNormalization> ParseUcrNormalization(const std::string& name);

// A series as the dataset stores it: resampled to `length`, then
// z-normalized when `normalization` is kPerSeries. REQUIRES: x.size() >= 2,
// length >= 2.
std::vector<float> PrepareSeries(absl::Span<const float> x, int64_t length,
                                 UcrNormalization normalization);

struct UcrOptions {
  std::string train_path;
  std::string test_path;  // needed for the test split only
  int64_t length = 0;     // 0: the longest training series
  UcrNormalization normalization = UcrNormalization::kPerSeries;
};

class UcrDataset : public Dataset {
 public:
  // Reads split "train" (the training file) or "test" (the test file, with
  // the training file for the label map and, when options.length is 0, the
  // length). REQUIRES: options.length is 0 or >= 2.
  static absl::StatusOr<std::unique_ptr<Dataset>> Open(const UcrOptions& options,
                                                       const std::string& split);

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape example_shape() const override { return {1, length_}; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return class_names_; }
  void CopyExample(int64_t i, float* dst) const override;
  std::vector<std::string> source_files() const override { return files_; }

 private:
  int64_t length_ = 0;
  std::vector<float> values_;  // [size(), length_]
  std::vector<int64_t> labels_;
  std::vector<std::string> class_names_;
  std::vector<std::string> files_;
};

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_UCR_UCR_DATASET_H_
