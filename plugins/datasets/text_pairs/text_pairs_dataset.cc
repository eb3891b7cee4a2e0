// Dataset "text_pairs": the distinct texts of `text_a<TAB>text_b<TAB>same`
// files, labeled by duplicate cluster (see text_pairs.proto).
#include <algorithm>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/io/tsv.h"
#include "plugins/datasets/text_common/text_dataset.h"
#include "plugins/datasets/text_common/text_input_reader.h"
#include "plugins/datasets/text_pairs/text_pairs.pb.h"

namespace siamese {
namespace {

constexpr char kName[] = "text_pairs";
constexpr size_t kMaxNameBytes = 40;

// The distinct texts of a file and their clusters (ids by first appearance).
struct Clusters {
  std::vector<std::string> texts;
  std::vector<int64_t> cluster;
  std::vector<std::string> names;  // per cluster: its first text, shortened
};

int64_t Root(std::vector<int64_t>* parent, int64_t i) {
  while ((*parent)[i] != i) {
    (*parent)[i] = (*parent)[(*parent)[i]];
    i = (*parent)[i];
  }
  return i;
}

// At most kMaxNameBytes bytes of `text`, not cutting a UTF-8 character.
std::string ShortName(const std::string& text) {
  if (text.size() <= kMaxNameBytes) return text;
  size_t n = kMaxNameBytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n) + "...";
}

absl::StatusOr<Clusters> ReadClusters(const std::string& path) {
  absl::StatusOr<TsvReader> reader = TsvReader::Open(path);
  if (!reader.ok()) return reader.status();
  Clusters out;
  std::unordered_map<std::string, int64_t> index;
  std::vector<int64_t> parent;
  auto intern = [&](std::string text) {
    auto [it, added] = index.emplace(text, static_cast<int64_t>(out.texts.size()));
    if (added) {
      parent.push_back(it->second);
      out.texts.push_back(std::move(text));
    }
    return it->second;
  };
  TsvRow row;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) break;
    std::string problem;
    if (row.size() != 3) {
      problem = absl::StrCat(row.size(), " tab-separated fields");
    } else if (row[0].empty() || row[1].empty()) {
      problem = "an empty text";
    } else if (row[2] != "0" && row[2] != "1") {
      problem = absl::StrCat("same \"", row[2], "\"");
    }
    if (!problem.empty()) {
      return reader->Error(
          absl::StrCat("expected 'text_a<TAB>text_b<TAB>same' with same 0 or 1, found ", problem));
    }
    const int64_t a = intern(std::move(row[0]));
    const int64_t b = intern(std::move(row[1]));
    if (row[2] == "1") {
      const int64_t ra = Root(&parent, a), rb = Root(&parent, b);
      parent[std::max(ra, rb)] = std::min(ra, rb);  // the root is a cluster's first text
    }
  }
  if (out.texts.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no lines"));
  std::vector<int64_t> cluster_of_root(out.texts.size(), -1);
  for (size_t i = 0; i < out.texts.size(); ++i) {
    const int64_t r = Root(&parent, static_cast<int64_t>(i));
    if (cluster_of_root[r] < 0) {
      cluster_of_root[r] = static_cast<int64_t>(out.names.size());
      out.names.push_back(ShortName(out.texts[r]));
    }
    out.cluster.push_back(cluster_of_root[r]);
  }
  return out;
}

// What the training file determines.
struct Derived {
  std::unique_ptr<Tokenizer> tokenizer;
  int64_t train_clusters = 0;
  std::string state;
};

Derived Derive(const Clusters& training, const TokenizerSpec& spec) {
  Derived d;
  d.tokenizer = BuildTokenizer(spec, training.texts);
  d.train_clusters = static_cast<int64_t>(training.names.size());
  d.state = PackState(kName, {{"tokenizer", d.tokenizer->Serialize()},
                              {"train_clusters", absl::StrCat(d.train_clusters)}});
  return d;
}

absl::StatusOr<Derived> FromState(const std::string& state, const TokenizerSpec& spec) {
  absl::StatusOr<StateSections> sections =
      UnpackState(kName, state, {"tokenizer", "train_clusters"});
  if (!sections.ok()) return sections.status();
  Derived d;
  if (!absl::SimpleAtoi(sections->at("train_clusters"), &d.train_clusters) ||
      d.train_clusters < 1) {
    return absl::InvalidArgumentError(absl::StrCat(kName, ": dataset_state: train_clusters \"",
                                                   sections->at("train_clusters"),
                                                   "\" is not a count >= 1"));
  }
  absl::StatusOr<std::unique_ptr<Tokenizer>> t =
      TokenizerFromState(kName, spec, sections->at("tokenizer"));
  if (!t.ok()) return t.status();
  d.tokenizer = std::move(*t);
  d.state = state;
  return d;
}

absl::StatusOr<std::unique_ptr<Dataset>> Create(const TextPairsParams& p,
                                                const PluginContext& context) {
  const TokenizerSpec spec = TokenizerSpecOf(p);
  if (absl::Status s = ValidateTokenizerSpec(spec); !s.ok()) return s;
  auto file = ReadSplitFile<Clusters, Derived>(kName, context, spec, p.train_path(), p.test_path(),
                                               ReadClusters, Derive, FromState);
  if (!file.ok()) return file.status();
  const bool train = file->train;
  Clusters* own = &file->contents;
  Derived& derived = file->derived;

  // The test split's clusters follow the training split's ids.
  const int64_t offset = train ? 0 : derived.train_clusters;
  std::vector<std::string> class_names;
  class_names.reserve(offset + own->names.size());
  for (int64_t c = 0; c < offset; ++c) class_names.push_back(absl::StrCat("training cluster ", c));
  for (std::string& n : own->names) class_names.push_back(std::move(n));
  std::vector<int64_t> labels = std::move(own->cluster);
  for (int64_t& l : labels) l += offset;
  return std::unique_ptr<Dataset>(
      new TextDataset(std::move(own->texts), std::move(labels), std::move(class_names),
                      *derived.tokenizer, spec.max_length, {file->path}, std::move(derived.state)));
}

SIAMESE_REGISTER_PLUGIN(Dataset, "text_pairs", siamese::text_pairs, TextPairsParams,
                        "distinct texts of same/different text pairs (TSV), one class per "
                        "duplicate cluster",
                        &Create);

// New inputs for a model trained on this dataset (embed --inputs, verify).
SIAMESE_REGISTER_PLUGIN(InputReader, "text_pairs", siamese::text_pairs, TextPairsParams,
                        "new sentences (a text file, one per line; or one on the command line)",
                        [](const TextPairsParams& p, const PluginContext& c) {
                          return MakeTextInputReader(kName, TokenizerSpecOf(p), c.dataset_state);
                        });

}  // namespace
}  // namespace siamese
