#include "plugins/datasets/text_common/text_input_reader.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "framework/io/atomic_file.h"

namespace siamese {
namespace {

class TextInputReader : public InputReader {
 public:
  TextInputReader(std::string dataset, int64_t max_length, std::unique_ptr<Tokenizer> tokenizer,
                  bool strip_whitespace)
      : dataset_(std::move(dataset)),
        max_length_(max_length),
        tokenizer_(std::move(tokenizer)),
        strip_whitespace_(strip_whitespace) {}

  std::string Describe() const override {
    return "sentences: a text file with one per line, or a sentence on the command line";
  }

  absl::StatusOr<std::vector<NewInput>> ReadFile(const std::string& path,
                                                 const Shape& example_shape) const override {
    if (absl::Status s = CheckShape(example_shape); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
    }
    absl::StatusOr<std::string> text = siamese::ReadFile(path);
    if (!text.ok()) return text.status();
    std::vector<NewInput> inputs;
    int64_t line_number = 0;
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      ++line_number;
      absl::ConsumeSuffix(&line, "\r");
      if (strip_whitespace_) line = absl::StripAsciiWhitespace(line);
      if (line.empty()) continue;
      inputs.push_back(Encode(line, absl::StrCat(path, ":", line_number)));
    }
    if (inputs.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no sentence (every line is empty)"));
    }
    return inputs;
  }

  absl::StatusOr<NewInput> ParseText(const std::string& text,
                                     const Shape& example_shape) const override {
    if (absl::Status s = CheckShape(example_shape); !s.ok()) return s;
    const absl::string_view sentence = strip_whitespace_ ? absl::StripAsciiWhitespace(text) : text;
    if (sentence.empty()) return absl::InvalidArgumentError("an empty sentence");
    return Encode(sentence, absl::StrCat("\"", text, "\""));
  }

 private:
  absl::Status CheckShape(const Shape& shape) const {
    if (shape == Shape{max_length_}) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(dataset_, ": the model's examples are ", ShapeToString(shape),
                     ", not token ids of max_length ", max_length_));
  }

  NewInput Encode(absl::string_view text, std::string name) const {
    NewInput in;
    in.name = std::move(name);
    for (int64_t id : tokenizer_->Encode(text, max_length_))
      in.values.push_back(static_cast<float>(id));
    return in;
  }

  std::string dataset_;
  int64_t max_length_;
  std::unique_ptr<Tokenizer> tokenizer_;
  bool strip_whitespace_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<InputReader>> MakeTextInputReader(const std::string& dataset,
                                                                 const TokenizerSpec& spec,
                                                                 const std::string& state,
                                                                 bool strip_whitespace) {
  if (absl::Status s = ValidateTokenizerSpec(spec); !s.ok()) return s;
  if (state.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        dataset, ": dataset_state: empty; new sentences need the tokenizer saved with the model"));
  }
  absl::StatusOr<StateSections> sections = UnpackState(dataset, state, {"tokenizer"});
  if (!sections.ok()) return sections.status();
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      TokenizerFromState(dataset, spec, sections->at("tokenizer"));
  if (!tokenizer.ok()) return tokenizer.status();
  return std::unique_ptr<InputReader>(
      new TextInputReader(dataset, spec.max_length, std::move(*tokenizer), strip_whitespace));
}

}  // namespace siamese
