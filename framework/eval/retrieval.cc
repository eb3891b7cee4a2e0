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
#include "framework/core/gemm_distance.h"

namespace siamese {
namespace {

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

// Embeddings ready for the distance's blocks: the plain rows (checked
// finite) and what the distance prepared from them.
struct PreparedSet {
  int64_t n = 0;
  int64_t d = 0;
  Tensor plain;
  std::unique_ptr<const PreparedRows> rows;
};

absl::StatusOr<PreparedSet> Prepare(const Tensor& t, const std::string& name,
                                    const Distance& kind) {
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
  auto rows = kind.function().Prepare(p.plain);
  if (!rows.ok()) {
    return absl::Status(rows.status().code(), absl::StrCat(name, ": ", rows.status().message()));
  }
  p.rows = std::move(*rows);
  return p;
}

typedef float Vec4 __attribute__((vector_size(16)));

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

// Gives every rank every query's outcome: rank k computed queries
// [first_query(k), first_query(k + 1)). The outcomes travel as their exact
// bytes (doubles as two 4-byte words), so the averages every rank takes
// afterwards are one process's.
template <typename FirstQuery>
void ShareQueryResults(Communicator* comm, FirstQuery first_query, size_t num_ks,
                       std::vector<QueryResult>* results, std::vector<char>* recall_hits) {
  // lone, p1 (2 words), r_precision (2), map_at_r (2), knn_correct, hits.
  const int64_t words = 8 + static_cast<int64_t>(num_ks);
  auto put = [](float* w, double v) { std::memcpy(w, &v, sizeof(v)); };
  auto get = [](const float* w) {
    double v;
    std::memcpy(&v, w, sizeof(v));
    return v;
  };
  const int64_t begin = first_query(comm->rank()), end = first_query(comm->rank() + 1);
  std::vector<float> mine(static_cast<size_t>((end - begin) * words));
  for (int64_t qi = begin; qi < end; ++qi) {
    float* w = mine.data() + (qi - begin) * words;
    const QueryResult& r = (*results)[qi];
    w[0] = r.lone ? 1.0f : 0.0f;
    put(w + 1, r.p1);
    put(w + 3, r.r_precision);
    put(w + 5, r.map_at_r);
    w[7] = r.knn_correct ? 1.0f : 0.0f;
    for (size_t t = 0; t < num_ks; ++t) w[8 + t] = (*recall_hits)[qi * num_ks + t];
  }
  std::vector<int64_t> counts(comm->size());
  for (int k = 0; k < comm->size(); ++k) counts[k] = (first_query(k + 1) - first_query(k)) * words;
  const int64_t n = static_cast<int64_t>(results->size());
  std::vector<float> all(static_cast<size_t>(n * words));
  comm->AllGather(mine.data(), counts, all.data());
  for (int64_t qi = 0; qi < n; ++qi) {
    const float* w = all.data() + qi * words;
    QueryResult& r = (*results)[qi];
    r.lone = w[0] != 0;
    r.p1 = get(w + 1);
    r.r_precision = get(w + 3);
    r.map_at_r = get(w + 5);
    r.knn_correct = w[7] != 0;
    for (size_t t = 0; t < num_ks; ++t) (*recall_hits)[qi * num_ks + t] = w[8 + t] != 0;
  }
}

}  // namespace

absl::StatusOr<RetrievalMetrics> EvaluateRetrieval(
    const Tensor& query, const std::vector<int64_t>& query_labels, const Tensor& reference,
    const std::vector<int64_t>& reference_labels, bool query_is_reference, Distance kind,
    const std::vector<int>& recall_ks, int knn_k, int64_t block_rows, Communicator* comm) {
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

  const int64_t block = std::min(block_rows, q.n);
  // Not a std::vector: zero-filling block * r.n floats would be wasted work.
  std::unique_ptr<float[]> dist(new float[block * r.n]);
  std::vector<QueryResult> results(q.n);
  std::vector<char> recall_hits(q.n * ks.size(), 0);

  // This rank's queries: whole blocks [blocks * rank / ranks, blocks *
  // (rank + 1) / ranks).
  const int ranks = comm == nullptr ? 1 : comm->size();
  const int64_t blocks = (q.n + block - 1) / block;
  auto first_query = [&](int k) { return std::min(q.n, blocks * k / ranks * block); };
  const int64_t my_begin = first_query(comm == nullptr ? 0 : comm->rank());
  const int64_t my_end = first_query(comm == nullptr ? 1 : comm->rank() + 1);
  for (int64_t begin = my_begin; begin < my_end; begin += block) {
    const int64_t rows = std::min(block, my_end - begin);
    kind.function().RankingBlock(*q.rows, begin, rows, *r.rows, dist.get());
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

  if (ranks > 1) {
    ShareQueryResults(comm, first_query, ks.size(), &results, &recall_hits);
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

absl::StatusOr<Tensor> PairwiseDistances(const Tensor& a, const Tensor& b, Distance kind) {
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
  kind.function().Block(*pa->rows, 0, pa->n, *pb->rows, out.data());
  return out;
}

namespace eval_internal {

std::vector<std::string> AvailableDistanceKernels() {
  return gemm_distance_internal::AvailableKernels();
}

absl::StatusOr<Tensor> PairwiseDistancesWithKernel(const Tensor& a, const Tensor& b, Distance kind,
                                                   const std::string& kernel) {
  if (!gemm_distance_internal::UseKernelOnThisThread(kernel)) {
    return absl::InvalidArgumentError(absl::StrCat("PairwiseDistancesWithKernel: kernel '", kernel,
                                                   "' is not available on this CPU"));
  }
  absl::StatusOr<Tensor> out = PairwiseDistances(a, b, kind);
  gemm_distance_internal::UseKernelOnThisThread("");
  return out;
}

}  // namespace eval_internal

}  // namespace siamese
