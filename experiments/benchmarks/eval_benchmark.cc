// Google Benchmark suite for retrieval evaluation (framework/eval): the
// blocked distance kernel and the per-query selection, per distance.
//
//   bazel run -c opt //experiments/benchmarks:eval_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Threads: OMP_NUM_THREADS (default: every core).
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "framework/core/distance.h"
#include "framework/eval/retrieval.h"
#include "framework/tensor/rng.h"
#include "framework/tensor/tensor.h"

namespace siamese {
namespace {

constexpr int64_t kQueries = 2048;
constexpr int64_t kReferences = 20000;
constexpr int64_t kDim = 64;
constexpr int64_t kClasses = 500;

Tensor Random(int64_t n, uint64_t seed) {
  Rng rng(seed);
  Tensor t = Tensor::Empty({n, kDim});
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = rng.Normal();
  return t;
}

std::vector<int64_t> Labels(int64_t n) {
  std::vector<int64_t> y(n);
  for (int64_t i = 0; i < n; ++i) y[i] = i % kClasses;
  return y;
}

// EvaluateRetrieval of kQueries against kReferences under the distance named
// by the benchmark's label.
void BM_Retrieval(benchmark::State& state, const std::string& name) {
  auto distance = Distance::FromName(name);
  if (!distance.ok()) {
    state.SkipWithError(std::string(distance.status().message()).c_str());
    return;
  }
  const Tensor q = Random(kQueries, 1), r = Random(kReferences, 2);
  const std::vector<int64_t> ql = Labels(kQueries), rl = Labels(kReferences);
  for (auto _ : state) {
    auto m = EvaluateRetrieval(q, ql, r, rl, /*query_is_reference=*/false, *distance);
    benchmark::DoNotOptimize(m.ok());
  }
  state.counters["pairs/s"] =
      benchmark::Counter(static_cast<double>(kQueries) * kReferences,
                         benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
BENCHMARK_CAPTURE(BM_Retrieval, euclidean, "euclidean")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Retrieval, squared_euclidean, "squared_euclidean")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Retrieval, cosine, "cosine")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Retrieval, dot_product, "dot_product")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Retrieval, snr, "snr")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace siamese

BENCHMARK_MAIN();
