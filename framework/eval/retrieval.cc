#include "framework/eval/retrieval.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace siamese {
namespace {

// The distance kernel: every (query, reference) dot product is accumulated
// as acc = ((0 + q0 r0) + q1 r1) + ... in float, whichever vector lane, tile,
// block or instruction set computes it (the library is built with
// -ffp-contract=off, so no fused multiply-add changes the rounding), which
// makes results independent of block_rows, threads and CPU. References are
// stored in zero-padded strips of kStrip columns, dimension-major
// ([D][kStrip]), processed in cache-sized chunks of about 128 KB.
constexpr int kStrip = 16;
constexpr int64_t kChunkFloats = 32768;

// Embeddings ready for the kernel: plain rows (normalized for kCosine) and
// their squared norms accumulated exactly as the kernel accumulates a dot.
struct PreparedSet {
  int64_t n = 0;
  int64_t d = 0;
  Tensor plain;
  std::vector<float> normalized;  // Cosine only.
  const float* rows = nullptr;
  std::vector<float> sqnorm;
};

float KernelDot(const float* a, const float* b, int64_t d) {
  float s = 0.0f;
  for (int64_t k = 0; k < d; ++k) s += a[k] * b[k];
  return s;
}

absl::Status CheckEmbeddings(const Tensor& t, const std::string& name) {
  if (!t.defined() || t.rank() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be a [N, D] tensor, got ",
                     t.defined() ? t.ShapeString() : "an undefined tensor"));
  }
  if (t.dim(0) == 0 || t.dim(1) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is empty: ", t.ShapeString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<PreparedSet> Prepare(const Tensor& t, const std::string& name, Distance kind) {
  if (absl::Status s = CheckEmbeddings(t, name); !s.ok()) return s;
  PreparedSet p;
  p.n = t.dim(0);
  p.d = t.dim(1);
  p.plain = t.ToPlain();
  const float* x = p.plain.data();
  for (int64_t i = 0; i < p.n * p.d; ++i) {
    if (!std::isfinite(x[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " has a non-finite value at row ", i / p.d, ", column ", i % p.d));
    }
  }
  p.rows = x;
  if (kind == Distance::Cosine()) {
    p.normalized.resize(p.n * p.d);
    for (int64_t i = 0; i < p.n; ++i) {
      double ss = 0;
      for (int64_t k = 0; k < p.d; ++k) ss += double{x[i * p.d + k]} * x[i * p.d + k];
      const double inv = 1.0 / std::max(std::sqrt(ss), 1e-12);
      for (int64_t k = 0; k < p.d; ++k) {
        p.normalized[i * p.d + k] = static_cast<float>(x[i * p.d + k] * inv);
      }
    }
    p.rows = p.normalized.data();
  } else {
    // Padded with zeros to whole strips for the kernel's vector loads.
    p.sqnorm.assign((p.n + kStrip - 1) / kStrip * kStrip, 0.0f);
    for (int64_t i = 0; i < p.n; ++i) {
      p.sqnorm[i] = KernelDot(p.rows + i * p.d, p.rows + i * p.d, p.d);
      if (!std::isfinite(p.sqnorm[i])) {
        return absl::InvalidArgumentError(absl::StrCat(name, ": the squared norm of row ", i,
                                                       " overflows float (values too large)"));
      }
    }
  }
  return p;
}

// Reference rows regrouped into zero-padded strips: strips[s][k][w] is
// dimension k of reference s * kStrip + w.
std::vector<float> MakeStrips(const PreparedSet& r) {
  const int64_t num_strips = (r.n + kStrip - 1) / kStrip;
  std::vector<float> strips(num_strips * r.d * kStrip, 0.0f);
  for (int64_t j = 0; j < r.n; ++j) {
    float* strip = strips.data() + (j / kStrip) * r.d * kStrip + j % kStrip;
    for (int64_t k = 0; k < r.d; ++k) strip[k * kStrip] = r.rows[j * r.d + k];
  }
  return strips;
}

// Query rows packed in panels of kPanelRows ([D][kPanelRows]); a kernel
// tile covers G rows of a panel and W columns of a strip.
constexpr int kPanelRows = 8;

struct KernelArgs {
  const float* panels;  // Packed query rows of the block.
  int64_t rows;         // Valid query rows in the block.
  const float* strips;  // Packed references.
  int64_t d;
  int64_t num_refs;
  const float* q_sqnorm;  // Squared norms of the block's rows (Euclidean).
  const float* r_sqnorm;
  bool cosine;
  float* out;  // [rows, num_refs].
};

