#include "framework/search/vector_index.h"

#include <faiss/AutoTune.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexRefine.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/match.h"
#include "framework/io/atomic_file.h"
#include "framework/io/checksum.h"
#include "framework/io/npy.h"

namespace siamese {
namespace {

constexpr char kFormatKey[] = "siamese_vector_index";
constexpr int kFormatVersion = 1;
// Retrieval's clamp (framework/eval/retrieval.h), so cosine ranks alike.
constexpr float kMinNorm = 1e-12f;

// How a framework distance maps onto FAISS: the metric FAISS searches
// with, whether vectors are normalized first, and how FAISS's value turns
// into the framework's distance.
struct MetricMapping {
  faiss::MetricType metric = faiss::METRIC_L2;
  bool normalize = false;
};

absl::StatusOr<MetricMapping> MapDistance(const Distance& distance) {
  const std::string name = distance.name();
  if (name == "euclidean" || name == "squared_euclidean") return MetricMapping{faiss::METRIC_L2};
  if (name == "cosine") return MetricMapping{faiss::METRIC_INNER_PRODUCT, true};
  if (name == "dot_product") return MetricMapping{faiss::METRIC_INNER_PRODUCT, false};
  return absl::InvalidArgumentError(
      absl::StrCat("distance \"", name,
                   "\" cannot be searched with FAISS; use euclidean, squared_euclidean, "
                   "cosine or dot_product"));
}

float ToFrameworkDistance(const std::string& name, float faiss_value) {
  if (name == "euclidean") return std::sqrt(std::max(0.0f, faiss_value));
  if (name == "squared_euclidean") return std::max(0.0f, faiss_value);
  if (name == "cosine") return 1.0f - faiss_value;
  return -faiss_value;  // dot_product
}

// The vectors as FAISS receives them: normalized copies for cosine, else a
// view of the caller's. InvalidArgument naming `what` and the row for a
// non-finite value.
absl::StatusOr<const float*> PrepareVectors(const float* x, int64_t count, int64_t dim,
                                            bool normalize, const char* what,
                                            std::vector<float>* storage) {
  for (int64_t i = 0; i < count * dim; ++i) {
    if (!std::isfinite(x[i])) {
      return absl::InvalidArgumentError(absl::StrCat(what, " row ", i / dim, " column ", i % dim,
                                                     " is not finite (", x[i], ")"));
    }
  }
  if (!normalize) return x;
  storage->assign(x, x + count * dim);
  for (int64_t i = 0; i < count; ++i) {
    float* row = storage->data() + i * dim;
    double sq = 0;
    for (int64_t j = 0; j < dim; ++j) sq += static_cast<double>(row[j]) * row[j];
    const float inv = 1.0f / std::max(static_cast<float>(std::sqrt(sq)), kMinNorm);
    for (int64_t j = 0; j < dim; ++j) row[j] *= inv;
  }
  return storage->data();
}

// The largest divisor of dim not above max(1, dim / 4).
int DefaultPqM(int64_t dim) {
  for (int64_t m = std::max<int64_t>(1, dim / 4); m > 1; --m) {
    if (dim % m == 0) return static_cast<int>(m);
  }
  return 1;
}

absl::Status Positive(const char* name, int value) {
  if (value >= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " must be at least 1, got ", value));
}

// FAISS reports errors by throwing faiss::FaissException (a
// std::exception); these wrappers turn them into statuses.
template <typename F>
absl::Status CatchFaiss(absl::string_view context, F&& f) {
  try {
    f();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": FAISS: ", e.what()));
  }
}

