// VectorIndex: nearest-neighbour search over a set of embeddings with FAISS
// (libfaiss-dev 1.7.3), in the framework's distances.
//
//   IndexOptions options;            // kind "hnsw", M 32, ...
//   options.kind = "hnsw";
//   auto index = VectorIndex::Build(embeddings, labels, Distance::Cosine(), options);
//   auto hits = (*index)->Search(queries, /*k=*/10);  // [query][rank]
//   (*index)->Save("out/embeddings.index");
//
// Kinds (IndexOptions::kind):
//   "flat"    exact search (faiss::IndexFlat); the reference the others are
//             measured against.
//   "hnsw"    a Hierarchical Navigable Small World graph (IndexHNSWFlat):
//             hnsw_m links per node, ef_construction at build time,
//             ef_search at query time (larger: better recall, slower).
//   "ivfpq"   an inverted file of nlist k-means cells whose vectors are
//             product-quantized into pq_m codes of pq_nbits bits
//             (IndexIVFPQ); nprobe cells are scanned per query. Needs
//             training: at least max(nlist, 2^pq_nbits) vectors. With
//             refine = R > 0, the R*k nearest by the codes are re-ranked
//             by exact distance (IndexRefineFlat): much better recall, at
//             the memory of keeping the full vectors too.
//   "factory" any FAISS index_factory string in IndexOptions::factory, e.g.
//             "IVF256,Flat" or "OPQ16,IVF1024,PQ16"; search parameters are
//             set through faiss::ParameterSpace ("efSearch", "nprobe") when
//             the index has them.
//
// Distances follow the framework's convention (framework/core/distance.h),
// not FAISS's, so a search result compares with PairwiseDistances and the
// verification threshold:
//   euclidean          ||q - x||          (FAISS L2 returns the square; we
//                                          take sqrt(max(0, d)))
//   squared_euclidean  ||q - x||^2        (clamped at 0)
//   cosine             1 - q.x/(|q||x|)   (vectors are normalized with the
//                                          norm clamped below at 1e-12, as
//                                          retrieval does, and searched by
//                                          inner product)
//   dot_product        -q.x               (inner product, negated)
// snr (asymmetric, not a metric FAISS has) is refused. Results are sorted by
// increasing distance; equal distances come in FAISS's order, which for
// "flat" is by increasing id. Approximate kinds may return a distance that
// is itself approximate (ivfpq compares against quantized codes).
//
// Ids: a vector's id is its row in the set it was built from (row i of
// embeddings.npy); the label of id i is labels[i].
//
// Files (Save/Load): <path> is a plain FAISS index (faiss::write_index, so
// Python's faiss.read_index opens it); <path>.meta is a text sidecar of
// "key: value" lines (format, distance, kind, options, dim, count, the
// source of the embeddings, the index file's size and CRC-32);
// <path>.labels.npy holds the int64 labels, row i = label of id i.
//
// Thread safety: Search() may run concurrently from several threads on a
// const index; Build/Load/SetSearchParameters may not overlap anything.
// FAISS parallelizes with OpenMP (omp_set_num_threads / OMP_NUM_THREADS).
#ifndef SIAMESE_FRAMEWORK_SEARCH_VECTOR_INDEX_H_
#define SIAMESE_FRAMEWORK_SEARCH_VECTOR_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/core/distance.h"

namespace faiss {
struct Index;
}

