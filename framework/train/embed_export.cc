#include "framework/train/embed_export.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "framework/io/npy.h"
#include "framework/io/run_dir.h"
#include "framework/io/tsv.h"
#include "framework/ops/frozen_weights.h"
#include "framework/train/new_inputs.h"

namespace siamese {

namespace {

absl::Status UnknownSplit(const std::string& name) {
  return absl::InvalidArgumentError(
      absl::StrCat("unknown split \"", name, "\"; the splits are train, validation and test"));
}

}  // namespace

absl::StatusOr<const Split*> FindSplit(const ExperimentData& data, const std::string& name) {
  if (name == "train") return &data.train;
  if (name == "validation") return &data.validation;
  if (name == "test") return &data.test;
  return UnknownSplit(name);
}

absl::Status WriteEmbeddingFiles(const std::string& output_dir, const Tensor& embeddings,
                                 const std::vector<int64_t>& labels,
                                 const std::vector<std::string>& class_names,
                                 const std::vector<std::string>* input_names) {
  if (input_names != nullptr && input_names->size() != labels.size()) {
    return absl::InvalidArgumentError(absl::StrCat(input_names->size(), " input names for ",
                                                   labels.size(), " labels"));
  }
  if (embeddings.rank() != 2 || embeddings.dim(0) != static_cast<int64_t>(labels.size())) {
    return absl::InvalidArgumentError(absl::StrCat("embeddings ", embeddings.ShapeString(),
                                                   " do not match ", labels.size(), " labels"));
  }
  if (absl::Status s = MakeDirs(output_dir); !s.ok()) return s;
  const Tensor e = embeddings.ToPlain();
  const int64_t n = e.dim(0), d = e.dim(1);
  if (absl::Status s = WriteNpy(output_dir + "/embeddings.npy", e.data(), {n, d}); !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteNpyInt64(output_dir + "/labels.npy", labels.data(), {n}); !s.ok()) {
    return s;
  }
  std::vector<TsvRow> vectors(n), metadata;
  metadata.reserve(n + 1);
  metadata.push_back({"label", "class"});
  if (input_names != nullptr) metadata[0].insert(metadata[0].begin(), "input");
  for (int64_t i = 0; i < n; ++i) {
    vectors[i].reserve(d);
    for (int64_t k = 0; k < d; ++k)
      vectors[i].push_back(absl::StrFormat("%.7g", e.data()[i * d + k]));
    const int64_t l = labels[i];
    const bool named = l >= 0 && l < static_cast<int64_t>(class_names.size());
    metadata.push_back({absl::StrCat(l), named ? class_names[l] : l < 0 ? "" : absl::StrCat(l)});
    if (input_names != nullptr) {
      std::string name = (*input_names)[i];
      std::replace_if(
          name.begin(), name.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; },
          ' ');
      metadata.back().insert(metadata.back().begin(), std::move(name));
    }
  }
  if (absl::Status s = WriteTsv(output_dir + "/vectors.tsv", vectors); !s.ok()) return s;
  return WriteTsv(output_dir + "/metadata.tsv", metadata);
}

Tensor EmbedSplit(TrainedModel* model, const Split& split, int64_t block_rows) {
  const int64_t dim = model->embedding_dim();
  Tensor embeddings = Tensor::Empty({split.size(), dim});
  // Raw values (identity normalization); Embed applies the stored one. The
  // weights stay fixed over all blocks: reorder each once.
  FrozenWeightsScope frozen;
  ForEachBlock(split, std::max<int64_t>(block_rows, 1), Normalization{},
               [&](const Tensor& batch, int64_t first) {
                 Tensor e = model->Embed(batch).ToPlain();
                 std::memcpy(embeddings.data() + first * dim, e.data(), e.numel() * sizeof(float));
               });
  return embeddings;
}

absl::StatusOr<EmbeddingExport> ExportEmbeddings(TrainedModel* model, const std::string& split,
                                                 const std::string& output_dir,
                                                 int64_t block_rows) {
  if (split != "train" && split != "validation" && split != "test") {
    return UnknownSplit(split);  // before the (possibly long) data loading
  }
  auto data = LoadModelData(*model);
  if (!data.ok()) return data.status();
  auto s = FindSplit(*data, split);
  if (!s.ok()) return s.status();
  const Split& chosen = **s;
  EmbeddingExport result;
  result.split = split;
  result.num_examples = chosen.size();
  result.dim = model->embedding_dim();
  result.output_dir = output_dir;
  Tensor embeddings = EmbedSplit(model, chosen, block_rows);
  if (absl::Status w =
          WriteEmbeddingFiles(output_dir, embeddings, chosen.labels, model->class_names());
      !w.ok()) {
    return w;
  }
  for (const char* f : {"embeddings.npy", "labels.npy", "vectors.tsv", "metadata.tsv"}) {
    result.files.push_back(absl::StrCat(output_dir, "/", f));
  }
  return result;
}

Tensor EmbedExamples(TrainedModel* model, const Tensor& examples, int64_t block_rows) {
  const int64_t n = examples.dim(0);
  const int64_t block = std::max<int64_t>(block_rows, 1);
  const int64_t per_example = examples.numel() / n;
  const Tensor raw = examples.ToPlain();
  Tensor out;
  FrozenWeightsScope frozen;
  for (int64_t first = 0; first < n; first += block) {
    const int64_t rows = std::min(block, n - first);
    Shape shape = raw.shape();
    shape[0] = rows;
    Tensor batch = Tensor::Empty(shape);
    std::memcpy(batch.data(), raw.data() + first * per_example,
                rows * per_example * sizeof(float));
    const Tensor e = model->Embed(batch).ToPlain();
    if (!out.defined()) out = Tensor::Empty({n, e.dim(1)});
    std::memcpy(out.data() + first * e.dim(1), e.data(), e.numel() * sizeof(float));
  }
  return out;
}

absl::StatusOr<EmbeddingExport> ExportNewInputs(TrainedModel* model,
                                                const std::vector<std::string>& paths,
                                                const std::string& output_dir,
                                                int64_t block_rows) {
  auto reader = ModelInputReader(*model);
  if (!reader.ok()) return reader.status();
  auto inputs = ReadNewInputs(*model, **reader, paths);
  if (!inputs.ok()) return inputs.status();
  EmbeddingExport result;
  result.split = "new";
  result.num_examples = inputs->examples.dim(0);
  result.output_dir = output_dir;
  const Tensor embeddings = EmbedExamples(model, inputs->examples, block_rows);
  result.dim = embeddings.dim(1);
  if (absl::Status w = WriteEmbeddingFiles(output_dir, embeddings, inputs->labels,
                                           model->class_names(), &inputs->names);
      !w.ok()) {
    return w;
  }
  for (const char* f : {"embeddings.npy", "labels.npy", "vectors.tsv", "metadata.tsv"}) {
    result.files.push_back(absl::StrCat(output_dir, "/", f));
  }
  return result;
}

std::string ExportSummary(const TrainedModel& model, const EmbeddingExport& result) {
  std::vector<std::string> names;
  for (const std::string& f : result.files) names.push_back(f.substr(f.rfind('/') + 1));
  const std::string what =
      result.split == "new" ? std::string("new inputs") : absl::StrCat(result.split, " examples");
  return absl::StrCat("embedded ", result.num_examples, " ", what,
                      result.split == "new" ? " with " : " of ",
                      model.experiment().config().name(), " (", result.dim, "-D, ",
                      model.distance().name(), ") into ", result.output_dir,
                      "/: ", absl::StrJoin(names, " "));
}

}  // namespace siamese