absl::StatusOr<std::unique_ptr<faiss::Index>> NewIndex(int64_t count, int64_t dim,
                                                       faiss::MetricType metric,
                                                       IndexOptions* options) {
  const int d = static_cast<int>(dim);
  const std::string& kind = options->kind;
  if (options->refine < 0 || (options->refine > 0 && kind != "ivfpq")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refine applies to ivfpq only and must be >= 0, got ", options->refine, " for ", kind));
  }
  if (kind == "flat") return std::unique_ptr<faiss::Index>(new faiss::IndexFlat(d, metric));
  if (kind == "hnsw") {
    for (auto [name, v] : {std::pair<const char*, int>{"hnsw_m", options->hnsw_m},
                           {"ef_construction", options->ef_construction},
                           {"ef_search", options->ef_search}}) {
      if (absl::Status s = Positive(name, v); !s.ok()) return s;
    }
    auto index = std::make_unique<faiss::IndexHNSWFlat>(d, options->hnsw_m, metric);
    index->hnsw.efConstruction = options->ef_construction;
    index->hnsw.efSearch = options->ef_search;
    return std::unique_ptr<faiss::Index>(std::move(index));
  }
  if (kind == "ivfpq") {
    if (options->nlist == 0) {
      options->nlist = std::max<int>(1, std::lround(std::sqrt(static_cast<double>(count))));
    }
    if (options->pq_m == 0) options->pq_m = DefaultPqM(dim);
    for (auto [name, v] : {std::pair<const char*, int>{"nlist", options->nlist},
                           {"pq_m", options->pq_m},
                           {"nprobe", options->nprobe}}) {
      if (absl::Status s = Positive(name, v); !s.ok()) return s;
    }
    if (options->pq_nbits < 1 || options->pq_nbits > 16) {
      return absl::InvalidArgumentError(
          absl::StrCat("pq_nbits must be in 1..16, got ", options->pq_nbits));
    }
    if (dim % options->pq_m != 0) {
      return absl::InvalidArgumentError(absl::StrCat("pq_m ", options->pq_m,
                                                     " does not divide the dimension ", dim));
    }
    const int64_t needed = std::max<int64_t>(options->nlist, int64_t{1} << options->pq_nbits);
    if (count < needed) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ivfpq with nlist ", options->nlist, " and pq_nbits ", options->pq_nbits,
          " trains on at least ", needed, " vectors, got ", count,
          "; lower nlist or pq_nbits, or use hnsw or flat"));
    }
    // The coarse quantizer compares with the index's metric; the index
    // owns it.
    auto quantizer = std::make_unique<faiss::IndexFlat>(d, metric);
    auto index = std::make_unique<faiss::IndexIVFPQ>(quantizer.get(), d, options->nlist,
                                                     options->pq_m, options->pq_nbits, metric);
    quantizer.release();
    index->own_fields = true;
    index->nprobe = options->nprobe;
    // FAISS subsamples training sets above 256 points per centroid and
    // prints a warning each time; the sample is what we want.
    index->cp.max_points_per_centroid = 256;
    index->cp.verbose = false;
    if (options->refine == 0) return std::unique_ptr<faiss::Index>(std::move(index));
    // Re-ranks with a flat copy of the vectors; owns the IVF-PQ index.
    auto refined = std::make_unique<faiss::IndexRefineFlat>(index.release());
    refined->own_fields = true;
    refined->k_factor = options->refine;
    return std::unique_ptr<faiss::Index>(std::move(refined));
  }
  if (kind == "factory") {
    if (options->factory.empty()) {
      return absl::InvalidArgumentError("kind \"factory\" needs a FAISS index_factory string");
    }
    std::unique_ptr<faiss::Index> index;
    absl::Status s = CatchFaiss(absl::StrCat("index_factory(\"", options->factory, "\")"), [&] {
      index.reset(faiss::index_factory(d, options->factory.c_str(), metric));
    });
    if (!s.ok()) return s;
    return index;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown index kind \"", kind, "\"; the kinds are flat, hnsw, ivfpq and factory"));
}

// A FAISS IOWriter appending to a string, and an IOReader over a string:
// the index goes through memory so that it is written atomically and its
// CRC checked before FAISS parses it.
struct StringWriter : faiss::IOWriter {
  std::string data;
  size_t operator()(const void* ptr, size_t size, size_t nitems) override {
    data.append(static_cast<const char*>(ptr), size * nitems);
    return nitems;
  }
};

struct StringReader : faiss::IOReader {
  explicit StringReader(const std::string& d) : data(d) {}
  const std::string& data;
  size_t pos = 0;
  size_t operator()(void* ptr, size_t size, size_t nitems) override {
    if (size == 0) return nitems;
    const size_t n = std::min(nitems, (data.size() - pos) / size);
    std::memcpy(ptr, data.data() + pos, n * size);
    pos += n * size;
    return n;
  }
};

std::string MetaPath(const std::string& path) { return path + ".meta"; }
std::string LabelsPath(const std::string& path) { return path + ".labels.npy"; }

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

VectorIndex::VectorIndex(std::unique_ptr<faiss::Index> index, int64_t dim, Distance distance,
                         IndexOptions options, IndexSource source, std::vector<int64_t> labels)
    : index_(std::move(index)),
      dim_(dim),
      distance_(std::move(distance)),
      options_(std::move(options)),
      source_(std::move(source)),
      labels_(std::move(labels)) {}

VectorIndex::~VectorIndex() = default;

int64_t VectorIndex::size() const { return index_->ntotal; }

