// Tokenizers of the text datasets (text_labeled, text_pairs, wordnet_glosses).
//
// A text becomes a fixed-length sequence of token ids; the datasets hand it to
// encoders as an example of shape [max_length] holding the ids as floats.
// Reserved ids, shared by every tokenizer:
//   0 <pad>  padding after the text (encoders mask it)
//   1 <unk>  a word outside the vocabulary
//   2 <cls>  reserved for encoders that prepend a summary token; no
//            tokenizer here emits it
// Real tokens start at kFirstTokenId = 3.
//
//   ByteTokenizer   every UTF-8 byte b is token b + 3 (vocab_size 259); no
//                   state, no unknowns, exact round trip.
//   WordTokenizer   ASCII words (maximal runs of [A-Za-z0-9]; every other
//                   byte, non-ASCII included, separates words), optionally
//                   lower-cased, with a vocabulary built from training texts.
#ifndef SIAMESE_PLUGINS_DATASETS_TEXT_COMMON_TOKENIZER_H_
#define SIAMESE_PLUGINS_DATASETS_TEXT_COMMON_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace siamese {

inline constexpr int64_t kPadId = 0;
inline constexpr int64_t kUnknownId = 1;
inline constexpr int64_t kClsId = 2;
inline constexpr int64_t kFirstTokenId = 3;

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // "byte" or "word".
  virtual std::string kind() const = 0;
  // Ids are in [0, vocab_size()).
  virtual int64_t vocab_size() const = 0;
  // The ids of `text`, truncated to max_length and padded with kPadId up to
  // it. REQUIRES: max_length >= 1 (aborts otherwise).
  virtual std::vector<int64_t> Encode(absl::string_view text, int64_t max_length) const = 0;
  // The text of `ids`: padding is skipped, <unk> and <cls> are written as
  // "<unk>" and "<cls>". REQUIRES: every id in [0, vocab_size()) (aborts
  // naming the id otherwise).
  virtual std::string Decode(const std::vector<int64_t>& ids) const = 0;
  // Everything needed to tokenize identically later (DeserializeTokenizer).
  virtual std::string Serialize() const = 0;
};

class ByteTokenizer : public Tokenizer {
 public:
  std::string kind() const override { return "byte"; }
  int64_t vocab_size() const override { return 256 + kFirstTokenId; }
  std::vector<int64_t> Encode(absl::string_view text, int64_t max_length) const override;
  // Exact inverse of Encode for texts no longer than max_length bytes (a
  // truncation may cut a multibyte UTF-8 character).
  std::string Decode(const std::vector<int64_t>& ids) const override;
  std::string Serialize() const override;
  // Errors: InvalidArgument when `state` is not Serialize()'s output.
  static absl::StatusOr<ByteTokenizer> Deserialize(absl::string_view state);
};

struct WordTokenizerOptions {
  bool lowercase = true;      // ASCII lower-casing before the split
  int64_t max_vocab = 10000;  // at most this many words (vocab_size <= max_vocab + 3)
  int64_t min_count = 1;      // words seen fewer times in training are <unk>
};

class WordTokenizer : public Tokenizer {
 public:
  // The vocabulary of `texts` (the training split's): words with count >=
  // min_count, sorted by descending count, ties alphabetically (byte order),
  // the first max_vocab of them; the i-th word gets id i + 3.
  // REQUIRES: max_vocab >= 0, min_count >= 1 (aborts otherwise).
  static WordTokenizer Build(const std::vector<std::string>& texts,
                             const WordTokenizerOptions& options);
  // The words of `text` as Encode sees them (split, optionally lower-cased).
  static std::vector<std::string> Words(absl::string_view text, bool lowercase);

  std::string kind() const override { return "word"; }
  int64_t vocab_size() const override {
    return kFirstTokenId + static_cast<int64_t>(vocabulary_.size());
  }
  // One id per word; words outside the vocabulary are kUnknownId.
  std::vector<int64_t> Encode(absl::string_view text, int64_t max_length) const override;
  // The normalized words joined by single spaces.
  std::string Decode(const std::vector<int64_t>& ids) const override;
  std::string Serialize() const override;
  // Errors: InvalidArgument "WordTokenizer state: ..." saying what is wrong
  // (not a word-tokenizer state, a bad count, an empty, non-alphanumeric or
  // repeated word, trailing bytes).
  static absl::StatusOr<WordTokenizer> Deserialize(absl::string_view state);

  bool lowercase() const { return lowercase_; }
  // Word of id i + 3.
  const std::vector<std::string>& vocabulary() const { return vocabulary_; }
  // The id of one normalized word, kUnknownId if absent.
  int64_t Id(const std::string& word) const;

 private:
  WordTokenizer(std::vector<std::string> vocabulary, bool lowercase);

  std::vector<std::string> vocabulary_;
  std::unordered_map<std::string, int64_t> ids_;
  bool lowercase_ = true;
};

// The tokenizer whose Serialize() gave `state`, of either kind.
// Errors: InvalidArgument naming what is wrong.
absl::StatusOr<std::unique_ptr<Tokenizer>> DeserializeTokenizer(absl::string_view state);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_TEXT_COMMON_TOKENIZER_H_
