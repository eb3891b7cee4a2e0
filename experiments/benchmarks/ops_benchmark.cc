// Google Benchmark suite for the op layer and the workloads of the PyTorch
// peer (shared/peers/pytorch_siamese_bench.py), with the peer's shapes:
//
//   bazel run -c opt //experiments/benchmarks:ops_benchmark --
//       --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
//       [--threads=N] [--batch=64,128,256,512] [--precision=float32|bf16]
//
// Side by side with the peer, in one table: //experiments/benchmarks:compare.
//
//   peer workload   benchmark                                 batch (default)    items
//   cnn             BM_CnnTripletTrainStep/batch:B            B triplets (128)   3B images
//   cnn_batchhard   BM_CnnBatchHardTrainStep/batch:B          B images (256)     B images
//                                                             = B/8 classes x 8
//   cnn_infer       BM_CnnInference/batch:B                   B images (256)     B embeddings
//   transformer     BM_TransformerContrastiveTrainStep/batch:B  B pairs (128)    2B sequences
//   matmul          BM_MatMul/2048                            2048^3             GFLOP/s
//
// Each workload reports items_per_second (the "items" column) besides its
// named counter. --batch replaces the default batch of the four batched
// workloads by each listed value (batch_hard needs multiples of 8); "peer"
// in the list stands for each workload's default.
// --threads (else SIAMESE_THREADS, else 2, the peer's default) sets the
// OpenMP threads for the whole process: run one process per thread count.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "experiments/benchmarks/small_cnn.h"
#include "framework/core/distance.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/core/tuples.h"
#include "framework/ops/ops.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/precision.h"
#include "plugins/encoders/transformer/transformer_encoder.h"
#include "plugins/losses/triplet/triplet.pb.h"
#include "plugins/miners/batch_hard/batch_hard.pb.h"
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

std::vector<std::pair<std::string, Variable>> Named(const std::vector<Variable>& parameters) {
  std::vector<std::pair<std::string, Variable>> named;
  for (const Variable& p : parameters) named.emplace_back("p" + std::to_string(named.size()), p);
  return named;
}

SgdOptions PeerSgd() {
  SgdOptions options;
  options.learning_rate = 0.01f;
  options.momentum = 0.9f;
  return options;
}

