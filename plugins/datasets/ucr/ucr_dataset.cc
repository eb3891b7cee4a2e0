#include "plugins/datasets/ucr/ucr_dataset.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/io/atomic_file.h"
#include "framework/io/run_dir.h"
#include "plugins/datasets/ucr/ucr.pb.h"

namespace siamese {
namespace {

absl::Status LineError(const std::string& path, int64_t line, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", message));
}

std::string SeparatorHint(char sep) {
  return absl::StrCat(" (values are separated by ", sep == '\t' ? "tabs" : "commas",
                      " in this file, as detected from its first line)");
}

// Parses one non-empty line (without its line end) split at `sep`.
absl::StatusOr<UcrSeries> ParseLine(absl::string_view line, char sep, const std::string& path,
                                    int64_t line_no) {
  const std::vector<absl::string_view> fields = absl::StrSplit(line, sep);
  UcrSeries s;
  s.line = line_no;
  s.label = std::string(absl::StripAsciiWhitespace(fields[0]));
  if (s.label.empty()) return LineError(path, line_no, "column 1: empty label");
  int64_t nan_column = 0;  // first column of the current run of NaN values
  for (size_t k = 1; k < fields.size(); ++k) {
    const absl::string_view field = absl::StripAsciiWhitespace(fields[k]);
    const int64_t column = static_cast<int64_t>(k) + 1;
    double v;
    if (!absl::SimpleAtod(field, &v)) {
      std::string message = absl::StrCat("column ", column, ": non-numeric value \"", field, "\"");
      if (field.find_first_of(" \t,") != absl::string_view::npos) {
        absl::StrAppend(&message, SeparatorHint(sep));
      }
      return LineError(path, line_no, message);
    }
    if (std::isnan(v)) {
      if (nan_column == 0) nan_column = column;
      continue;
    }
    if (nan_column != 0) {
      return LineError(
          path, line_no,
          absl::StrCat("column ", nan_column, ": NaN before the number at column ", column,
                       " (missing values are not supported; only NaN at "
                       "the end of a line, the padding of variable-length series, "
                       "is dropped)"));
    }
    if (!std::isfinite(v) || std::fabs(v) > FLT_MAX) {
      return LineError(
          path, line_no,
          absl::StrCat("column ", column, ": value \"", field, "\" is not a finite float"));
    }
    s.values.push_back(static_cast<float>(v));
  }
  if (s.values.size() < 2) {
    const bool other_separator = absl::StripAsciiWhitespace(line).find_first_of(
                                     sep == '\t' ? " ," : " \t") != absl::string_view::npos;
    return LineError(
        path, line_no,
        absl::StrCat("the series has ", s.values.size(), " value", s.values.size() == 1 ? "" : "s",
                     nan_column ? " (after dropping trailing NaN)" : "", "; at least 2 are needed",
                     other_separator ? SeparatorHint(sep) : ""));
  }
  return s;
}

}  // namespace

absl::StatusOr<std::vector<UcrSeries>> ParseUcr(absl::string_view text, const std::string& path) {
  std::vector<UcrSeries> out;
  char sep = 0;
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == absl::string_view::npos) end = text.size();
    absl::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (absl::StripAsciiWhitespace(line).empty()) return LineError(path, line_no, "empty line");
    if (sep == 0) sep = line.find('\t') != absl::string_view::npos ? '\t' : ',';
    absl::StatusOr<UcrSeries> s = ParseLine(line, sep, path, line_no);
    if (!s.ok()) return s.status();
    out.push_back(*std::move(s));
  }
  if (out.empty())
    return absl::InvalidArgumentError(absl::StrCat(path, ": no series (empty file)"));
  return out;
}

absl::StatusOr<std::vector<UcrSeries>> ReadUcrFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseUcr(*text, path);
}

std::vector<float> ResampleLinear(absl::Span<const float> x, int64_t length) {
  const int64_t m = static_cast<int64_t>(x.size());
  SIAMESE_CHECK(m >= 2 && length >= 2)
      << "ucr: cannot resample a series of length " << m << " to length " << length;
  std::vector<float> y(length);
  if (m == length) {
    std::copy(x.begin(), x.end(), y.begin());
    return y;
  }
  const double step = static_cast<double>(m - 1) / static_cast<double>(length - 1);
  for (int64_t j = 0; j < length; ++j) {
    const double p = j == length - 1 ? static_cast<double>(m - 1) : j * step;
    const int64_t i = std::min<int64_t>(static_cast<int64_t>(p), m - 2);
    const double f = p - static_cast<double>(i);
    y[j] = static_cast<float>(x[i] * (1.0 - f) + x[i + 1] * f);
  }
  return y;
}

void ZNormalize(std::vector<float>* x) {
  if (x->empty()) return;
  if (std::all_of(x->begin(), x->end(), [&](float v) { return v == x->front(); })) {
    std::fill(x->begin(), x->end(), 0.0f);
    return;
  }
  double sum = 0;
  for (float v : *x) sum += v;
  const double mean = sum / static_cast<double>(x->size());
  double sum2 = 0;
  for (float v : *x) sum2 += (v - mean) * (v - mean);
  const double std = std::sqrt(sum2 / static_cast<double>(x->size()));
  for (float& v : *x) v = static_cast<float>((v - mean) / std);
}