absl::StatusOr<std::unique_ptr<VectorIndex>> VectorIndex::Build(
    const float* vectors, int64_t count, int64_t dim, const std::vector<int64_t>& labels,
    const Distance& distance, const IndexOptions& options, const IndexSource& source) {
  if (count < 1) return absl::InvalidArgumentError("cannot index an empty set of vectors");
  if (dim < 1) return absl::InvalidArgumentError(absl::StrCat("dimension must be >= 1, got ", dim));
  if (static_cast<int64_t>(labels.size()) != count) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels.size(), " labels for ", count, " vectors"));
  }
  auto mapping = MapDistance(distance);
  if (!mapping.ok()) return mapping.status();
  std::vector<float> storage;
  auto x = PrepareVectors(vectors, count, dim, mapping->normalize, "vector", &storage);
  if (!x.ok()) return x.status();
  IndexOptions resolved = options;
  auto index = NewIndex(count, dim, mapping->metric, &resolved);
  if (!index.ok()) return index.status();
  faiss::Index* raw = index->get();
  absl::Status s = CatchFaiss(absl::StrCat("building a ", resolved.kind, " index"), [&] {
    if (!raw->is_trained) raw->train(count, *x);
    raw->add(count, *x);
  });
  if (!s.ok()) return s;
  return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(*index), dim, distance,
                                                      std::move(resolved), source, labels));
}

absl::StatusOr<std::vector<std::vector<Neighbour>>> VectorIndex::Search(const float* queries,
                                                                        int64_t count,
                                                                        int64_t dim,
                                                                        int k) const {
  if (k < 1) return absl::InvalidArgumentError(absl::StrCat("k must be at least 1, got ", k));
  if (count < 1) return absl::InvalidArgumentError("no queries to search");
  if (dim != dim_) {
    return absl::InvalidArgumentError(absl::StrCat("queries have ", dim,
                                                   " dimensions but the index holds ", dim_,
                                                   "-D vectors"));
  }
  auto mapping = MapDistance(distance_);
  if (!mapping.ok()) return mapping.status();
  std::vector<float> storage;
  auto q = PrepareVectors(queries, count, dim, mapping->normalize, "query", &storage);
  if (!q.ok()) return q.status();
  const int64_t kk = std::min<int64_t>(k, size());
  std::vector<float> d(count * kk);
  std::vector<faiss::Index::idx_t> ids(count * kk);
  absl::Status s = CatchFaiss("searching", [&] { index_->search(count, *q, kk, d.data(), ids.data()); });
  if (!s.ok()) return s;
  const std::string name = distance_.name();
  std::vector<std::vector<Neighbour>> out(count);
  for (int64_t i = 0; i < count; ++i) {
    out[i].reserve(kk);
    for (int64_t r = 0; r < kk; ++r) {
      const int64_t id = ids[i * kk + r];
      if (id < 0) continue;  // FAISS pads with -1 when it found fewer
      out[i].push_back({id, labels_[id], ToFrameworkDistance(name, d[i * kk + r])});
    }
  }
  return out;
}

absl::Status VectorIndex::SetSearchParameters(int ef_search, int nprobe, int refine) {
  const std::string& kind = options_.kind;
  auto* refined = dynamic_cast<faiss::IndexRefine*>(index_.get());
  // The index the parameters below apply to: under the re-ranking.
  faiss::Index* base = refined != nullptr ? refined->base_index : index_.get();
  auto refuse = [&](const char* param) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", kind == "factory" ? options_.factory : kind, " index has no ",
                     param, " parameter"));
  };
  if (ef_search >= 1) {
    if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(base)) {
      hnsw->hnsw.efSearch = ef_search;
    } else if (kind == "factory") {
      faiss::ParameterSpace space;
      if (!CatchFaiss("", [&] { space.set_index_parameter(index_.get(), "efSearch", ef_search); })
               .ok()) {
        return refuse("ef_search");
      }
    } else {
      return refuse("ef_search");
    }
    options_.ef_search = ef_search;
  }
  if (nprobe >= 1) {
    if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(base)) {
      ivf->nprobe = nprobe;
    } else if (kind == "factory") {
      faiss::ParameterSpace space;
      if (!CatchFaiss("", [&] { space.set_index_parameter(index_.get(), "nprobe", nprobe); })
               .ok()) {
        return refuse("nprobe");
      }
    } else {
      return refuse("nprobe");
    }
    options_.nprobe = nprobe;
  }
  if (refine >= 1) {
    if (refined == nullptr) return refuse("refine");
    refined->k_factor = refine;
    options_.refine = refine;
  }
  return absl::OkStatus();
}