// Distances of query rows panel * kPanelRows + r0 + [0, G) to references
// strip * kStrip + c0 + [0, NV * lanes of V). V is a GCC vector of floats
// sized for the instruction set; the G x NV accumulators stay in registers
// and each step multiplies then adds (an outer product), lane by lane.
template <typename V, int G, int NV>
inline __attribute__((always_inline)) void Tile(const KernelArgs& a, int64_t panel, int r0,
                                                int64_t strip, int c0) {
  constexpr int kLanes = sizeof(V) / sizeof(float);
  constexpr int W = NV * kLanes;
  V acc[G][NV];
  for (int g = 0; g < G; ++g) {
    for (int v = 0; v < NV; ++v) acc[g][v] = V{};
  }
  const float* x = a.panels + panel * a.d * kPanelRows + r0;
  const float* p = a.strips + strip * a.d * kStrip + c0;
  for (int64_t k = 0; k < a.d; ++k) {
    V col[NV];
    for (int v = 0; v < NV; ++v) {
      std::memcpy(&col[v], p + k * kStrip + v * kLanes, sizeof(V));
    }
    for (int g = 0; g < G; ++g) {
      const float xv = x[k * kPanelRows + g];
      for (int v = 0; v < NV; ++v) acc[g][v] += xv * col[v];
    }
  }
  // Epilogue, in float vectors too: ((|q|^2 + |r|^2) - 2 q.r) or 1 - q.r.
  // "+ 0" turns -0 into +0. Identical vectors give exactly 0 (Euclidean),
  // since their dot equals their norms bit for bit.
  const int64_t col0 = strip * kStrip + c0;
  const int64_t cols = std::min<int64_t>(W, a.num_refs - col0);
  V r_sqnorm[NV] = {};
  if (!a.cosine) {
    for (int v = 0; v < NV; ++v) {
      std::memcpy(&r_sqnorm[v], a.r_sqnorm + col0 + v * kLanes, sizeof(V));
    }
  }
  for (int g = 0; g < G; ++g) {
    const int64_t i = panel * kPanelRows + r0 + g;
    if (i >= a.rows) break;
    V dist[NV];
    for (int v = 0; v < NV; ++v) {
      dist[v] = a.cosine ? (1.0f - acc[g][v]) + 0.0f
                         : ((a.q_sqnorm[i] + r_sqnorm[v]) - 2.0f * acc[g][v]) + 0.0f;
    }
    std::memcpy(a.out + i * a.num_refs + col0, dist, cols * sizeof(float));
  }
}

// All tiles of strips [s_begin, s_end) against all query panels.
template <typename V, int G, int NV>
inline __attribute__((always_inline)) void ChunkBody(const KernelArgs& a, int64_t s_begin,
                                                     int64_t s_end) {
  const int64_t panels = (a.rows + kPanelRows - 1) / kPanelRows;
  for (int64_t panel = 0; panel < panels; ++panel) {
    for (int64_t s = s_begin; s < s_end; ++s) {
      for (int r0 = 0; r0 < kPanelRows && panel * kPanelRows + r0 < a.rows; r0 += G) {
        constexpr int W = NV * static_cast<int>(sizeof(V) / sizeof(float));
        for (int c0 = 0; c0 < kStrip && s * kStrip + c0 < a.num_refs; c0 += W) {
          Tile<V, G, NV>(a, panel, r0, s, c0);
        }
      }
    }
  }
}

using ChunkFn = void (*)(const KernelArgs&, int64_t, int64_t);

typedef float Vec4 __attribute__((vector_size(16)));
typedef float Vec8 __attribute__((vector_size(32)));
typedef float Vec16 __attribute__((vector_size(64)));

