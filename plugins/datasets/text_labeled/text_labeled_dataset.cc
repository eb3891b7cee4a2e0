// Dataset "text_labeled": `label<TAB>text` lines of a training and a test
// TSV file (see text_labeled.proto).
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "framework/core/registry.h"
#include "framework/io/tsv.h"
#include "plugins/datasets/text_common/text_dataset.h"
#include "plugins/datasets/text_common/text_input_reader.h"
#include "plugins/datasets/text_labeled/text_labeled.pb.h"

namespace siamese {
namespace {

constexpr char kName[] = "text_labeled";

struct Rows {
  std::vector<std::string> labels, texts;
};

absl::StatusOr<Rows> ReadRows(const std::string& path) {
  absl::StatusOr<TsvReader> reader = TsvReader::Open(path);
  if (!reader.ok()) return reader.status();
  Rows rows;
  TsvRow row;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (row.size() != 2 || row[0].empty() || row[1].empty()) {
      return reader->Error(
          absl::StrCat("expected 'label<TAB>text', found ",
                       row.size() != 2 ? absl::StrCat(row.size(), " tab-separated fields")
                                       : (row[0].empty() ? "an empty label" : "an empty text")));
    }
    rows.labels.push_back(std::move(row[0]));
    rows.texts.push_back(std::move(row[1]));
  }
  if (rows.texts.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no lines"));
  return rows;
}

// What the training file determines: its sorted labels and the tokenizer.
struct Derived {
  std::vector<std::string> labels;
  std::unique_ptr<Tokenizer> tokenizer;
  std::string state;
};

Derived Derive(const Rows& training, const TokenizerSpec& spec) {
  Derived d;
  const std::set<std::string> labels(training.labels.begin(), training.labels.end());
  d.labels.assign(labels.begin(), labels.end());
  d.tokenizer = BuildTokenizer(spec, training.texts);
  std::string labels_section;
  for (const std::string& l : d.labels) absl::StrAppend(&labels_section, l, "\n");
  d.state = PackState(kName, {{"labels", labels_section}, {"tokenizer", d.tokenizer->Serialize()}});
  return d;
}

absl::StatusOr<Derived> FromState(const std::string& state, const TokenizerSpec& spec) {
  absl::StatusOr<StateSections> sections = UnpackState(kName, state, {"labels", "tokenizer"});
  if (!sections.ok()) return sections.status();
  Derived d;
  const absl::string_view labels = sections->at("labels");  // "<label>\n" each
  if (!labels.empty() && labels.back() != '\n') {
    return absl::InvalidArgumentError(
        absl::StrCat(kName, ": dataset_state: the labels do not end with a line break"));
  }
  if (!labels.empty()) {
    for (absl::string_view l : absl::StrSplit(labels.substr(0, labels.size() - 1), '\n')) {
      if (l.empty() || (!d.labels.empty() && !(d.labels.back() < l))) {
        return absl::InvalidArgumentError(absl::StrCat(
            kName, ": dataset_state: the labels are not non-empty, sorted and distinct at \"", l,
            "\""));
      }
      d.labels.emplace_back(l);
    }
  }
  absl::StatusOr<std::unique_ptr<Tokenizer>> t =
      TokenizerFromState(kName, spec, sections->at("tokenizer"));
  if (!t.ok()) return t.status();
  d.tokenizer = std::move(*t);
  d.state = state;
  return d;
}

absl::StatusOr<std::unique_ptr<Dataset>> Create(const TextLabeledParams& p,
                                                const PluginContext& context) {
  const TokenizerSpec spec = TokenizerSpecOf(p);
  if (absl::Status s = ValidateTokenizerSpec(spec); !s.ok()) return s;
  auto file = ReadSplitFile<Rows, Derived>(kName, context, spec, p.train_path(), p.test_path(),
                                           ReadRows, Derive, FromState);
  if (!file.ok()) return file.status();
  Rows* rows = &file->contents;
  Derived& derived = file->derived;

  // Training labels first, then labels this file adds, each in sorted order.
  std::vector<std::string> class_names = derived.labels;
  std::map<std::string, int64_t> ids;
  for (size_t c = 0; c < class_names.size(); ++c) ids[class_names[c]] = static_cast<int64_t>(c);
  const std::set<std::string> unseen(rows->labels.begin(), rows->labels.end());
  for (const std::string& l : unseen) {
    if (ids.emplace(l, static_cast<int64_t>(class_names.size())).second) class_names.push_back(l);
  }
  std::vector<int64_t> labels;
  labels.reserve(rows->labels.size());
  for (const std::string& l : rows->labels) labels.push_back(ids.at(l));
  return std::unique_ptr<Dataset>(
      new TextDataset(std::move(rows->texts), std::move(labels), std::move(class_names),
                      *derived.tokenizer, spec.max_length, {file->path}, std::move(derived.state)));
}

SIAMESE_REGISTER_PLUGIN(Dataset, "text_labeled", siamese::text_labeled, TextLabeledParams,
                        "labeled texts from TSV files (label<TAB>text), tokenized to ids", &Create);

// New inputs for a model trained on this dataset (embed --inputs, verify).
SIAMESE_REGISTER_PLUGIN(InputReader, "text_labeled", siamese::text_labeled, TextLabeledParams,
                        "new sentences (a text file, one per line; or one on the command line)",
                        [](const TextLabeledParams& p, const PluginContext& c) {
                          return MakeTextInputReader(kName, TokenizerSpecOf(p), c.dataset_state);
                        });

}  // namespace
}  // namespace siamese
