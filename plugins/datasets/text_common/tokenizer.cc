#include "plugins/datasets/text_common/tokenizer.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "framework/base/check.h"

namespace siamese {
namespace {

constexpr absl::string_view kByteHeader = "siamese.ByteTokenizer v1";
constexpr absl::string_view kWordHeader = "siamese.WordTokenizer v1";

bool IsWordByte(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// Appends the readable form of a reserved id.
bool AppendReserved(int64_t id, std::string* out) {
  if (id == kUnknownId) {
    *out += "<unk>";
    return true;
  }
  if (id == kClsId) {
    *out += "<cls>";
    return true;
  }
  return false;
}

absl::Status WordStateError(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat("WordTokenizer state: ", message));
}

}  // namespace

// --- ByteTokenizer

std::vector<int64_t> ByteTokenizer::Encode(absl::string_view text, int64_t max_length) const {
  SIAMESE_CHECK(max_length >= 1) << "ByteTokenizer::Encode: max_length " << max_length
                                 << " must be >= 1";
  std::vector<int64_t> ids(max_length, kPadId);
  const int64_t n = std::min<int64_t>(max_length, static_cast<int64_t>(text.size()));
  for (int64_t i = 0; i < n; ++i) ids[i] = static_cast<unsigned char>(text[i]) + kFirstTokenId;
  return ids;
}

std::string ByteTokenizer::Decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) {
    SIAMESE_CHECK(id >= 0 && id < vocab_size())
        << "ByteTokenizer::Decode: id " << id << " is not in [0, " << vocab_size() << ")";
    if (id == kPadId || AppendReserved(id, &out)) continue;
    out += static_cast<char>(static_cast<unsigned char>(id - kFirstTokenId));
  }
  return out;
}

std::string ByteTokenizer::Serialize() const { return absl::StrCat(kByteHeader, "\n"); }

absl::StatusOr<ByteTokenizer> ByteTokenizer::Deserialize(absl::string_view state) {
  if (state != absl::StrCat(kByteHeader, "\n")) {
    return absl::InvalidArgumentError(
        absl::StrCat("ByteTokenizer state: expected \"", kByteHeader, "\\n\", got ", state.size(),
                     " bytes", absl::StartsWith(state, kWordHeader) ? " of a word tokenizer" : ""));
  }
  return ByteTokenizer();
}

// --- WordTokenizer

WordTokenizer::WordTokenizer(std::vector<std::string> vocabulary, bool lowercase)
    : vocabulary_(std::move(vocabulary)), lowercase_(lowercase) {
  for (size_t i = 0; i < vocabulary_.size(); ++i) {
    ids_.emplace(vocabulary_[i], kFirstTokenId + static_cast<int64_t>(i));
  }
}

std::vector<std::string> WordTokenizer::Words(absl::string_view text, bool lowercase) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    if (!IsWordByte(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsWordByte(text[j])) ++j;
    std::string w(text.substr(i, j - i));
    if (lowercase) absl::AsciiStrToLower(&w);
    words.push_back(std::move(w));
    i = j;
  }
  return words;
}

WordTokenizer WordTokenizer::Build(const std::vector<std::string>& texts,
                                   const WordTokenizerOptions& options) {
  SIAMESE_CHECK(options.max_vocab >= 0 && options.min_count >= 1)
      << "WordTokenizer::Build: max_vocab " << options.max_vocab << " must be >= 0 and min_count "
      << options.min_count << " >= 1";
  std::map<std::string, int64_t> counts;  // ordered: ties end up alphabetical
  for (const std::string& t : texts) {
    for (std::string& w : Words(t, options.lowercase)) ++counts[std::move(w)];
  }
  std::vector<std::pair<std::string, int64_t>> kept;
  for (auto& [word, count] : counts) {
    if (count >= options.min_count) kept.emplace_back(word, count);
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (static_cast<int64_t>(kept.size()) > options.max_vocab) kept.resize(options.max_vocab);
  std::vector<std::string> vocabulary;
  vocabulary.reserve(kept.size());
  for (auto& [word, count] : kept) vocabulary.push_back(std::move(word));
  return WordTokenizer(std::move(vocabulary), options.lowercase);
}

int64_t WordTokenizer::Id(const std::string& word) const {
  auto it = ids_.find(word);
  return it == ids_.end() ? kUnknownId : it->second;
}

std::vector<int64_t> WordTokenizer::Encode(absl::string_view text, int64_t max_length) const {
  SIAMESE_CHECK(max_length >= 1) << "WordTokenizer::Encode: max_length " << max_length
                                 << " must be >= 1";
  std::vector<int64_t> ids(max_length, kPadId);
  const std::vector<std::string> words = Words(text, lowercase_);
  const int64_t n = std::min<int64_t>(max_length, static_cast<int64_t>(words.size()));
  for (int64_t i = 0; i < n; ++i) ids[i] = Id(words[i]);
  return ids;
}

std::string WordTokenizer::Decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) {
    SIAMESE_CHECK(id >= 0 && id < vocab_size())
        << "WordTokenizer::Decode: id " << id << " is not in [0, " << vocab_size() << ")";
    if (id == kPadId) continue;
    if (!out.empty()) out += ' ';
    if (!AppendReserved(id, &out)) out += vocabulary_[id - kFirstTokenId];
  }
  return out;
}

