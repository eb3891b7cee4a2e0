// The InputReader of dataset "ucr": new series for a model trained on it,
// from a file in the UCR format (label first; one series per line) or as
// comma-separated values on the command line, prepared as the dataset
// prepares its own (resampled to the model's length, z-normalized when the
// dataset's normalization is "per_series").
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "framework/core/input_reader.h"
#include "plugins/datasets/ucr/ucr.pb.h"
#include "plugins/datasets/ucr/ucr_dataset.h"

namespace siamese {
namespace {

class UcrInputReader : public InputReader {
 public:
  explicit UcrInputReader(UcrNormalization normalization) : normalization_(normalization) {}

  std::string Describe() const override {
    return "series: a file in the UCR format (a label, then the values, tab or comma separated, "
           "one series per line), or comma-separated values on the command line";
  }

  absl::StatusOr<std::vector<NewInput>> ReadFile(const std::string& path,
                                                 const Shape& example_shape) const override {
    if (absl::Status s = CheckShape(example_shape); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
    }
    absl::StatusOr<std::vector<UcrSeries>> series = ReadUcrFile(path);
    if (!series.ok()) return series.status();
    std::vector<NewInput> inputs;
    for (const UcrSeries& s : *series) {
      NewInput in;
      in.name = absl::StrCat(path, ":", s.line);
      in.values = PrepareSeries(s.values, example_shape[1], normalization_);
      in.label = s.label;
      inputs.push_back(std::move(in));
    }
    return inputs;
  }

  absl::StatusOr<NewInput> ParseText(const std::string& text,
                                     const Shape& example_shape) const override {
    if (absl::Status s = CheckShape(example_shape); !s.ok()) return s;
    std::vector<float> values;
    for (absl::string_view word : absl::StrSplit(text, absl::ByAnyChar(", \t"), absl::SkipEmpty())) {
      double v = 0;  // as ParseUcr: a double, then rounded to float once
      if (!absl::SimpleAtod(word, &v) || !std::isfinite(static_cast<float>(v))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "\"", text, "\": \"", word, "\" is not a finite number (a series is written as "
            "comma-separated values)"));
      }
      values.push_back(static_cast<float>(v));
    }
    if (values.size() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", text, "\": a series needs at least 2 values, got ", values.size()));
    }
    NewInput in;
    in.name = absl::StrCat("series of ", values.size(), " values");
    in.values = PrepareSeries(values, example_shape[1], normalization_);
    return in;
  }

 private:
  static absl::Status CheckShape(const Shape& shape) {
    if (shape.size() == 2 && shape[0] == 1 && shape[1] >= 2) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "ucr: the model's examples are ", ShapeToString(shape), ", not series [1, length]"));
  }

  UcrNormalization normalization_;
};

absl::StatusOr<std::unique_ptr<InputReader>> CreateReader(const UcrParams& p,
                                                          const PluginContext&) {
  absl::StatusOr<UcrNormalization> normalization = ParseUcrNormalization(p.normalization());
  if (!normalization.ok()) return normalization.status();
  return std::unique_ptr<InputReader>(new UcrInputReader(*normalization));
}

SIAMESE_REGISTER_PLUGIN(InputReader, "ucr", siamese::ucr, UcrParams,
                        "new series (a UCR-format file, or comma-separated values)",
                        &CreateReader);

}  // namespace
}  // namespace siamese
