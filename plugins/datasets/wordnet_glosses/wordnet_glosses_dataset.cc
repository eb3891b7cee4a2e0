#include "plugins/datasets/wordnet_glosses/wordnet_glosses_dataset.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "framework/core/registry.h"
#include "framework/io/atomic_file.h"
#include "plugins/datasets/text_common/text_dataset.h"
#include "plugins/datasets/text_common/text_input_reader.h"
#include "plugins/datasets/wordnet_glosses/wordnet_glosses.pb.h"

namespace siamese {

const std::vector<std::string>& WordnetLexnames() {
  static const auto* names =
      new std::vector<std::string>{"adj.all",          "adj.pert",           "adv.all",
                                   "noun.Tops",        "noun.act",           "noun.animal",
                                   "noun.artifact",    "noun.attribute",     "noun.body",
                                   "noun.cognition",   "noun.communication", "noun.event",
                                   "noun.feeling",     "noun.food",          "noun.group",
                                   "noun.location",    "noun.motive",        "noun.object",
                                   "noun.person",      "noun.phenomenon",    "noun.plant",
                                   "noun.possession",  "noun.process",       "noun.quantity",
                                   "noun.relation",    "noun.shape",         "noun.state",
                                   "noun.substance",   "noun.time",          "verb.body",
                                   "verb.change",      "verb.cognition",     "verb.communication",
                                   "verb.competition", "verb.consumption",   "verb.contact",
                                   "verb.creation",    "verb.emotion",       "verb.motion",
                                   "verb.perception",  "verb.possession",    "verb.social",
                                   "verb.stative",     "verb.weather",       "adj.ppl"};
  return *names;
}

namespace {

bool AllDigits(absl::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

absl::Status LineError(const std::string& path, int64_t line, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", what));
}

}  // namespace

absl::StatusOr<std::vector<WordnetSynset>> ReadWordnetDataFile(const std::string& path,
                                                               const std::string& types) {
  absl::StatusOr<std::string> contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  std::vector<WordnetSynset> synsets;
  int64_t line_number = 0;
  absl::string_view text = *contents;
  if (absl::EndsWith(text, "\n")) text.remove_suffix(1);
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (text.empty()) break;
    if (absl::StartsWith(line, "  ")) continue;  // license header
    const std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(' ', 3));
    if (f.size() < 4 || f[0].size() != 8 || !AllDigits(f[0]) || f[1].size() != 2 ||
        !AllDigits(f[1]) || f[2].size() != 1) {
      return LineError(path, line_number,
                       "expected '<8-digit synset_offset> <2-digit lex_filenum> <ss_type> ...'");
    }
    WordnetSynset s;
    s.offset = std::string(f[0]);
    s.lex_filenum = (f[1][0] - '0') * 10 + (f[1][1] - '0');
    s.ss_type = f[2][0];
    if (s.lex_filenum >= static_cast<int>(WordnetLexnames().size())) {
      return LineError(path, line_number, absl::StrCat("lex_filenum ", f[1], " is not in 00..44"));
    }
    if (types.find(s.ss_type) == std::string::npos) {
      return LineError(path, line_number,
                       absl::StrCat("ss_type '", f[2], "' is not one of \"", types, "\""));
    }
    const size_t bar = f[3].find(" | ");
    if (bar == absl::string_view::npos)
      return LineError(path, line_number, "no ' | ' before the gloss");
    s.gloss = std::string(absl::StripAsciiWhitespace(f[3].substr(bar + 3)));
    if (s.gloss.empty()) return LineError(path, line_number, "empty gloss");
    synsets.push_back(std::move(s));
  }
  if (synsets.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no synsets"));
  return synsets;
}

bool WordnetInTestSplit(const WordnetSynset& synset, double test_fraction) {
  uint64_t h = 14695981039346656037ULL;
  const std::string key = synset.offset + synset.ss_type;
  for (char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return static_cast<double>(h >> 11) * 0x1.0p-53 < test_fraction;
}

namespace {

constexpr char kName[] = "wordnet_glosses";

absl::StatusOr<std::unique_ptr<Dataset>> Create(const WordnetGlossesParams& p,
                                                const PluginContext& context) {
  const TokenizerSpec spec = TokenizerSpecOf(p);
  if (absl::Status s = ValidateTokenizerSpec(spec); !s.ok()) return s;
  if (!(p.test_fraction() > 0 && p.test_fraction() < 1)) {
    return FieldError("test_fraction", absl::StrCat("must be in (0, 1), got ", p.test_fraction()));
  }
  if (context.split != "train" && context.split != "test") {
    return absl::InvalidArgumentError(
        absl::StrCat(kName, ": split must be \"train\" or \"test\", got \"", context.split, "\""));
  }
  absl::StatusOr<std::string> dir = RequiredPath("data_dir", p.data_dir());
  if (!dir.ok()) return dir.status();

  // Every synset, split by hash; the examples of this split in file order.
  std::vector<std::string> files, split_texts, train_texts;
  std::vector<int64_t> split_labels;
  const bool train = context.split == "train";
  for (const auto& [file, types] : std::vector<std::pair<std::string, std::string>>{
           {"data.adj", "as"}, {"data.adv", "r"}, {"data.noun", "n"}, {"data.verb", "v"}}) {
    files.push_back(absl::StrCat(*dir, "/", file));
    absl::StatusOr<std::vector<WordnetSynset>> synsets = ReadWordnetDataFile(files.back(), types);
    if (!synsets.ok()) return synsets.status();
    for (WordnetSynset& s : *synsets) {
      const bool in_train = !WordnetInTestSplit(s, p.test_fraction());
      if (in_train == train) {
        split_texts.push_back(s.gloss);
        split_labels.push_back(s.lex_filenum);
      }
      if (in_train && context.dataset_state.empty()) train_texts.push_back(std::move(s.gloss));
    }
  }

  std::unique_ptr<Tokenizer> tokenizer;
  std::string state = context.dataset_state;
  if (!state.empty()) {
    absl::StatusOr<StateSections> sections = UnpackState(kName, state, {"tokenizer"});
    if (!sections.ok()) return sections.status();
    absl::StatusOr<std::unique_ptr<Tokenizer>> t =
        TokenizerFromState(kName, spec, sections->at("tokenizer"));
    if (!t.ok()) return t.status();
    tokenizer = std::move(*t);
  } else {
    tokenizer = BuildTokenizer(spec, train_texts);
    state = PackState(kName, {{"tokenizer", tokenizer->Serialize()}});
  }
  return std::unique_ptr<Dataset>(new TextDataset(std::move(split_texts), std::move(split_labels),
                                                  WordnetLexnames(), *tokenizer, spec.max_length,
                                                  std::move(files), std::move(state)));
}

SIAMESE_REGISTER_PLUGIN(Dataset, "wordnet_glosses", siamese::wordnet_glosses, WordnetGlossesParams,
                        "WordNet glosses (Debian's wordnet-base) labeled by lexicographer file "
                        "(45 categories)",
                        &Create);

// New inputs for a model trained on this dataset (embed --inputs, verify).
SIAMESE_REGISTER_PLUGIN(InputReader, "wordnet_glosses", siamese::wordnet_glosses, WordnetGlossesParams,
                        "new glosses or sentences (a text file, one per line; or one on the command line)",
                        [](const WordnetGlossesParams& p, const PluginContext& c) {
                          // Glosses are stripped of surrounding whitespace.
                          return MakeTextInputReader(kName, TokenizerSpecOf(p), c.dataset_state,
                                                     /*strip_whitespace=*/true);
                        });

}  // namespace
}  // namespace siamese