std::string VectorIndex::Describe() const {
  std::string params;
  const IndexOptions& o = options_;
  if (o.kind == "hnsw") {
    params = absl::StrCat(" (M=", o.hnsw_m, " efConstruction=", o.ef_construction,
                          " efSearch=", o.ef_search, ")");
  } else if (o.kind == "ivfpq") {
    params = absl::StrCat(" (nlist=", o.nlist, " m=", o.pq_m, " nbits=", o.pq_nbits,
                          " nprobe=", o.nprobe,
                          o.refine > 0 ? absl::StrCat(" refine=", o.refine) : "", ")");
  } else if (o.kind == "factory") {
    params = absl::StrCat(" \"", o.factory, "\"");
  }
  return absl::StrCat(o.kind, params, ", ", size(), " vectors of ", dim_, "-D, ",
                      distance_.name());
}

absl::Status VectorIndex::Save(const std::string& path) const {
  for (const std::string* v : {&source_.embeddings, &source_.checkpoint, &source_.split,
                               &options_.factory}) {
    if (v->find_first_of("\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(MetaPath(path), ": cannot record a value holding a line break: ", *v));
    }
  }
  StringWriter writer;
  absl::Status s = CatchFaiss(path, [&] { faiss::write_index(index_.get(), &writer); });
  if (!s.ok()) return s;
  std::string meta = absl::StrCat(kFormatKey, ": ", kFormatVersion, "\n");
  const IndexOptions& o = options_;
  absl::StrAppend(&meta, "distance: ", distance_.name(), "\n", "kind: ", o.kind, "\n",
                  "hnsw_m: ", o.hnsw_m, "\n", "ef_construction: ", o.ef_construction, "\n",
                  "ef_search: ", o.ef_search, "\n", "nlist: ", o.nlist, "\n", "pq_m: ", o.pq_m,
                  "\n", "pq_nbits: ", o.pq_nbits, "\n", "nprobe: ", o.nprobe, "\n", "refine: ", o.refine, "\n");
  absl::StrAppend(&meta, "factory: ", o.factory, "\n", "dim: ", dim_, "\n", "count: ", size(),
                  "\n", "embeddings: ", source_.embeddings, "\n", "checkpoint: ",
                  source_.checkpoint, "\n", "split: ", source_.split, "\n");
  absl::StrAppend(&meta, "index_bytes: ", writer.data.size(), "\n",
                  "index_crc32: ", Crc32(writer.data.data(), writer.data.size()), "\n");
  if (absl::Status w = WriteFileAtomically(path, writer.data); !w.ok()) return w;
  if (absl::Status w = WriteNpyInt64(LabelsPath(path), labels_.data(),
                                     {static_cast<int64_t>(labels_.size())});
      !w.ok()) {
    return w;
  }
  // The sidecar last: it vouches for the other two.
  return WriteFileAtomically(MetaPath(path), meta);
}

absl::StatusOr<std::unique_ptr<VectorIndex>> VectorIndex::Load(const std::string& path) {
  if (!Exists(path)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such index file (write one with `index`)"));
  }
  const std::string meta_path = MetaPath(path);
  auto meta_text = ReadFile(meta_path);
  if (!meta_text.ok()) return meta_text.status();  // names the file
  std::map<std::string, std::string> meta;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*meta_text, '\n', absl::SkipEmpty())) {
    ++line_number;
    const size_t colon = line.find(": ");
    if (colon == absl::string_view::npos && !absl::EndsWith(line, ":")) {
      return absl::InvalidArgumentError(absl::StrCat(meta_path, ":", line_number,
                                                     ": expected \"key: value\", got \"", line,
                                                     "\""));
    }
    const absl::string_view key = line.substr(0, line.find(':'));
    const absl::string_view value =
        colon == absl::string_view::npos ? absl::string_view() : line.substr(colon + 2);
    meta[std::string(key)] = std::string(value);
  }
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(meta_path, ": ", why));
  };
  if (meta[kFormatKey] != absl::StrCat(kFormatVersion)) {
    return bad(absl::StrCat("not a siamese vector index sidecar (expected \"", kFormatKey, ": ",
                            kFormatVersion, "\" first)"));
  }
  auto integer = [&](const char* key, int64_t* out) -> absl::Status {
    auto it = meta.find(key);
    if (it == meta.end() || !absl::SimpleAtoi(it->second, out)) {
      return bad(absl::StrCat("missing or malformed \"", key, "\""));
    }
    return absl::OkStatus();
  };
  IndexOptions options;
  options.kind = meta["kind"];
  options.factory = meta["factory"];
  int64_t dim = 0, count = 0, bytes = 0, crc = 0;
  int64_t hnsw_m, ef_c, ef_s, nlist, pq_m, pq_nbits, nprobe, refine;
  for (auto [key, out] : std::initializer_list<std::pair<const char*, int64_t*>>{
           {"dim", &dim}, {"count", &count}, {"index_bytes", &bytes}, {"index_crc32", &crc},
           {"hnsw_m", &hnsw_m}, {"ef_construction", &ef_c}, {"ef_search", &ef_s},
           {"nlist", &nlist}, {"pq_m", &pq_m}, {"pq_nbits", &pq_nbits}, {"nprobe", &nprobe},
           {"refine", &refine}}) {
    if (absl::Status s = integer(key, out); !s.ok()) return s;
  }
  options.hnsw_m = hnsw_m;
  options.ef_construction = ef_c;
  options.ef_search = ef_s;
  options.nlist = nlist;
  options.pq_m = pq_m;
  options.pq_nbits = pq_nbits;
  options.nprobe = nprobe;
  options.refine = refine;
  auto distance = Distance::FromName(meta["distance"]);
  if (!distance.ok()) return bad(std::string(distance.status().message()));
  auto mapping = MapDistance(*distance);
  if (!mapping.ok()) return bad(std::string(mapping.status().message()));
  IndexSource source{meta["embeddings"], meta["checkpoint"], meta["split"]};

  auto data = ReadFile(path);
  if (!data.ok()) return data.status();
  if (static_cast<int64_t>(data->size()) != bytes ||
      Crc32(data->data(), data->size()) != static_cast<uint32_t>(crc)) {
    return absl::DataLossError(absl::StrCat(
        path, ": the index file is damaged or does not belong to ", meta_path, " (",
        data->size(), " bytes, expected ", bytes, "; CRC-32 mismatch)"));
  }
  std::unique_ptr<faiss::Index> index;
  StringReader reader(*data);
  try {
    index.reset(faiss::read_index(&reader));
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": FAISS cannot read the index: ", e.what()));
  }
  data->clear();
  data->shrink_to_fit();
  if (index->d != dim || index->ntotal != count || index->metric_type != mapping->metric) {
    return absl::DataLossError(absl::StrCat(path, ": the index holds ", index->ntotal,
                                            " vectors of ", index->d, "-D but ", meta_path,
                                            " says ", count, " of ", dim, "-D, ",
                                            distance->name()));
  }
  auto labels = ReadNpyInt64(LabelsPath(path));
  if (!labels.ok()) return labels.status();
  if (labels->shape.size() != 1 || labels->shape[0] != count) {
    return absl::InvalidArgumentError(absl::StrCat(LabelsPath(path), ": expected ", count,
                                                   " labels (int64 [", count, "]), got ",
                                                   labels->data.size()));
  }
  return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(index), dim, *distance,
                                                      std::move(options), std::move(source),
                                                      std::move(labels->data)));
}