// The peer's cnn: one full step on B triplets (default 128): forward of 3B
// images through the shared CNN, triplet margin loss (margin 0.2) on the
// stacked anchors | positives | negatives, backward, SGD momentum 0.9.
void BM_CnnTripletTrainStep(benchmark::State& state) {
  const int64_t triplets = state.range(0);
  SmallCnn model(0);
  Variable images(Random({3 * triplets, 1, 28, 28}, 1));
  Sgd sgd(Named(model.Parameters()), PeerSgd());
  auto step = [&] {
    sgd.ZeroGrad();
    StackedTripletMarginLoss(model.Forward(images), 0.2f).Backward();
    sgd.Step();
  };
  step();  // warm-up: creates the primitives
  const int64_t created = PrimitiveCache::creations();
  for (auto _ : state) step();
  state.SetItemsProcessed(state.iterations() * 3 * triplets);
  state.counters["images_per_s"] =
      benchmark::Counter(3 * triplets, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["primitives_created_in_loop"] =
      static_cast<double>(PrimitiveCache::creations() - created);
}

// The peer's cnn_batchhard: B images (default 256) of B/8 classes x 8, the
// same CNN, then what framework/train/step.cc does with the shipped
// batch_hard miner and triplet loss (margin 0.2, mean): the Euclidean
// distance matrix of the batch (one GEMM), mining on its plain values (the
// farthest positive and nearest negative of every anchor), the loss on the
// gathered distances, backward, SGD momentum 0.9. The peer computes the same
// loss with masks over its 256 x 256 distance matrix.
void BM_CnnBatchHardTrainStep(benchmark::State& state) {
  constexpr int64_t kPerClass = 8;
  const int64_t n = state.range(0);
  if (n % kPerClass != 0 || n < 2 * kPerClass) {
    state.SkipWithError("batch_hard needs a batch that is a multiple of 8, at least 16");
    return;
  }
  PluginContext context;
  context.embedding_dim = 64;
  context.num_classes = n / kPerClass;
  for (int64_t c = 0; c < context.num_classes; ++c) context.training_classes.push_back(c);
  MinerConfig miner_config;
  miner_config.set_name("batch_hard");
  miner_config.MutableExtension(batch_hard);
  LossConfig loss_config;
  loss_config.set_name("triplet");
  loss_config.MutableExtension(triplet)->set_margin(0.2f);
  auto miner = Registry<Miner>::Create(miner_config, context);
  auto loss = Registry<Loss>::Create(loss_config, context);
  if (!miner.ok() || !loss.ok()) {
    state.SkipWithError(
        std::string(!miner.ok() ? miner.status().message() : loss.status().message()).c_str());
    return;
  }
  SmallCnn model(0);
  Variable images(Random({n, 1, 28, 28}, 1));
  std::vector<int64_t> labels(n);
  for (int64_t i = 0; i < n; ++i) labels[i] = i / kPerClass;
  Sgd sgd(Named(model.Parameters()), PeerSgd());
  const Distance distance = Distance::Euclidean();
  int64_t step_index = 0;
  int64_t triplets = 0;
  auto step = [&] {
    sgd.ZeroGrad();
    Variable embeddings = model.Forward(images);
    Variable distances = distance.Matrix(embeddings, embeddings);
    const Tensor d = distances.value().ToPlain();
    const Tensor e = embeddings.value().ToPlain();
    Tuples tuples = (*miner)->Mine({&e, &d, &labels, distance, step_index++});
    tuples = ConvertTuples(std::move(tuples), (*loss)->input());
    triplets = tuples.size();
    LossInput in{embeddings, distances, &labels, &tuples, distance};
    in.reference_embeddings = embeddings;
    (*loss)->Compute(in).Backward();
    sgd.Step();
  };
  step();  // warm-up: creates the primitives
  const int64_t created = PrimitiveCache::creations();
  for (auto _ : state) step();
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["images_per_s"] =
      benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["triplets_per_step"] = static_cast<double>(triplets);
  state.counters["primitives_created_in_loop"] =
      static_cast<double>(PrimitiveCache::creations() - created);
}

// The peer's cnn_infer: embeddings of B images (default 256), no gradient,
// as evaluation runs it (framework/train/evaluate.cc): inside a NoGradScope
// (forward_inference primitives, ReLU fused into conv and fc) and a
// FrozenWeightsScope (each weight reordered once, not once per batch).
void BM_CnnInference(benchmark::State& state) {
  const int64_t n = state.range(0);
  SmallCnn model(0);
  Variable images(Random({n, 1, 28, 28}, 1));
  NoGradScope no_grad;
  FrozenWeightsScope frozen;
  benchmark::DoNotOptimize(model.Forward(images).value().raw());  // warm-up
  const int64_t created = PrimitiveCache::creations();
  for (auto _ : state) benchmark::DoNotOptimize(model.Forward(images).value().raw());
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["embeddings_per_s"] =
      benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["primitives_created_in_loop"] =
      static_cast<double>(PrimitiveCache::creations() - created);
}

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
// linear -> 64, L2 norm); B pairs (default 128) = 2B sequences of random ids
// 1..255 in one forward pass (id 0 is padding here, which the peer does not
// have: its ids 0..255 are all tokens); contrastive loss, margin 1.0; Adam,
// lr 1e-3.
void BM_TransformerContrastiveTrainStep(benchmark::State& state) {
  constexpr int64_t kLength = 64;
  const int64_t kPairs = state.range(0);
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
  state.SetItemsProcessed(state.iterations() * 2 * kPairs);
  state.counters["sequences_per_s"] =
      benchmark::Counter(2 * kPairs, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["primitives_created_in_loop"] =
      static_cast<double>(PrimitiveCache::creations() - created);
}

// --batch=B1,B2,... (else each workload's peer default; the word "peer" in
// the list stands for it) and --threads=N, taken out of argv before Google
// Benchmark sees it.
constexpr int64_t kPeerBatch = -1;  // "peer" in --batch

struct SuiteFlags {
  std::vector<int64_t> batches;
  int threads = 0;
  MatrixPrecision precision = MatrixPrecision::kFloat32;
  std::string error;
};

SuiteFlags TakeSuiteFlags(int* argc, char** argv) {
  SuiteFlags flags;
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    const char* arg = argv[i];
    if (std::strncmp(arg, "--batch=", 8) == 0) {
      std::string list = arg + 8;
      size_t start = 0;
      while (start <= list.size()) {
        const size_t end = std::min(list.find(',', start), list.size());
        const std::string item = list.substr(start, end - start);
        char* rest = nullptr;
        const long long b = item == "peer" ? kPeerBatch : std::strtoll(item.c_str(), &rest, 10);
        if (b != kPeerBatch && (item.empty() || *rest != '\0' || b <= 0)) {
          flags.error = "--batch wants positive integers or \"peer\" separated by commas, got \"" +
                        list + "\"";
          return flags;
        }
        flags.batches.push_back(b);
        start = end + 1;
      }
    } else if (std::strncmp(arg, "--threads=", 10) == 0) {
      char* rest = nullptr;
      const long t = std::strtol(arg + 10, &rest, 10);
      if (*rest != '\0' || t <= 0) {
        flags.error = std::string("--threads wants a positive integer, got \"") + (arg + 10) + "\"";
        return flags;
      }
      flags.threads = static_cast<int>(t);
    } else if (std::strncmp(arg, "--precision=", 12) == 0) {
      const std::string p = arg + 12;
      if (p != "float32" && p != "bf16") {
        flags.error = "--precision wants float32 or bf16, got \"" + p + "\"";
        return flags;
      }
      flags.precision = p == "bf16" ? MatrixPrecision::kBfloat16 : MatrixPrecision::kFloat32;
    } else {
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
  argv[kept] = nullptr;
  return flags;
}

// The peer's workloads at its batch sizes, or at each of `batches`.
void RegisterWorkloads(const std::vector<int64_t>& batches) {
  struct Workload {
    const char* name;
    void (*fn)(benchmark::State&);
    int64_t peer_batch;
  };
  const Workload workloads[] = {
      {"BM_CnnTripletTrainStep", BM_CnnTripletTrainStep, 128},
      {"BM_CnnBatchHardTrainStep", BM_CnnBatchHardTrainStep, 256},
      {"BM_CnnInference", BM_CnnInference, 256},
      {"BM_TransformerContrastiveTrainStep", BM_TransformerContrastiveTrainStep, 128},
  };
  for (const Workload& w : workloads) {
    std::vector<int64_t> sizes;
    for (int64_t b : batches.empty() ? std::vector<int64_t>{kPeerBatch} : batches) {
      if (b == kPeerBatch) b = w.peer_batch;
      if (std::find(sizes.begin(), sizes.end(), b) == sizes.end()) sizes.push_back(b);
    }
    for (int64_t b : sizes) {
      benchmark::RegisterBenchmark(w.name, w.fn)
          ->ArgName("batch")
          ->Arg(b)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) {
  const siamese::SuiteFlags flags = siamese::TakeSuiteFlags(&argc, argv);
  if (!flags.error.empty()) {
    std::fprintf(stderr, "ops_benchmark: %s\n", flags.error.c_str());
    return 2;
  }
  const char* threads = std::getenv("SIAMESE_THREADS");
  siamese::SetNumThreads(flags.threads > 0 ? flags.threads : threads ? std::atoi(threads) : 2);
  // As a training run resolves its config's precision: bf16 only where the
  // CPU has bf16 instructions.
  std::string why;
  siamese::SetMatrixPrecision(siamese::ResolveMatrixPrecision(flags.precision, &why));
  if (!why.empty()) std::fprintf(stderr, "ops_benchmark: %s\n", why.c_str());
  siamese::RegisterWorkloads(flags.batches);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("threads", std::to_string(siamese::NumThreads()));
  // Read by compare.py.
  benchmark::AddCustomContext("precision",
                              siamese::MatrixPrecisionName(siamese::CurrentMatrixPrecision()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
