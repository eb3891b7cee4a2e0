// What the `index` and `search` binaries share: the index-building flags
// (search can build an index in memory from --embeddings) and reading the
// vectors to index, from files or by embedding a split with a checkpoint.
#ifndef SIAMESE_EXPERIMENTS_SEARCH_CLI_H_
#define SIAMESE_EXPERIMENTS_SEARCH_CLI_H_

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "framework/search/vector_index.h"
#include "framework/train/trained_model.h"

ABSL_DECLARE_FLAG(std::string, kind);
ABSL_DECLARE_FLAG(int, hnsw_m);
ABSL_DECLARE_FLAG(int, ef_construction);
ABSL_DECLARE_FLAG(int, ef_search);
ABSL_DECLARE_FLAG(int, nlist);
ABSL_DECLARE_FLAG(int, pq_m);
ABSL_DECLARE_FLAG(int, pq_nbits);
ABSL_DECLARE_FLAG(int, nprobe);
ABSL_DECLARE_FLAG(int, refine);

namespace siamese {

// IndexOptions from the flags: --kind=flat|hnsw|ivfpq, or any other value
// taken as a FAISS index_factory string (kind "factory"). Flags left at 0
// keep the IndexOptions defaults.
IndexOptions IndexOptionsFromFlags();

// Vectors to index, their labels (-1 where none were given), their distance
// and where they came from.
struct IndexInput {
  EmbeddingSet set;
  Distance distance = Distance::Euclidean();
  IndexSource source;
};

// Either `embeddings` (an `embed` output folder or a float32 .npy file,
// with `labels`, see ReadEmbeddingSet) or, when it is empty, the examples of
// `split` embedded with `model`. The distance is `distance_name` when given,
// else the model's; without either it is an InvalidArgument asking for one.
// A given distance that differs from the model's is refused (the index
// would rank by another distance than the model was trained for). `model`
// may be null when `embeddings` is given. Errors name the file or split.
absl::StatusOr<IndexInput> ReadIndexInput(const std::string& embeddings,
                                          const std::string& labels, TrainedModel* model,
                                          const std::string& split,
                                          const std::string& distance_name);

// Loads the checkpoint at `path` (resolved against the folder `bazel run`
// was called from) and sets the thread count its experiment asks for.
absl::StatusOr<std::unique_ptr<TrainedModel>> LoadModel(const std::string& path);

}  // namespace siamese

#endif  // SIAMESE_EXPERIMENTS_SEARCH_CLI_H_
