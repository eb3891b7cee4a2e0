// Google Benchmark suite for the op layer and one full CNN training step.
//
//   bazel run -c opt //experiments/benchmarks:ops_benchmark --
//       --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
//
// Threads: SIAMESE_THREADS (default 2, the peer's setting). Figures to
// compare with shared/peers/run_pytorch_peer.sh: BM_CnnTripletTrainStep's
// images_per_s (the peer's cnn images_per_s_median), BM_MatMul's GFLOP/s and
// BM_TransformerContrastiveTrainStep's sequences_per_s (the peer's
// transformer sequences_per_s_median).
#include <cstdlib>
#include <limits>

#include "benchmark/benchmark.h"
#include "experiments/benchmarks/small_cnn.h"
#include "framework/ops/ops.h"
#include "framework/tensor/dnnl_context.h"
#include "plugins/encoders/transformer/transformer_encoder.h"
#include "plugins/optimizers/adam/adam.h"
#include "plugins/optimizers/sgd/sgd.h"

namespace siamese {
namespace {

Tensor Random(const Shape& shape, uint64_t seed) {
  Rng rng(seed);
  Tensor t = Tensor::Empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = rng.Normal();
  return t;
}

// conv 32 -> 64, 3x3, pad 1 on [384, 32, 14, 14]: the second conv of the CNN.
void BM_Conv2dForward(benchmark::State& state) {
  Variable x(Random({384, 32, 14, 14}, 1)), w(Random({64, 32, 3, 3}, 2)), b(Random({64}, 3));
  Conv2dOptions o;
  o.pad_h = o.pad_w = 1;
  NoGradScope no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(Conv2d(x, w, b, o).value().raw());
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * 384 * 64 * 14 * 14 * 32 * 9,
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Conv2dForward)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Conv2dForwardBackward(benchmark::State& state) {
  Variable x(Random({384, 32, 14, 14}, 1), true), w(Random({64, 32, 3, 3}, 2), true);
  Variable b(Random({64}, 3), true);
  Conv2dOptions o;
  o.pad_h = o.pad_w = 1;
  Tensor dy = Random({384, 64, 14, 14}, 4);
  for (auto _ : state) {
    w.ZeroGrad();
    b.ZeroGrad();
    x.ZeroGrad();
    Conv2d(x, w, b, o).Backward(dy);
  }
  state.counters["GFLOP/s"] = benchmark::Counter(3 * 2.0 * 384 * 64 * 14 * 14 * 32 * 9,
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Conv2dForwardBackward)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MatMul(benchmark::State& state) {
  const int64_t n = state.range(0);
  Variable a(Random({n, n}, 1)), b(Random({n, n}, 2));
  NoGradScope no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(MatMul(a, b).value().raw());
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_MatMul)->Arg(384)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

// Layer norm over d_model 128 for 256 sequences of 64 tokens (the transformer workload).
void BM_LayerNormForwardBackward(benchmark::State& state) {
  Variable x(Random({256 * 64, 128}, 1), true), g(Random({128}, 2), true),
      b(Random({128}, 3), true);
  Tensor dy = Random({256 * 64, 128}, 4);
  for (auto _ : state) {
    x.ZeroGrad();
    g.ZeroGrad();
    b.ZeroGrad();
    LayerNorm(x, g, b).Backward(dy);
  }
  state.SetItemsProcessed(state.iterations() * 256 * 64);
}
BENCHMARK(BM_LayerNormForwardBackward)->Unit(benchmark::kMillisecond)->UseRealTime();

// One full step: forward of 384 images (128 triplets) through the shared CNN,
// triplet margin loss (margin 0.2), backward, SGD with momentum 0.9.
void BM_CnnTripletTrainStep(benchmark::State& state) {
  SmallCnn model(0);
  Variable images(Random({384, 1, 28, 28}, 1));
  SgdOptions options;
  options.learning_rate = 0.01f;
  options.momentum = 0.9f;
  std::vector<std::pair<std::string, Variable>> named;
  for (const Variable& p : model.Parameters())
    named.emplace_back("p" + std::to_string(named.size()), p);
  Sgd sgd(named, options);
  auto step = [&] {
    sgd.ZeroGrad();
    StackedTripletMarginLoss(model.Forward(images), 0.2f).Backward();
    sgd.Step();
  };
  step();  // warm-up: creates the primitives
  const int64_t created = PrimitiveCache::creations();
  for (auto _ : state) step();
  state.counters["images_per_s"] =
      benchmark::Counter(384, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["primitives_created_in_loop"] =
      static_cast<double>(PrimitiveCache::creations() - created);
}
BENCHMARK(BM_CnnTripletTrainStep)->Unit(benchmark::kMillisecond)->UseRealTime();

// Embeddings per second at batch 256 in evaluation (no tape).
void BM_CnnInference(benchmark::State& state) {
  SmallCnn model(0);
  Variable images(Random({256, 1, 28, 28}, 1));
  NoGradScope no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(model.Forward(images).value().raw());
  state.counters["embeddings_per_s"] =
      benchmark::Counter(256, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CnnInference)->Unit(benchmark::kMillisecond)->UseRealTime();

// Hadsell et al. 2006 on pairs (e1[i], e2[i]) with labels y [P] (1 = same):
// mean(y d^2 + (1 - y) relu(m - d)^2), d = sqrt(max(||e1 - e2||^2, 1e-12)).
Variable ContrastivePairLoss(const Variable& e1, const Variable& e2, const Variable& y,
                             float margin) {
  Variable d =
      Sqrt(Clamp(Sum(Square(Sub(e1, e2)), {1}), 1e-12f, std::numeric_limits<float>::max()));
  Variable pos = Mul(y, Square(d));
  Variable neg = Mul(RSubScalar(y, 1.0f), Square(Relu(RSubScalar(d, margin))));
  return MeanAll(Add(pos, neg));
}

// The peer's transformer workload (pytorch_siamese_bench.py bench_transformer):
// the "transformer" encoder plugin with its defaults on byte tokens (L = 64,
// vocab 256, d_model 128, 4 heads, 2 pre-LN layers, FFN 512, GELU, mean pool,
// linear -> 64, L2 norm); 128 pairs = 256 sequences of random ids 1..255 (no
// padding) in one forward pass; contrastive loss, margin 1.0; Adam, lr 1e-3.
void BM_TransformerContrastiveTrainStep(benchmark::State& state) {
  constexpr int64_t kPairs = 128, kLength = 64;
  PluginContext context;
  context.input_shape = {kLength};
  context.embedding_dim = 64;
  context.seed = 0;
  auto encoder = encoders::CreateTransformerEncoder(TransformerEncoderParams(), context);
  if (!encoder.ok()) {
    state.SkipWithError(std::string(encoder.status().message()).c_str());
    return;
  }
  Encoder& model = **encoder;
  Rng rng(1);
  Tensor tokens = Tensor::Empty({2 * kPairs, kLength});
  for (int64_t i = 0; i < tokens.numel(); ++i) tokens.data()[i] = 1.0f + rng.UniformInt(255);
  Tensor labels = Tensor::Empty({kPairs});
  for (int64_t i = 0; i < kPairs; ++i) labels.data()[i] = static_cast<float>(rng.UniformInt(2));
  const Variable x(tokens), y(labels);
  AdamOptions options;
  options.learning_rate = 1e-3f;
  Adam adam(model.NamedParameters(), options);
  auto step = [&] {
    adam.ZeroGrad();
    Variable e = model.Forward(x);
    ContrastivePairLoss(Slice(e, 0, 0, kPairs), Slice(e, 0, kPairs, 2 * kPairs), y, 1.0f)
        .Backward();
    adam.Step();
  };
  step();  // warm-up: creates the primitives
  const int64_t created = PrimitiveCache::creations();
  for (auto _ : state) step();
  state.counters["sequences_per_s"] =
      benchmark::Counter(2 * kPairs, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["primitives_created_in_loop"] =
      static_cast<double>(PrimitiveCache::creations() - created);
}
BENCHMARK(BM_TransformerContrastiveTrainStep)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) {
  const char* threads = std::getenv("SIAMESE_THREADS");
  siamese::SetNumThreads(threads ? std::atoi(threads) : 2);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("threads", std::to_string(siamese::NumThreads()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