// 16 SSE registers: 4 x 2 accumulators of 4 floats.
void ChunkPortable(const KernelArgs& a, int64_t s_begin, int64_t s_end) {
  ChunkBody<Vec4, 4, 2>(a, s_begin, s_end);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SIAMESE_EVAL_X86_KERNELS 1
// 16 AVX registers: 4 x 2 accumulators of 8 floats.
__attribute__((target("avx2"))) void ChunkAvx2(const KernelArgs& a, int64_t s_begin,
                                               int64_t s_end) {
  ChunkBody<Vec8, 4, 2>(a, s_begin, s_end);
}
// 32 AVX-512 registers: 8 x 1 accumulators of 16 floats.
__attribute__((target("avx512f"))) void ChunkAvx512(const KernelArgs& a, int64_t s_begin,
                                                    int64_t s_end) {
  ChunkBody<Vec16, 8, 1>(a, s_begin, s_end);
}
#endif

// The kernels this CPU runs, fastest last.
std::vector<std::pair<std::string, ChunkFn>> Kernels() {
  std::vector<std::pair<std::string, ChunkFn>> k = {{"portable", ChunkPortable}};
#ifdef SIAMESE_EVAL_X86_KERNELS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) k.emplace_back("avx2", ChunkAvx2);
  if (__builtin_cpu_supports("avx512f")) k.emplace_back("avx512", ChunkAvx512);
#endif
  return k;
}

ChunkFn BestKernel() {
  static const ChunkFn best = Kernels().back().second;
  return best;
}

// out[i * r.n + j] = ranking distance between query row q_begin + i and
// reference j, for i < rows: squared Euclidean (for both Euclidean kinds,
// unclamped) or cosine distance.
void DistanceBlock(const PreparedSet& q, int64_t q_begin, int64_t rows, const PreparedSet& r,
                   const std::vector<float>& strips, Distance kind, float* out, ChunkFn kernel) {
  const int64_t d = q.d;
  const int64_t panels = (rows + kPanelRows - 1) / kPanelRows;
  std::vector<float> packed(panels * d * kPanelRows, 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    const float* src = q.rows + (q_begin + i) * d;
    float* dst = packed.data() + (i / kPanelRows) * d * kPanelRows + i % kPanelRows;
    for (int64_t k = 0; k < d; ++k) dst[k * kPanelRows] = src[k];
  }
  const bool cosine = kind == Distance::Cosine();
  const KernelArgs args{packed.data(),
                        rows,
                        strips.data(),
                        d,
                        r.n,
                        cosine ? nullptr : q.sqnorm.data() + q_begin,
                        cosine ? nullptr : r.sqnorm.data(),
                        cosine,
                        out};
  const int64_t num_strips = (r.n + kStrip - 1) / kStrip;
  const int64_t strips_per_chunk = std::max<int64_t>(1, kChunkFloats / (d * kStrip));
  const int64_t num_chunks = (num_strips + strips_per_chunk - 1) / strips_per_chunk;
  // Threads only pay off beyond about a million multiply-adds.
#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1 && rows * r.n * d >= (1 << 20))
  for (int64_t c = 0; c < num_chunks; ++c) {
    kernel(args, c * strips_per_chunk, std::min(num_strips, (c + 1) * strips_per_chunk));
  }
}

// Sort key: distance bits mapped to an order-preserving unsigned integer in
// the high half, reference index in the low half, so that ties in distance
// are broken by index and all keys are distinct.
inline uint64_t Key(float dist, int64_t index) {
  uint32_t u;
  std::memcpy(&u, &dist, sizeof(u));
  u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return (uint64_t{u} << 32) | static_cast<uint64_t>(index);
}

inline int64_t KeyIndex(uint64_t key) { return static_cast<int64_t>(key & 0xffffffffu); }

// Smallest and largest of x[0, n), n >= 1, with four vector accumulators
// (min and max are exact, so the lane order cannot change the result).
void MinMax(const float* x, int64_t n, float* lo, float* hi) {
  float l = x[0], h = x[0];
  int64_t j = 0;
  if (n >= 16) {
    Vec4 vl[4], vh[4];
    for (int t = 0; t < 4; ++t) std::memcpy(&vl[t], x + 4 * t, sizeof(Vec4));
    for (int t = 0; t < 4; ++t) vh[t] = vl[t];
    for (j = 16; j + 16 <= n; j += 16) {
      for (int t = 0; t < 4; ++t) {
        Vec4 v;
        std::memcpy(&v, x + j + 4 * t, sizeof(Vec4));
        vl[t] = v < vl[t] ? v : vl[t];
        vh[t] = v > vh[t] ? v : vh[t];
      }
    }
    for (int t = 0; t < 4; ++t) {
      for (int e = 0; e < 4; ++e) {
        l = std::min(l, vl[t][e]);
        h = std::max(h, vh[t][e]);
      }
    }
  }
  for (; j < n; ++j) {
    l = std::min(l, x[j]);
    h = std::max(h, x[j]);
  }
  *lo = l;
  *hi = h;
}

// Per-thread buffers of NearestKeys.
struct SelectScratch {
  std::vector<uint64_t> keys;
  std::vector<int64_t> count;
  std::vector<int64_t> next;
};

// Sets keys[0, m) of `s` to the keys of the m nearest references of `row` (n
// distances), ascending, skipping reference `skip` (-1: none); keys past m
// are unspecified. REQUIRES: 1 <= m <= number of candidates.
//
// Bucket selection instead of sorting all n keys: a histogram of the
// distances over kBuckets equal-width buckets between the row's min and max
// finds the bucket holding the m-th nearest; only references in that bucket
// or a nearer one become keys (about m + n / kBuckets of them), placed by
// bucket (a counting sort), and only the buckets that overlap [0, m) are
// sorted. The bucket index is a monotone function of the distance, so this is
// exactly the ordering by (distance, index).
void NearestKeys(const float* row, int64_t n, int64_t skip, int64_t m, SelectScratch& s) {
  constexpr int kBuckets = 2048;
  const int64_t candidates = n - (skip >= 0 ? 1 : 0);
  std::vector<uint64_t>& keys = s.keys;
  float lo, hi;
  MinMax(row, n, &lo, &hi);
  const float scale = kBuckets / (hi - lo);
  if (m == candidates || !std::isfinite(scale)) {
    keys.clear();
    for (int64_t j = 0; j < n; ++j) {
      if (j != skip) keys.push_back(Key(row[j], j));
    }
    if (static_cast<int64_t>(keys.size()) > m) {
      std::nth_element(keys.begin(), keys.begin() + m, keys.end());
    }
    std::sort(keys.begin(), keys.begin() + m);
    return;
  }
  auto bucket = [&](float v) { return std::min(kBuckets - 1, static_cast<int>((v - lo) * scale)); };
  s.count.assign(kBuckets, 0);
  for (int64_t j = 0; j < n; ++j) ++s.count[bucket(row[j])];
  if (skip >= 0) --s.count[bucket(row[skip])];
  // Buckets [0, last] hold the m nearest; next[b] = where bucket b starts.
  int last = 0;
  s.next.assign(kBuckets + 1, 0);
  for (int64_t total = s.count[0]; total < m; total += s.count[++last]) {
    s.next[last + 1] = total;
  }
  s.next[last + 1] = s.next[last] + s.count[last];
  keys.resize(s.next[last + 1]);
  for (int64_t j = 0; j < n; ++j) {
    const int b = bucket(row[j]);
    if (b <= last && j != skip) keys[s.next[b]++] = Key(row[j], j);
  }
  // next[b] now is where bucket b ends.
  int64_t begin = 0;
  for (int b = 0; b <= last && begin < m; ++b) {
    std::sort(keys.begin() + begin, keys.begin() + s.next[b]);
    begin = s.next[b];
  }
}

// Per-query outcome, reduced over queries in order afterwards.
struct QueryResult {
  bool lone = false;
  double p1 = 0, r_precision = 0, map_at_r = 0;
  bool knn_correct = false;
};

}  // namespace

