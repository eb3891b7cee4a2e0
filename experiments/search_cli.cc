#include "experiments/search_cli.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "framework/io/run_dir.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/train/embed_export.h"

ABSL_FLAG(std::string, kind, "hnsw",
          "flat (exact), hnsw, ivfpq, or a FAISS index_factory string such as IVF256,Flat");
ABSL_FLAG(int, hnsw_m, 0, "hnsw: links per node (0: 32)");
ABSL_FLAG(int, ef_construction, 0, "hnsw: candidate list size while building (0: 40)");
ABSL_FLAG(int, ef_search, 0, "hnsw: candidate list size per query (0: 64, or the saved value)");
ABSL_FLAG(int, nlist, 0, "ivfpq: k-means cells (0: sqrt(N))");
ABSL_FLAG(int, pq_m, 0, "ivfpq: product-quantizer codes per vector (0: D/4)");
ABSL_FLAG(int, pq_nbits, 0, "ivfpq: bits per code (0: 8)");
ABSL_FLAG(int, nprobe, 0, "ivfpq: cells scanned per query (0: 16, or the saved value)");
ABSL_FLAG(int, refine, 0,
          "ivfpq: re-rank refine*k candidates by exact distance (0: off, or the saved value)");

namespace siamese {

IndexOptions IndexOptionsFromFlags() {
  IndexOptions o;
  const std::string kind = absl::GetFlag(FLAGS_kind);
  if (kind == "flat" || kind == "hnsw" || kind == "ivfpq") {
    o.kind = kind;
  } else {
    o.kind = "factory";
    o.factory = kind;
  }
  auto set = [](int flag, int* field) {
    if (flag != 0) *field = flag;
  };
  set(absl::GetFlag(FLAGS_hnsw_m), &o.hnsw_m);
  set(absl::GetFlag(FLAGS_ef_construction), &o.ef_construction);
  set(absl::GetFlag(FLAGS_ef_search), &o.ef_search);
  set(absl::GetFlag(FLAGS_nlist), &o.nlist);
  set(absl::GetFlag(FLAGS_pq_m), &o.pq_m);
  set(absl::GetFlag(FLAGS_pq_nbits), &o.pq_nbits);
  set(absl::GetFlag(FLAGS_nprobe), &o.nprobe);
  set(absl::GetFlag(FLAGS_refine), &o.refine);
  return o;
}

absl::StatusOr<IndexInput> ReadIndexInput(const std::string& embeddings,
                                          const std::string& labels, TrainedModel* model,
                                          const std::string& split,
                                          const std::string& distance_name) {
  IndexInput input;
  if (!distance_name.empty()) {
    auto d = Distance::FromName(distance_name);
    if (!d.ok()) return d.status();
    input.distance = *d;
    if (model != nullptr && model->distance() != *d) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--distance=", distance_name, " differs from the distance ", model->path(),
          " was trained with (", model->distance().name(), "); leave --distance out"));
    }
  } else if (model != nullptr) {
    input.distance = model->distance();
  } else {
    return absl::InvalidArgumentError(
        "give --distance=euclidean|squared_euclidean|cosine|dot_product, or --checkpoint to use "
        "the model's distance");
  }
  if (model != nullptr) input.source.checkpoint = model->path();
  if (!embeddings.empty()) {
    auto path = ResolveUserPath(embeddings);
    if (!path.ok()) return path.status();
    std::string labels_path;
    if (!labels.empty()) {
      auto l = ResolveUserPath(labels);
      if (!l.ok()) return l.status();
      labels_path = *l;
    }
    auto set = ReadEmbeddingSet(*path, labels_path);
    if (!set.ok()) return set.status();
    input.set = std::move(*set);
    if (input.set.labels.empty()) input.set.labels.assign(input.set.count, -1);
    if (model != nullptr && input.set.dim != model->embedding_dim()) {
      return absl::InvalidArgumentError(
          absl::StrCat(input.set.embeddings_path, ": ", input.set.dim, "-D embeddings, but ",
                       model->path(), " embeds into ", model->embedding_dim(), "-D"));
    }
    input.source.embeddings = input.set.embeddings_path;
    return input;
  }
  if (model == nullptr) {
    return absl::InvalidArgumentError("give --embeddings=<folder or .npy> or --checkpoint");
  }
  auto data = LoadModelData(*model);
  if (!data.ok()) return data.status();
  auto chosen = FindSplit(*data, split);
  if (!chosen.ok()) return chosen.status();
  if ((*chosen)->size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", split, " split of ", model->path(), " is empty"));
  }
  Tensor e = EmbedSplit(model, **chosen);
  input.set.count = e.dim(0);
  input.set.dim = e.dim(1);
  input.set.vectors.assign(e.data(), e.data() + e.numel());
  input.set.labels = (*chosen)->labels;
  input.source.split = split;
  return input;
}

absl::StatusOr<std::unique_ptr<TrainedModel>> LoadModel(const std::string& path) {
  auto resolved = ResolveUserPath(path);
  if (!resolved.ok()) return resolved.status();
  auto model = TrainedModel::Load(*resolved);
  if (!model.ok()) return model.status();
  SetNumThreads((*model)->experiment().config().threads());
  return model;
}

}  // namespace siamese