UcrLabelMap::UcrLabelMap(const std::vector<UcrSeries>& train) {
  std::map<double, std::string> by_number;  // value -> first spelling
  for (const UcrSeries& s : train) {
    double v;
    if (!absl::SimpleAtod(s.label, &v) || !std::isfinite(v)) {
      numeric_ = false;
      break;
    }
    by_number.emplace(v, s.label);
  }
  if (numeric_) {
    for (const auto& [number, name] : by_number) {
      numbers_.push_back(number);
      names_.push_back(name);
    }
    return;
  }
  for (const UcrSeries& s : train) names_.push_back(s.label);
  std::sort(names_.begin(), names_.end());
  names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
}

int64_t UcrLabelMap::Find(const std::string& label) const {
  if (numeric_) {
    double v;
    if (!absl::SimpleAtod(label, &v)) return -1;
    auto it = std::lower_bound(numbers_.begin(), numbers_.end(), v);
    return it != numbers_.end() && *it == v ? it - numbers_.begin() : -1;
  }
  auto it = std::lower_bound(names_.begin(), names_.end(), label);
  return it != names_.end() && *it == label ? it - names_.begin() : -1;
}

absl::StatusOr<std::unique_ptr<Dataset>> UcrDataset::Open(const UcrOptions& options,
                                                          const std::string& split) {
  SIAMESE_CHECK(options.length == 0 || options.length >= 2)
      << "ucr: length must be 0 or >= 2, got " << options.length;
  if (split != "train" && split != "test") {
    return absl::InvalidArgumentError(
        absl::StrCat("ucr: split must be \"train\" or \"test\", got \"", split, "\""));
  }
  absl::StatusOr<std::vector<UcrSeries>> train = ReadUcrFile(options.train_path);
  if (!train.ok()) return train.status();
  const UcrLabelMap label_map(*train);
  auto d = std::unique_ptr<UcrDataset>(new UcrDataset);
  d->class_names_ = label_map.names();
  d->length_ = options.length;
  if (d->length_ == 0) {
    for (const UcrSeries& s : *train) {
      d->length_ = std::max<int64_t>(d->length_, static_cast<int64_t>(s.values.size()));
    }
  }
  std::vector<UcrSeries> series;
  std::string path = options.train_path;
  if (split == "train") {
    series = *std::move(train);
    d->files_ = {options.train_path};
  } else {
    absl::StatusOr<std::vector<UcrSeries>> test = ReadUcrFile(options.test_path);
    if (!test.ok()) return test.status();
    series = *std::move(test);
    path = options.test_path;
    d->files_ = {options.test_path, options.train_path};
  }
  d->values_.reserve(series.size() * d->length_);
  for (const UcrSeries& s : series) {
    const int64_t id = label_map.Find(s.label);
    if (id < 0) {
      return LineError(path, s.line,
                       absl::StrCat("label \"", s.label, "\" does not occur in the training file ",
                                    options.train_path));
    }
    d->labels_.push_back(id);
    std::vector<float> x = PrepareSeries(s.values, d->length_, options.normalization);
    d->values_.insert(d->values_.end(), x.begin(), x.end());
  }
  return std::unique_ptr<Dataset>(std::move(d));
}

absl::StatusOr<UcrNormalization> ParseUcrNormalization(const std::string& name) {
  if (name == "per_series") return UcrNormalization::kPerSeries;
  if (name == "global") return UcrNormalization::kGlobal;
  if (name == "none") return UcrNormalization::kNone;
  return FieldError("normalization",
                    absl::StrCat("must be \"per_series\", \"global\" or \"none\", got \"", name, "\""));
}

std::vector<float> PrepareSeries(absl::Span<const float> x, int64_t length,
                                 UcrNormalization normalization) {
  std::vector<float> y = ResampleLinear(x, length);
  if (normalization == UcrNormalization::kPerSeries) ZNormalize(&y);
  return y;
}

void UcrDataset::CopyExample(int64_t i, float* dst) const {
  SIAMESE_CHECK(i >= 0 && i < size()) << "ucr: example " << i << " of " << size();
  std::copy_n(values_.data() + i * length_, length_, dst);
}

namespace {

absl::StatusOr<std::unique_ptr<Dataset>> CreateUcr(const UcrParams& p,
                                                   const PluginContext& context) {
  UcrOptions options;
  absl::StatusOr<UcrNormalization> normalization = ParseUcrNormalization(p.normalization());
  if (!normalization.ok()) return normalization.status();
  options.normalization = *normalization;
  if (p.length() < 0 || p.length() == 1) {
    return FieldError("length", absl::StrCat("must be 0 (the longest training series) or >= 2, "
                                             "got ",
                                             p.length()));
  }
  options.length = p.length();
  if (p.train_path().empty()) return FieldError("train_path", "required");
  absl::StatusOr<std::string> train = ResolveUserPath(p.train_path());
  if (!train.ok()) return train.status();
  options.train_path = *train;
  if (context.split == "test") {
    if (p.test_path().empty()) return FieldError("test_path", "required");
    absl::StatusOr<std::string> test = ResolveUserPath(p.test_path());
    if (!test.ok()) return test.status();
    options.test_path = *test;
  }
  return UcrDataset::Open(options, context.split);
}

SIAMESE_REGISTER_PLUGIN(Dataset, "ucr", siamese::ucr, UcrParams,
                        "univariate time series in the UCR archive format (tab or comma "
                        "separated), resampled to one length, z-normalized per series",
                        &CreateUcr);

}  // namespace
}  // namespace siamese