absl::StatusOr<RetrievalMetrics> EvaluateRetrieval(
    const Tensor& query, const std::vector<int64_t>& query_labels, const Tensor& reference,
    const std::vector<int64_t>& reference_labels, bool query_is_reference, Distance kind,
    const std::vector<int>& recall_ks, int knn_k, int64_t block_rows) {
  absl::StatusOr<PreparedSet> q_or = Prepare(query, "EvaluateRetrieval: query", kind);
  if (!q_or.ok()) return q_or.status();
  absl::StatusOr<PreparedSet> r_or = Prepare(reference, "EvaluateRetrieval: reference", kind);
  if (!r_or.ok()) return r_or.status();
  const PreparedSet& q = *q_or;
  const PreparedSet& r = *r_or;
  if (q.d != r.d) {
    return absl::InvalidArgumentError(absl::StrCat("EvaluateRetrieval: query ", query.ShapeString(),
                                                   " and reference ", reference.ShapeString(),
                                                   " have different embedding sizes"));
  }
  if (static_cast<int64_t>(query_labels.size()) != q.n) {
    return absl::InvalidArgumentError(absl::StrCat("EvaluateRetrieval: ", query_labels.size(),
                                                   " query labels for ", q.n, " query rows"));
  }
  if (static_cast<int64_t>(reference_labels.size()) != r.n) {
    return absl::InvalidArgumentError(absl::StrCat("EvaluateRetrieval: ", reference_labels.size(),
                                                   " reference labels for ", r.n,
                                                   " reference rows"));
  }
  if (r.n > int64_t{0xffffffff}) {
    return absl::InvalidArgumentError("EvaluateRetrieval: more than 2^32 - 1 references");
  }
  if (query_is_reference) {
    if (q.n != r.n || query_labels != reference_labels ||
        std::memcmp(q.plain.data(), r.plain.data(), q.n * q.d * sizeof(float)) != 0) {
      return absl::InvalidArgumentError(
          "EvaluateRetrieval: query_is_reference requires the query and reference "
          "embeddings and labels to be identical");
    }
    if (r.n < 2) {
      return absl::InvalidArgumentError(
          "EvaluateRetrieval: query_is_reference needs at least 2 items (a query "
          "cannot retrieve itself)");
    }
  }
  for (int k : recall_ks) {
    if (k < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("EvaluateRetrieval: recall K must be >= 1, got ", k));
    }
  }
  if (knn_k < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("EvaluateRetrieval: knn_k must be >= 1, got ", knn_k));
  }
  if (block_rows < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("EvaluateRetrieval: block_rows must be >= 1, got ", block_rows));
  }

  const int64_t available = r.n - (query_is_reference ? 1 : 0);
  std::unordered_map<int64_t, int64_t> label_count;
  for (int64_t y : reference_labels) ++label_count[y];
  auto same_label_refs = [&](int64_t y) {  // R of a query with label y.
    auto it = label_count.find(y);
    return (it == label_count.end() ? 0 : it->second) - (query_is_reference ? 1 : 0);
  };
  if (std::none_of(query_labels.begin(), query_labels.end(),
                   [&](int64_t y) { return same_label_refs(y) > 0; })) {
    return absl::InvalidArgumentError(
        absl::StrCat("EvaluateRetrieval: none of the ", q.n,
                     " queries has a reference with the same label (are query and reference "
                     "labels from disjoint class splits?)"));
  }
  std::vector<int64_t> ks;  // Distinct requested K, ascending (map order).
  for (int k : recall_ks) ks.push_back(k);
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  const int64_t max_k = ks.empty() ? 1 : std::min(ks.back(), available);
  const int64_t knn = std::min<int64_t>(knn_k, available);

  const std::vector<float> strips = MakeStrips(r);
  const ChunkFn kernel = BestKernel();
  const int64_t block = std::min(block_rows, q.n);
  // Not a std::vector: zero-filling block * r.n floats would be wasted work.
  std::unique_ptr<float[]> dist(new float[block * r.n]);
  std::vector<QueryResult> results(q.n);
  std::vector<char> recall_hits(q.n * ks.size(), 0);

  for (int64_t begin = 0; begin < q.n; begin += block) {
    const int64_t rows = std::min(block, q.n - begin);
    DistanceBlock(q, begin, rows, r, strips, kind, dist.get(), kernel);
#pragma omp parallel if (rows > 1 && rows * r.n >= (1 << 16))
    {
      SelectScratch scratch;
      std::vector<std::pair<int64_t, int64_t>> votes;  // (label, count).
#pragma omp for schedule(dynamic, 8)
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t qi = begin + i;
        const int64_t y = query_labels[qi];
        const int64_t big_r = same_label_refs(y);
        const int64_t needed = std::min(available, std::max({big_r, max_k, knn}));
        NearestKeys(dist.get() + i * r.n, r.n, query_is_reference ? qi : -1, needed, scratch);
        const std::vector<uint64_t>& keys = scratch.keys;
        auto relevant = [&](int64_t rank) { return reference_labels[KeyIndex(keys[rank])] == y; };

        QueryResult& res = results[qi];
        res.lone = big_r == 0;
        if (!res.lone) {
          res.p1 = relevant(0) ? 1.0 : 0.0;
          int64_t hits = 0;
          double sum_precision = 0;
          for (int64_t rank = 0; rank < big_r; ++rank) {
            if (relevant(rank)) {
              ++hits;
              sum_precision += static_cast<double>(hits) / (rank + 1);
            }
          }
          res.r_precision = static_cast<double>(hits) / big_r;
          res.map_at_r = sum_precision / big_r;
          int64_t first = 0;
          while (first < needed && !relevant(first)) ++first;
          for (size_t t = 0; t < ks.size(); ++t) {
            recall_hits[qi * ks.size() + t] = first < std::min(ks[t], available);
          }
        }
        // Majority vote; votes are kept in order of first occurrence, so the
        // first label with the top count is the nearest of the tied labels.
        votes.clear();
        for (int64_t rank = 0; rank < knn; ++rank) {
          const int64_t label = reference_labels[KeyIndex(keys[rank])];
          auto v = std::find_if(votes.begin(), votes.end(),
                                [&](const auto& p) { return p.first == label; });
          if (v == votes.end()) {
            votes.emplace_back(label, 1);
          } else {
            ++v->second;
          }
        }
        auto best = votes.begin();
        for (auto v = votes.begin(); v != votes.end(); ++v) {
          if (v->second > best->second) best = v;
        }
        res.knn_correct = best->first == y;
      }
    }
  }

  RetrievalMetrics m;
  m.num_queries = q.n;
  std::vector<double> recall_sum(ks.size(), 0.0);
  double knn_sum = 0;
  for (int64_t qi = 0; qi < q.n; ++qi) {
    const QueryResult& res = results[qi];
    knn_sum += res.knn_correct ? 1.0 : 0.0;
    if (res.lone) {
      ++m.num_lone_queries;
      continue;
    }
    m.precision_at_1 += res.p1;
    m.r_precision += res.r_precision;
    m.map_at_r += res.map_at_r;
    for (size_t t = 0; t < ks.size(); ++t) recall_sum[t] += recall_hits[qi * ks.size() + t];
  }
  const int64_t ranked = q.n - m.num_lone_queries;
  m.precision_at_1 /= ranked;
  m.r_precision /= ranked;
  m.map_at_r /= ranked;
  for (size_t t = 0; t < ks.size(); ++t) {
    m.recall_at_k[static_cast<int>(ks[t])] = recall_sum[t] / ranked;
  }
  m.knn_accuracy = knn_sum / q.n;
  return m;
}