absl::StatusOr<EmbeddingSet> ReadEmbeddingSet(const std::string& path,
                                              const std::string& labels_path) {
  EmbeddingSet set;
  std::string labels_file = labels_path;
  if (IsDirectory(path)) {
    set.embeddings_path = path + "/embeddings.npy";
    if (labels_file.empty() && Exists(path + "/labels.npy")) labels_file = path + "/labels.npy";
  } else {
    set.embeddings_path = path;
  }
  auto array = ReadNpy(set.embeddings_path);
  if (!array.ok()) return array.status();
  if (array->shape.size() != 2 || array->shape[0] < 1 || array->shape[1] < 1) {
    std::string shape;
    for (int64_t s : array->shape) absl::StrAppend(&shape, shape.empty() ? "" : ", ", s);
    return absl::InvalidArgumentError(absl::StrCat(
        set.embeddings_path, ": expected embeddings float32 [N, D] with N, D >= 1, got [", shape,
        "]"));
  }
  set.count = array->shape[0];
  set.dim = array->shape[1];
  set.vectors = std::move(array->data);
  if (!labels_file.empty()) {
    auto labels = ReadNpyInt64(labels_file);
    if (!labels.ok()) return labels.status();
    if (labels->shape.size() != 1 || labels->shape[0] != set.count) {
      return absl::InvalidArgumentError(absl::StrCat(labels_file, ": expected int64 [", set.count,
                                                     "] labels for ", set.embeddings_path, ", got ",
                                                     labels->data.size(), " values"));
    }
    set.labels = std::move(labels->data);
  }
  return set;
}

}  // namespace siamese
