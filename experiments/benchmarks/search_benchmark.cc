// Search at scale: building and querying FAISS indexes (framework/search)
// over N clustered 64-D embeddings, against exact (flat) search.
//
//   bazel run -c opt //experiments/benchmarks:search_benchmark -- \
//       [--sizes=10000,100000,1000000] [--benchmark_repetitions=3] \
//       [--benchmark_filter=Hnsw]
//
// Data (framework/search/synthetic.h): N vectors in 1000 Gaussian clusters
// (centres uniform in [-1, 1]^64, spread 0.3 per coordinate), and 1,000
// queries drawn around the same centres with another seed. Euclidean
// distance. Each benchmark is one build (the timed iteration: Iterations(1),
// wall time, so repetitions give the median build), followed by one batch
// search of the 1,000 queries for k = 10. Counters:
//   build_s        wall seconds to train (ivfpq) and add the N vectors
//   qps            queries per second of the batch search (OpenMP threads)
//   recall_at_10   mean over queries of |top-10 ∩ exact top-10| / 10, the
//                  neighbour recall against the flat index (not the
//                  label-based Recall@K of framework/eval)
// Parameters are the VectorIndex defaults: hnsw M=32 efConstruction=40
// efSearch=64; ivfpq nlist=sqrt(N) m=16 nbits=8 nprobe=16; BM_IvfPqRefine
// is that ivfpq with refine=4 (the 40 nearest by code re-ranked exactly).
// --sizes is read (and removed) before Google Benchmark sees the flags.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "benchmark/benchmark.h"
#include "framework/base/check.h"
#include "framework/search/synthetic.h"
#include "framework/search/vector_index.h"

namespace siamese {
namespace {

constexpr int64_t kDim = 64;
constexpr int64_t kClusters = 1000;
constexpr float kSpread = 0.3f;
constexpr int64_t kQueries = 1000;
constexpr int kK = 10;

struct Workload {
  search_testing::ClusteredSet base, queries;
  std::vector<std::set<int64_t>> exact;  // per query, the exact top-10 ids
};

// Built once per size and kept for every benchmark of that size.
const Workload& GetWorkload(int64_t n) {
  static auto* cache = new std::map<int64_t, std::unique_ptr<Workload>>();
  auto& slot = (*cache)[n];
  if (slot) return *slot;
  slot = std::make_unique<Workload>();
  slot->base = search_testing::Clustered(n, kDim, kClusters, kSpread, /*seed=*/1);
  slot->queries = search_testing::Clustered(kQueries, kDim, kClusters, kSpread, /*seed=*/2);
  auto flat = VectorIndex::Build(slot->base.vectors.data(), n, kDim, slot->base.labels,
                                 Distance::Euclidean(), IndexOptions{});
  SIAMESE_CHECK(flat.ok()) << flat.status();
  auto hits = (*flat)->Search(slot->queries.vectors.data(), kQueries, kDim, kK);
  SIAMESE_CHECK(hits.ok()) << hits.status();
  for (const auto& row : *hits) {
    std::set<int64_t> ids;
    for (const Neighbour& nb : row) ids.insert(nb.id);
    slot->exact.push_back(std::move(ids));
  }
  return *slot;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void BM_Search(benchmark::State& state, const std::string& kind, int refine, int64_t n) {
  const Workload& w = GetWorkload(n);
  IndexOptions options;
  options.kind = kind;
  options.refine = refine;
  std::unique_ptr<VectorIndex> index;
  double build_s = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto built = VectorIndex::Build(w.base.vectors.data(), n, kDim, w.base.labels,
                                    Distance::Euclidean(), options);
    build_s = Seconds(start);
    if (!built.ok()) {
      state.SkipWithError(std::string(built.status().message()).c_str());
      return;
    }
    index = std::move(*built);
  }
  const auto start = std::chrono::steady_clock::now();
  auto hits = index->Search(w.queries.vectors.data(), kQueries, kDim, kK);
  const double search_s = Seconds(start);
  if (!hits.ok()) {
    state.SkipWithError(std::string(hits.status().message()).c_str());
    return;
  }
  double recall = 0;
  for (int64_t q = 0; q < kQueries; ++q) {
    int found = 0;
    for (const Neighbour& nb : (*hits)[q]) found += w.exact[q].count(nb.id);
    recall += static_cast<double>(found) / kK;
  }
  state.counters["build_s"] = build_s;
  state.counters["qps"] = kQueries / search_s;
  state.counters["recall_at_10"] = recall / kQueries;
  state.SetLabel(index->Describe());
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) {
  std::vector<int64_t> sizes = {10000, 100000, 1000000};
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const char* flag = "--sizes=";
    if (std::strncmp(argv[i], flag, std::strlen(flag)) != 0) {
      rest.push_back(argv[i]);
      continue;
    }
    sizes.clear();
    for (absl::string_view s : absl::StrSplit(argv[i] + std::strlen(flag), ',')) {
      int64_t n = 0;
      if (!absl::SimpleAtoi(s, &n) || n < 1000) {
        std::fprintf(stderr, "search_benchmark: --sizes takes sizes >= 1000, got \"%s\"\n",
                     std::string(s).c_str());
        return 2;
      }
      sizes.push_back(n);
    }
  }
  struct Variant {
    const char* name;
    const char* kind;
    int refine;
  };
  for (const Variant& v : {Variant{"BM_Hnsw", "hnsw", 0}, Variant{"BM_IvfPq", "ivfpq", 0},
                           Variant{"BM_IvfPqRefine", "ivfpq", 4}}) {
    for (int64_t n : sizes) {
      benchmark::RegisterBenchmark(
          absl::StrCat(v.name, "/", n).c_str(),
          [v, n](benchmark::State& state) { siamese::BM_Search(state, v.kind, v.refine, n); })
          ->Iterations(1)
          ->UseRealTime()
          ->Unit(benchmark::kSecond);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