namespace siamese {

struct IndexOptions {
  // "flat", "hnsw", "ivfpq" or "factory" (see the file comment).
  std::string kind = "flat";
  // hnsw. FAISS's default efConstruction; efSearch above FAISS's 16 since
  // 64 keeps recall@10 near 0.99 on clustered 64-D data (see the README).
  int hnsw_m = 32;
  int ef_construction = 40;
  int ef_search = 64;
  // ivfpq. nlist 0 means round(sqrt(count)) (at least 1). pq_m 0 means
  // dim / 4 when 4 divides dim (4 dimensions per code), else the largest
  // divisor of dim not above dim / 4 (1 for a prime dim).
  int nlist = 0;
  int pq_m = 0;
  int pq_nbits = 8;
  int nprobe = 16;
  // ivfpq: re-rank refine * k candidates exactly (0: off).
  int refine = 0;
  // factory: the index_factory string.
  std::string factory;
};

// Where the indexed embeddings came from, recorded in the sidecar and
// shown by `search` (all optional).
struct IndexSource {
  std::string embeddings;  // the .npy file
  std::string checkpoint;  // the checkpoint they were embedded with
  std::string split;       // and its split
};

struct Neighbour {
  int64_t id = -1;     // row of the indexed set
  int64_t label = -1;  // labels[id]
  float distance = 0;  // in the framework's convention (file comment)
};

class VectorIndex {
 public:
  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  // Builds an index of `options.kind` over `count` vectors of `dim` floats
  // at `vectors` (C order) with their `labels` (count entries), searched in
  // `distance`. Training (ivfpq, trainable factory strings) uses all the
  // vectors; FAISS seeds its k-means itself (fixed seed), so a build is
  // reproducible for a given thread count.
  // Errors (InvalidArgument, naming the value): count < 1, dim < 1, labels
  // of another size, a non-finite value, an unknown kind or distance (snr),
  // a parameter below 1 (pq_nbits outside 1..16), pq_m not dividing dim,
  // fewer vectors than ivfpq needs to train, a factory string FAISS refuses
  // (its message).
  static absl::StatusOr<std::unique_ptr<VectorIndex>> Build(const float* vectors, int64_t count,
                                                            int64_t dim,
                                                            const std::vector<int64_t>& labels,
                                                            const Distance& distance,
                                                            const IndexOptions& options,
                                                            const IndexSource& source = {});

  // Reads <path>, <path>.meta and <path>.labels.npy. Every error names the
  // file at fault: NotFound for a missing file; DataLoss for an index file
  // whose size or CRC-32 differs from the sidecar's (damaged, or replaced
  // without its sidecar) or that FAISS cannot parse; InvalidArgument for a
  // malformed sidecar or labels that do not match the index.
  static absl::StatusOr<std::unique_ptr<VectorIndex>> Load(const std::string& path);

  // Writes the three files, each atomically (a reader sees the old or the
  // new file). REQUIRES: the folder of `path` exists. I/O errors name the
  // file.
  absl::Status Save(const std::string& path) const;

  // The k nearest of each of the `count` queries of dim() floats at
  // `queries`, nearest first. k larger than size() is clamped to size();
  // an approximate kind may find fewer than k for a query (an ivfpq query
  // whose nprobe cells hold fewer vectors), and returns what it found.
  // Errors (InvalidArgument): k < 1, count < 1, dim differing from dim()
  // (both named), a non-finite query value.
  absl::StatusOr<std::vector<std::vector<Neighbour>>> Search(const float* queries, int64_t count,
                                                             int64_t dim, int k) const;

  // Overrides the query-time parameters of an index built or loaded
  // (ef_search for hnsw, nprobe and refine for ivfpq; factory indexes take
  // ef_search and nprobe where they apply). Values < 1 leave the parameter
  // as it is (refine cannot be added to an index built without it).
  // InvalidArgument when the index has no such parameter.
  absl::Status SetSearchParameters(int ef_search, int nprobe, int refine = 0);

  int64_t size() const;
  int64_t dim() const { return dim_; }
  const Distance& distance() const { return distance_; }
  const IndexOptions& options() const { return options_; }
  const IndexSource& source() const { return source_; }
  const std::vector<int64_t>& labels() const { return labels_; }
  // One line, e.g. "hnsw (M=32 efConstruction=40 efSearch=64), 10000
  // vectors of 64-D, cosine".
  std::string Describe() const;

 private:
  VectorIndex(std::unique_ptr<faiss::Index> index, int64_t dim, Distance distance,
              IndexOptions options, IndexSource source, std::vector<int64_t> labels);

  std::unique_ptr<faiss::Index> index_;
  int64_t dim_;
  Distance distance_;
  IndexOptions options_;
  IndexSource source_;
  std::vector<int64_t> labels_;
};

// Embeddings and labels read from files, for the `index` and `search`
// binaries and tests.
struct EmbeddingSet {
  std::vector<float> vectors;  // count x dim, C order
  int64_t count = 0;
  int64_t dim = 0;
  std::vector<int64_t> labels;  // count entries; empty when none were read
  std::string embeddings_path;
};

// `path` is a folder written by `embed` (reads <path>/embeddings.npy and,
// when it exists, <path>/labels.npy) or a float32 .npy file [N, D] (then
// labels come from `labels_path`, if given). `labels_path` given always
// wins. Errors name the file: missing, not float32 [N, D] with N, D >= 1,
// labels that are not int64 [N].
absl::StatusOr<EmbeddingSet> ReadEmbeddingSet(const std::string& path,
                                              const std::string& labels_path = "");

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_SEARCH_VECTOR_INDEX_H_