namespace {

absl::StatusOr<Tensor> PairwiseDistancesImpl(const Tensor& a, const Tensor& b, Distance kind,
                                             ChunkFn kernel) {
  absl::StatusOr<PreparedSet> pa = Prepare(a, "PairwiseDistances: a", kind);
  if (!pa.ok()) return pa.status();
  absl::StatusOr<PreparedSet> pb = Prepare(b, "PairwiseDistances: b", kind);
  if (!pb.ok()) return pb.status();
  if (pa->d != pb->d) {
    return absl::InvalidArgumentError(absl::StrCat("PairwiseDistances: a ", a.ShapeString(),
                                                   " and b ", b.ShapeString(),
                                                   " have different embedding sizes"));
  }
  Tensor out = Tensor::Empty({pa->n, pb->n});
  DistanceBlock(*pa, 0, pa->n, *pb, MakeStrips(*pb), kind, out.data(), kernel);
  if (kind != Distance::Cosine()) {
    float* v = out.data();
    const int64_t size = out.numel();
    for (int64_t i = 0; i < size; ++i) {
      v[i] = std::max(v[i], 0.0f);
      if (kind == Distance::Euclidean()) v[i] = std::sqrt(v[i]);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Tensor> PairwiseDistances(const Tensor& a, const Tensor& b, Distance kind) {
  return PairwiseDistancesImpl(a, b, kind, BestKernel());
}

namespace eval_internal {

std::vector<std::string> AvailableDistanceKernels() {
  std::vector<std::string> names;
  for (const auto& k : Kernels()) names.push_back(k.first);
  return names;
}

absl::StatusOr<Tensor> PairwiseDistancesWithKernel(const Tensor& a, const Tensor& b, Distance kind,
                                                   const std::string& kernel) {
  for (const auto& k : Kernels()) {
    if (k.first == kernel) return PairwiseDistancesImpl(a, b, kind, k.second);
  }
  return absl::InvalidArgumentError(absl::StrCat("PairwiseDistancesWithKernel: kernel '", kernel,
                                                 "' is not available on this CPU"));
}

}  // namespace eval_internal

}  // namespace siamese
