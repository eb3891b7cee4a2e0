#include "plugins/datasets/text_common/text_dataset.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/io/run_dir.h"

namespace siamese {
namespace {

constexpr absl::string_view kStateHeader = "siamese.text_dataset_state v1 ";

absl::Status StateError(const std::string& dataset, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(dataset, ": dataset_state: ", message));
}

}  // namespace

absl::Status ValidateTokenizerSpec(const TokenizerSpec& spec) {
  if (spec.kind != "byte" && spec.kind != "word") {
    return FieldError("tokenizer",
                      absl::StrCat("must be \"byte\" or \"word\", got \"", spec.kind, "\""));
  }
  if (spec.max_length < 1) {
    return FieldError("max_length", absl::StrCat("must be >= 1, got ", spec.max_length));
  }
  if (spec.word.max_vocab < 1) {
    return FieldError("max_vocab", absl::StrCat("must be >= 1, got ", spec.word.max_vocab));
  }
  if (spec.word.min_count < 1) {
    return FieldError("min_count", absl::StrCat("must be >= 1, got ", spec.word.min_count));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequiredPath(const std::string& field, const std::string& value) {
  if (value.empty()) return FieldError(field, "required: the path of a data file");
  return ResolveUserPath(value);
}

std::unique_ptr<Tokenizer> BuildTokenizer(const TokenizerSpec& spec,
                                          const std::vector<std::string>& training_texts) {
  if (spec.kind == "byte") return std::make_unique<ByteTokenizer>();
  return std::make_unique<WordTokenizer>(WordTokenizer::Build(training_texts, spec.word));
}

absl::StatusOr<std::unique_ptr<Tokenizer>> TokenizerFromState(const std::string& dataset,
                                                              const TokenizerSpec& spec,
                                                              absl::string_view state) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> t = DeserializeTokenizer(state);
  if (!t.ok()) return StateError(dataset, std::string(t.status().message()));
  if ((*t)->kind() != spec.kind) {
    return StateError(dataset, absl::StrCat("holds a ", (*t)->kind(),
                                            " tokenizer but tokenizer is \"", spec.kind, "\""));
  }
  return t;
}

// "<header><dataset>\n" then, per section, "<name> <length>\n<bytes>\n".
std::string PackState(const std::string& dataset, const StateSections& sections) {
  std::string out = absl::StrCat(kStateHeader, dataset, "\n");
  for (const auto& [name, bytes] : sections)
    absl::StrAppend(&out, name, " ", bytes.size(), "\n", bytes, "\n");
  return out;
}

absl::StatusOr<StateSections> UnpackState(const std::string& dataset, absl::string_view state,
                                          const std::vector<std::string>& required) {
  const std::string header = absl::StrCat(kStateHeader, dataset, "\n");
  if (!absl::StartsWith(state, header)) {
    const size_t eol = state.find('\n');
    return StateError(
        dataset, absl::StrCat("expected the first line \"", kStateHeader, dataset, "\", got \"",
                              state.substr(0, std::min<size_t>(eol, 80)), "\""));
  }
  StateSections sections;
  size_t at = header.size();
  while (at < state.size()) {
    const size_t eol = state.find('\n', at);
    const absl::string_view line =
        state.substr(at, eol == absl::string_view::npos ? eol : eol - at);
    const size_t space = line.rfind(' ');
    size_t length = 0;
    if (eol == absl::string_view::npos || space == absl::string_view::npos || space == 0 ||
        !absl::SimpleAtoi(line.substr(space + 1), &length)) {
      return StateError(dataset, absl::StrCat("byte ", at, ": expected \"<section> <length>\""));
    }
    const std::string name(line.substr(0, space));
    const size_t start = eol + 1;
    if (length >= state.size() - start || state[start + length] != '\n') {
      return StateError(dataset, absl::StrCat("section \"", name, "\" is truncated"));
    }
    sections[name] = std::string(state.substr(start, length));
    at = start + length + 1;
  }
  for (const std::string& r : required) {
    if (!sections.count(r)) return StateError(dataset, absl::StrCat("no section \"", r, "\""));
  }
  return sections;
}

TextDataset::TextDataset(std::vector<std::string> texts, std::vector<int64_t> labels,
                         std::vector<std::string> class_names, const Tokenizer& tokenizer,
                         int64_t max_length, std::vector<std::string> files, std::string state)
    : max_length_(max_length),
      texts_(std::move(texts)),
      labels_(std::move(labels)),
      class_names_(std::move(class_names)),
      files_(std::move(files)),
      state_(std::move(state)) {
  SIAMESE_CHECK(texts_.size() == labels_.size() && max_length_ >= 1)
      << "TextDataset: " << texts_.size() << " texts, " << labels_.size() << " labels, max_length "
      << max_length_;
  ids_.reserve(texts_.size() * max_length_);
  for (size_t i = 0; i < texts_.size(); ++i) {
    SIAMESE_CHECK(labels_[i] >= 0 && labels_[i] < static_cast<int64_t>(class_names_.size()))
        << "TextDataset: label " << labels_[i] << " of example " << i << " is not in [0, "
        << class_names_.size() << ")";
    for (int64_t id : tokenizer.Encode(texts_[i], max_length_)) {
      ids_.push_back(static_cast<int32_t>(id));
    }
  }
}

void TextDataset::CopyExample(int64_t i, float* dst) const {
  SIAMESE_CHECK(i >= 0 && i < size()) << "TextDataset: example " << i << " of " << size();
  const int32_t* src = ids_.data() + i * max_length_;
  for (int64_t k = 0; k < max_length_; ++k) dst[k] = static_cast<float>(src[k]);
}

const std::string& TextDataset::text(int64_t i) const {
  SIAMESE_CHECK(i >= 0 && i < size()) << "TextDataset: example " << i << " of " << size();
  return texts_[i];
}

std::vector<int64_t> TextDataset::ids(int64_t i) const {
  SIAMESE_CHECK(i >= 0 && i < size()) << "TextDataset: example " << i << " of " << size();
  return std::vector<int64_t>(ids_.begin() + i * max_length_, ids_.begin() + (i + 1) * max_length_);
}

}  // namespace siamese
