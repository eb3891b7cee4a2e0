// What the text dataset plugins share: the tokenizer parameters, the dataset
// state (vocabulary and whatever else the training split derives, saved with
// the model), and a Dataset of tokenized texts.
//
// Examples have shape [max_length]: token ids as floats, 0-padded (see
// tokenizer.h for the reserved ids). Experiments on them should set
// `preprocessing { normalize: false }`: normalization would turn the ids,
// padding included, into other numbers.
#ifndef SIAMESE_PLUGINS_DATASETS_TEXT_COMMON_TEXT_DATASET_H_
#define SIAMESE_PLUGINS_DATASETS_TEXT_COMMON_TEXT_DATASET_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "framework/core/dataset.h"
#include "framework/core/registry.h"
#include "plugins/datasets/text_common/tokenizer.h"

namespace siamese {

// The tokenizer parameters every text dataset takes (fields of the same
// names in its .proto).
struct TokenizerSpec {
  std::string kind = "word";  // "byte" or "word"
  int64_t max_length = 64;
  WordTokenizerOptions word;  // word tokenizer only
};

// The spec of a plugin's parameters message with the fields tokenizer,
// max_length, lowercase, max_vocab and min_count.
template <typename Params>
TokenizerSpec TokenizerSpecOf(const Params& p) {
  TokenizerSpec spec;
  spec.kind = p.tokenizer();
  spec.max_length = p.max_length();
  spec.word.lowercase = p.lowercase();
  spec.word.max_vocab = p.max_vocab();
  spec.word.min_count = p.min_count();
  return spec;
}

// FieldError (naming tokenizer, max_length, max_vocab or min_count) for
// an unknown kind, max_length < 1, max_vocab < 1 or min_count < 1.
absl::Status ValidateTokenizerSpec(const TokenizerSpec& spec);

// The tokenizer of `spec`, a word tokenizer's vocabulary built from
// `training_texts`. REQUIRES: ValidateTokenizerSpec(spec) is OK.
std::unique_ptr<Tokenizer> BuildTokenizer(const TokenizerSpec& spec,
                                          const std::vector<std::string>& training_texts);

// The tokenizer saved in `state` (Tokenizer::Serialize). Errors:
// InvalidArgument "<dataset>: dataset_state: ..." for a damaged state or one
// of another kind than spec.kind.
absl::StatusOr<std::unique_ptr<Tokenizer>> TokenizerFromState(const std::string& dataset,
                                                              const TokenizerSpec& spec,
                                                              absl::string_view state);

// The file parameter `field` resolved as every data path is (ResolveUserPath);
// FieldError naming `field` when it is empty.
absl::StatusOr<std::string> RequiredPath(const std::string& field, const std::string& value);

// This split's file of a dataset with a train and a test file, and what the
// training file determines (labels, vocabulary): from context.dataset_state
// when given, else derived from the training file (read again when this is
// the test split opened on its own), exactly as training derived it.
//   read(path) -> absl::StatusOr<Contents>
//   derive(const Contents& training, spec) -> Derived
//   from_state(state, spec) -> absl::StatusOr<Derived>
template <typename Contents, typename Derived>
struct SplitFile {
  bool train = false;
  std::string path;
  Contents contents;
  Derived derived;
};

template <typename Contents, typename Derived, typename Read, typename Derive, typename FromState>
absl::StatusOr<SplitFile<Contents, Derived>> ReadSplitFile(const std::string& dataset,
                                                           const PluginContext& context,
                                                           const TokenizerSpec& spec,
                                                           const std::string& train_path,
                                                           const std::string& test_path, Read read,
                                                           Derive derive, FromState from_state) {
  if (context.split != "train" && context.split != "test") {
    return absl::InvalidArgumentError(absl::StrCat(
        dataset, ": split must be \"train\" or \"test\", got \"", context.split, "\""));
  }
  SplitFile<Contents, Derived> f;
  f.train = context.split == "train";
  absl::StatusOr<std::string> path =
      RequiredPath(f.train ? "train_path" : "test_path", f.train ? train_path : test_path);
  if (!path.ok()) return path.status();
  f.path = *path;
  absl::StatusOr<Contents> contents = read(f.path);
  if (!contents.ok()) return contents.status();
  f.contents = std::move(*contents);
  if (!context.dataset_state.empty()) {
    absl::StatusOr<Derived> d = from_state(context.dataset_state, spec);
    if (!d.ok()) return d.status();
    f.derived = std::move(*d);
  } else if (f.train) {
    f.derived = derive(f.contents, spec);
  } else {
    absl::StatusOr<std::string> training_path = RequiredPath("train_path", train_path);
    if (!training_path.ok()) return training_path.status();
    absl::StatusOr<Contents> training = read(*training_path);
    if (!training.ok()) return training.status();
    f.derived = derive(*training, spec);
  }
  return f;
}

// A dataset state: named sections of bytes, tagged with the dataset's name.
using StateSections = std::map<std::string, std::string>;
std::string PackState(const std::string& dataset, const StateSections& sections);
// Errors: InvalidArgument "<dataset>: dataset_state: ..." for a state that
// PackState(dataset, ...) did not write (another dataset's included) or that
// lacks one of `required` sections.
absl::StatusOr<StateSections> UnpackState(const std::string& dataset, absl::string_view state,
                                          const std::vector<std::string>& required);

// Texts tokenized once, at construction.
class TextDataset : public Dataset {
 public:
  // REQUIRES: texts.size() == labels.size(), every label in
  // [0, class_names.size()), max_length >= 1 (aborts otherwise).
  TextDataset(std::vector<std::string> texts, std::vector<int64_t> labels,
              std::vector<std::string> class_names, const Tokenizer& tokenizer, int64_t max_length,
              std::vector<std::string> files, std::string state);

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape example_shape() const override { return {max_length_}; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return class_names_; }
  // The token ids of example i as floats.
  void CopyExample(int64_t i, float* dst) const override;
  std::vector<std::string> source_files() const override { return files_; }
  std::string State() const override { return state_; }

  // The text of example i, as read.
  const std::string& text(int64_t i) const;
  // The token ids of example i (max_length of them).
  std::vector<int64_t> ids(int64_t i) const;

 private:
  int64_t max_length_;
  std::vector<std::string> texts_;
  std::vector<int32_t> ids_;  // [size, max_length]
  std::vector<int64_t> labels_;
  std::vector<std::string> class_names_;
  std::vector<std::string> files_;
  std::string state_;
};

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_TEXT_COMMON_TEXT_DATASET_H_
