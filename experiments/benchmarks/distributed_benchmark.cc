// Communication against computation of one data-parallel step, under MPI:
//
//   bazel build -c opt //experiments/benchmarks:distributed_benchmark
//   mpirun -np 2 bazel-bin/experiments/benchmarks/distributed_benchmark
//
// BM_AllReduceGradients: the all-reduce of the shipped CNN's 430k parameter
// gradients (one flat buffer), BM_GatherEmbeddings: gathering a 256 x 64
// embedding batch and reduce-scattering its gradient back. Iteration counts
// are fixed (every rank must run the same collectives); only rank 0 prints.
// Compare with ops_benchmark's training steps for the compute side.
#include <cstdio>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "framework/distributed/gather.h"
#include "framework/distributed/mpi_communicator.h"

namespace siamese {
namespace {

Communicator* comm = nullptr;

// What ranks other than 0 report: nothing (they run the same iterations).
class QuietReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

void BM_AllReduceGradients(benchmark::State& state) {
  std::vector<float> g(state.range(0), 1.0f);
  for (auto _ : state) {
    comm->AllReduceSum(g.data(), static_cast<int64_t>(g.size()));
    benchmark::DoNotOptimize(g.data());
  }
  state.counters["ranks"] = comm->size();
  state.counters["MB/s"] = benchmark::Counter(4.0 * g.size() * state.iterations(),
                                              benchmark::Counter::kIsRate,
                                              benchmark::Counter::kIs1024);
}
BENCHMARK(BM_AllReduceGradients)->Arg(430'000)->Iterations(200)->Repetitions(3)->UseRealTime();

void BM_GatherEmbeddings(benchmark::State& state) {
  const int64_t rows = state.range(0), dim = 64;
  const std::vector<int64_t> per_rank = RowsPerRank(rows, comm->size());
  std::vector<int64_t> counts(per_rank);
  for (int64_t& c : counts) c *= dim;
  std::vector<float> mine(counts[comm->rank()], 0.5f), all(rows * dim), back(mine.size());
  for (auto _ : state) {
    comm->AllGather(mine.data(), counts, all.data());
    comm->ReduceScatterSum(all.data(), counts, back.data());
    benchmark::DoNotOptimize(back.data());
  }
  state.counters["ranks"] = comm->size();
}
BENCHMARK(BM_GatherEmbeddings)->Arg(256)->Iterations(500)->Repetitions(3)->UseRealTime();

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) {
  auto world = siamese::MpiWorldCommunicator();
  if (!world.ok()) {
    std::fprintf(stderr, "%s\n", std::string(world.status().message()).c_str());
    return 1;
  }
  siamese::comm = world->get();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (siamese::comm->rank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    siamese::QuietReporter quiet;
    benchmark::RunSpecifiedBenchmarks(&quiet);
  }
  benchmark::Shutdown();
  return 0;
}