std::string WordTokenizer::Serialize() const {
  std::string out = absl::StrCat(kWordHeader, "\nlowercase ", lowercase_ ? 1 : 0, "\nwords ",
                                 vocabulary_.size(), "\n");
  for (const std::string& w : vocabulary_) absl::StrAppend(&out, w, "\n");
  return out;
}

absl::StatusOr<WordTokenizer> WordTokenizer::Deserialize(absl::string_view state) {
  if (!absl::EndsWith(state, "\n")) return WordStateError("does not end with a line break");
  std::vector<absl::string_view> lines = absl::StrSplit(state.substr(0, state.size() - 1), '\n');
  if (lines[0] != kWordHeader) {
    return WordStateError(
        absl::StrCat("the first line is not \"", kWordHeader, "\"",
                     lines[0] == kByteHeader ? " (a byte tokenizer's state)" : ""));
  }
  if (lines.size() < 3 || (lines[1] != "lowercase 0" && lines[1] != "lowercase 1")) {
    return WordStateError("line 2 is not \"lowercase 0\" or \"lowercase 1\"");
  }
  const bool lowercase = lines[1] == "lowercase 1";
  int64_t count = -1;
  if (!absl::StartsWith(lines[2], "words ") || !absl::SimpleAtoi(lines[2].substr(6), &count) ||
      count < 0) {
    return WordStateError("line 3 is not \"words <count>\"");
  }
  if (static_cast<int64_t>(lines.size()) - 3 != count) {
    return WordStateError(
        absl::StrCat("line 3 announces ", count, " words but ", lines.size() - 3, " follow"));
  }
  std::vector<std::string> vocabulary;
  std::unordered_map<std::string, int64_t> seen;
  for (size_t i = 3; i < lines.size(); ++i) {
    const absl::string_view w = lines[i];
    const bool ok = !w.empty() && std::all_of(w.begin(), w.end(), IsWordByte) &&
                    (!lowercase || !std::any_of(w.begin(), w.end(), absl::ascii_isupper));
    if (!ok) {
      return WordStateError(absl::StrCat("line ", i + 1, ": \"", w, "\" is not a ",
                                         lowercase ? "lower-case " : "", "ASCII word"));
    }
    if (!seen.emplace(std::string(w), i).second) {
      return WordStateError(
          absl::StrCat("line ", i + 1, ": \"", w, "\" repeats line ", seen[std::string(w)] + 1));
    }
    vocabulary.emplace_back(w);
  }
  return WordTokenizer(std::move(vocabulary), lowercase);
}

// --- Either kind

absl::StatusOr<std::unique_ptr<Tokenizer>> DeserializeTokenizer(absl::string_view state) {
  if (absl::StartsWith(state, kWordHeader)) {
    absl::StatusOr<WordTokenizer> t = WordTokenizer::Deserialize(state);
    if (!t.ok()) return t.status();
    return std::unique_ptr<Tokenizer>(new WordTokenizer(std::move(*t)));
  }
  if (absl::StartsWith(state, kByteHeader)) {
    absl::StatusOr<ByteTokenizer> t = ByteTokenizer::Deserialize(state);
    if (!t.ok()) return t.status();
    return std::unique_ptr<Tokenizer>(new ByteTokenizer(std::move(*t)));
  }
  return absl::InvalidArgumentError(absl::StrCat("tokenizer state: starts with neither \"",
                                                 kByteHeader, "\" nor \"", kWordHeader, "\""));
}

}  // namespace siamese
