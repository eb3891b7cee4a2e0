// Google Benchmark suite for what a real training step does besides the
// encoder: mining, batch assembly, and one whole step of the shipped
// closed-set config against its encoder-only part.
//
//   bazel run -c opt //experiments/benchmarks:training_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Threads: SIAMESE_THREADS (default 2, the shipped configs' `threads`).
// Config: SIAMESE_CONFIG (default experiments/configs/fashion_mnist_closed_set.pbtxt,
// resolved against the folder `bazel run` was called from); its data must
// be installed (tools/setup.sh).
//
//   BM_Mine/<miner>/<N>    one Mine() on N random unit embeddings of
//                          dimension 64, N / 32 classes of 32 (the config's
//                          pk sampler), Euclidean distances
//   BM_MakeBatch           one batch of the config assembled and normalized
//   BM_RealTrainingStep    TrainingStep (framework/train/step.cc) on the
//                          config's batches in order, as the training loop
//                          runs it: assembly, encoder, distances, mining,
//                          loss, backward, update, checks
//   BM_EncoderOnlyStep     the same model, optimizer and batch size, without
//                          assembly, mining or bookkeeping: forward of one
//                          assembled batch, distances, the loss on tuples
//                          mined once, backward, update
//   BM_RealVsEncoderOnly   the two alternating, one of each per iteration:
//                          real_vs_encoder_only, the real step's images/s
//                          as a fraction of the encoder-only step's (issue
//                          12 asks >= 0.9 of the benchmark step for a run)
//   BM_RealEpochVsEncoderOnly
//                          per iteration, one whole run of the config for
//                          one epoch through Train() (the trainer with its
//                          observers, run folder and records; untrained
//                          baseline off, into a temporary folder), then as
//                          many encoder-only steps as the epoch had batches:
//                          epoch_images_per_s (the trainer's timing.json
//                          train_images_per_second),
//                          encoder_only_images_per_s, their ratio
//                          epoch_vs_encoder_only (issue 12: >= 0.9), and
//                          test_evaluation_s (the final evaluation of the
//                          test split, timed on its own)
//   BM_OptimizerStep/<optimizer>
//                          one Step() of adam, adamw (weight_decay 0.01) or
//                          sgd (momentum 0.9) over copies of the config's
//                          parameters (their layouts) with random gradients
#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "framework/core/distance.h"
#include "framework/core/experiment_file.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/io/run_dir.h"
#include "framework/optim/optimizer.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/rng.h"
#include "framework/train/assembly.h"
#include "framework/train/data.h"
#include "framework/train/step.h"
#include "framework/train/trainer.h"
#include "google/protobuf/text_format.h"

namespace siamese {
namespace {

// ---- Mining. ----

struct MiningBatch {
  Tensor embeddings, distances;
  std::vector<int64_t> labels;
};

// N unit embeddings of dimension 64 around N / 32 class centers, labels
// shuffled; Euclidean distances as training computes them.
std::unique_ptr<MiningBatch> MakeMiningBatch(int64_t n) {
  constexpr int64_t kDim = 64, kPerClass = 32;
  auto b = std::make_unique<MiningBatch>();
  Rng rng(7);
  const int64_t classes = std::max<int64_t>(n / kPerClass, 2);
  b->labels.resize(n);
  for (int64_t i = 0; i < n; ++i) b->labels[i] = i % classes;
  for (int64_t i = n - 1; i > 0; --i) std::swap(b->labels[i], b->labels[rng.UniformInt(i + 1)]);
  std::vector<float> centers(classes * kDim);
  for (float& x : centers) x = rng.Normal();
  Tensor e = Tensor::Empty({n, kDim});
  for (int64_t i = 0; i < n; ++i) {
    float norm = 0;
    float* row = e.data() + i * kDim;
    for (int64_t k = 0; k < kDim; ++k) {
      row[k] = centers[b->labels[i] * kDim + k] + 1.5f * rng.Normal();
      norm += row[k] * row[k];
    }
    for (int64_t k = 0; k < kDim; ++k) row[k] /= std::sqrt(norm);
  }
  const Variable v(e);
  b->embeddings = e;
  b->distances = Distance::Euclidean().Matrix(v, v).value().ToPlain();
  return b;
}

void BM_Mine(benchmark::State& state, const std::string& config_text) {
  const int64_t n = state.range(0);
  MinerConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(config_text, &config)) {
    state.SkipWithError("bad miner config");
    return;
  }
  auto miner = Registry<Miner>::Create(config, PluginContext());
  if (!miner.ok()) {
    state.SkipWithError(std::string(miner.status().message()).c_str());
    return;
  }
  const std::unique_ptr<MiningBatch> b = MakeMiningBatch(n);
  MinerInput in;
  in.embeddings = &b->embeddings;
  in.distances = &b->distances;
  in.labels = &b->labels;
  int64_t tuples = 0;
  for (auto _ : state) {
    Tuples t = (*miner)->Mine(in);
    tuples = t.size();
    benchmark::DoNotOptimize(tuples);
  }
  state.counters["tuples"] = static_cast<double>(tuples);
}
BENCHMARK_CAPTURE(BM_Mine, semi_hard, R"(name: "semi_hard" [siamese.semi_hard] { margin: 0.2 })")
    ->Arg(256)
    ->Arg(512)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Mine, batch_hard, R"(name: "batch_hard")")
    ->Arg(256)
    ->Arg(512)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Mine, multi_similarity,
                  R"(name: "multi_similarity" [siamese.multi_similarity_miner] { epsilon: 0.1 })")
    ->Arg(256)
    ->Arg(512)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// ---- The shipped config. ----

// SIAMESE_CONFIG (default: the shipped closed-set config), resolved as a
// user's path; empty when it cannot be resolved.
std::string ConfigPath() {
  const char* env = std::getenv("SIAMESE_CONFIG");
  auto path = ResolveUserPath(env ? env : "experiments/configs/fashion_mnist_closed_set.pbtxt");
  return path.ok() ? *path : std::string();
}

// The config's components, assembled once for every benchmark below (the
// data takes seconds to load). Null, with the error in *error, when the
// config or its data cannot be loaded.
Components* Shipped(std::string* error) {
  static std::unique_ptr<Components> components;
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    const std::string path = ConfigPath();
    absl::StatusOr<std::unique_ptr<ExperimentFile>> file =
        path.empty() ? absl::InvalidArgumentError("SIAMESE_CONFIG: cannot resolve the path")
                     : ExperimentFile::Load(path);
    absl::StatusOr<std::unique_ptr<Components>> c =
        file.ok() ? AssembleTraining(**file) : file.status();
    if (c.ok()) {
      components = std::move(*c);
      components->model.encoder->Train();
    } else {
      failure = std::string(c.status().message());
    }
  }
  *error = failure;
  return components.get();
}

void BM_MakeBatch(benchmark::State& state) {
  std::string error;
  Components* c = Shipped(&error);
  if (c == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::vector<Batch>& batches = c->first_epoch_batches;
  int64_t k = 0;
  for (auto _ : state) {
    Tensor x =
        MakeBatch(c->data.train, batches[k++ % batches.size()].indices, c->data.normalization);
    benchmark::DoNotOptimize(x.data());
  }
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(batches[0].indices.size()),
                         benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MakeBatch)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_RealTrainingStep(benchmark::State& state) {
  std::string error;
  Components* c = Shipped(&error);
  if (c == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::vector<Batch>& batches = c->first_epoch_batches;
  static int64_t step = 0;  // across calls: the schedule moves on as in a run
  auto run = [&] {
    const int64_t s = step++ % c->total_steps;
    auto result = TrainingStep(c, batches[s % batches.size()], s);
    if (!result.ok()) state.SkipWithError(std::string(result.status().message()).c_str());
    return result.ok() ? result->tuples : 0;
  };
  run();  // warm-up: creates the primitives
  int64_t tuples = 0;
  for (auto _ : state) tuples = run();
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(batches[0].indices.size()),
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tuples"] = static_cast<double>(tuples);
}
BENCHMARK(BM_RealTrainingStep)->Unit(benchmark::kMillisecond)->UseRealTime();

// Copies of the config's parameters (same shapes and layouts), each with a
// random gradient of its layout.
NamedVariables ParameterCopies(const Components& c) {
  NamedVariables copies;
  Rng rng(11);
  for (const auto& [name, v] : c.optimizer->parameters()) {
    Variable copy(v.value().Clone(), /*requires_grad=*/true);
    Tensor g = Tensor::EmptyWithLayout(v.value().shape(), v.value().desc());
    for (int64_t i = 0; i < g.raw_size(); ++i) g.raw()[i] = 1e-3f * rng.Normal();
    copy.AccumulateGrad(g);
    copies.emplace_back(name, copy);
  }
  return copies;
}

void BM_OptimizerStep(benchmark::State& state, const std::string& config_text) {
  std::string error;
  Components* c = Shipped(&error);
  if (c == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  OptimizerConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(config_text, &config)) {
    state.SkipWithError("bad optimizer config");
    return;
  }
  PluginContext context;
  context.parameters = ParameterCopies(*c);
  context.learning_rate = config.learning_rate();
  auto optimizer = Registry<Optimizer>::Create(config, context);
  if (!optimizer.ok()) {
    state.SkipWithError(std::string(optimizer.status().message()).c_str());
    return;
  }
  (*optimizer)->Step();  // allocates the state
  int64_t elements = 0;
  for (const auto& [name, v] : context.parameters) elements += v.value().raw_size();
  for (auto _ : state) (*optimizer)->Step();
  state.counters["parameters"] = static_cast<double>(elements);
  state.counters["parameters_per_s"] = benchmark::Counter(
      static_cast<double>(elements), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_OptimizerStep, adam, R"(name: "adam" learning_rate: 0.001)")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_OptimizerStep, adamw,
                  R"(name: "adamw" learning_rate: 0.001 [siamese.adamw] { weight_decay: 0.01 })")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_OptimizerStep, sgd,
                  R"(name: "sgd" learning_rate: 0.01 [siamese.sgd] { momentum: 0.9 })")
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// The encoder-only step: one assembled batch, its tuples mined once; each
// Run() is forward, distances, loss, backward, update.
class EncoderOnlyStep {
 public:
  explicit EncoderOnlyStep(Components* c) : c_(c) {
    Model& model = c->model;
    const Batch& batch = c->first_epoch_batches[0];
    labels_.resize(batch.indices.size());
    for (size_t i = 0; i < labels_.size(); ++i) labels_[i] = c->data.train.labels[batch.indices[i]];
    x_ = Variable(MakeBatch(c->data.train, batch.indices, c->data.normalization));
    Variable e = model.encoder->Forward(x_);
    Variable d = model.distance.Matrix(e, e);
    const Tensor ep = e.value().ToPlain(), dp = d.value().ToPlain();
    if (c->miner != nullptr) tuples_ = c->miner->Mine({&ep, &dp, &labels_, model.distance, 0});
    tuples_ = ConvertTuples(std::move(tuples_), model.loss->input());
    ClearTape();
  }
  int64_t examples() const { return static_cast<int64_t>(labels_.size()); }
  int64_t tuples() const { return tuples_.size(); }
  void Run() {
    Model& model = c_->model;
    c_->optimizer->set_learning_rate(c_->schedule->LearningRate(c_->total_steps / 2));
    c_->optimizer->ZeroGrad();
    Variable e = model.encoder->Forward(x_);
    Variable d = model.distance.Matrix(e, e);
    LossInput in{e, d, &labels_, &tuples_, model.distance};
    in.reference_embeddings = e;
    Variable loss = model.loss->Compute(in);
    benchmark::DoNotOptimize(loss.value().item());
    loss.Backward();
    c_->optimizer->Step();
  }

 private:
  Components* c_;
  std::vector<int64_t> labels_;
  Variable x_;
  Tuples tuples_;
};

void BM_EncoderOnlyStep(benchmark::State& state) {
  std::string error;
  Components* c = Shipped(&error);
  if (c == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  EncoderOnlyStep step(c);
  step.Run();  // warm-up
  for (auto _ : state) step.Run();
  state.counters["images_per_s"] = benchmark::Counter(
      static_cast<double>(step.examples()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tuples"] = static_cast<double>(step.tuples());
}
BENCHMARK(BM_EncoderOnlyStep)->Unit(benchmark::kMillisecond)->UseRealTime();

// One real step and one encoder-only step per iteration, each timed on its
// own: the two see the same load, so on a busy machine their ratio holds
// better than the ratio of two separate benchmarks.
//   real_vs_encoder_only  encoder-only time / real time (the real step's
//                         images/s as a fraction of the encoder-only one's)
void BM_RealVsEncoderOnly(benchmark::State& state) {
  std::string error;
  Components* c = Shipped(&error);
  if (c == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  EncoderOnlyStep encoder_only(c);
  const std::vector<Batch>& batches = c->first_epoch_batches;
  static int64_t step = 0;
  using Clock = std::chrono::steady_clock;
  double real_s = 0, encoder_only_s = 0;
  auto real = [&] {
    const int64_t s = step++ % c->total_steps;
    auto result = TrainingStep(c, batches[s % batches.size()], s);
    if (!result.ok()) state.SkipWithError(std::string(result.status().message()).c_str());
  };
  real();  // warm-up
  encoder_only.Run();
  for (auto _ : state) {
    const Clock::time_point t0 = Clock::now();
    real();
    const Clock::time_point t1 = Clock::now();
    encoder_only.Run();
    const Clock::time_point t2 = Clock::now();
    real_s += std::chrono::duration<double>(t1 - t0).count();
    encoder_only_s += std::chrono::duration<double>(t2 - t1).count();
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["real_ms"] = 1e3 * real_s / n;
  state.counters["encoder_only_ms"] = 1e3 * encoder_only_s / n;
  state.counters["real_vs_encoder_only"] = encoder_only_s / real_s;
}
BENCHMARK(BM_RealVsEncoderOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

// A folder for the runs of BM_RealEpochVsEncoderOnly: under $TEST_TMPDIR
// in a test, else a fresh one under /tmp. Empty on failure.
std::string RunsFolder() {
  static const std::string folder = [] {
    const char* test_tmp = std::getenv("TEST_TMPDIR");
    if (test_tmp != nullptr) return std::string(test_tmp) + "/training_benchmark_runs";
    char name[] = "/tmp/training_benchmark.XXXXXX";
    return mkdtemp(name) != nullptr ? std::string(name) : std::string();
  }();
  return folder;
}

void BM_RealEpochVsEncoderOnly(benchmark::State& state) {
  std::string error;
  Components* c = Shipped(&error);
  if (c == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::string folder = RunsFolder();
  if (folder.empty()) {
    state.SkipWithError("cannot create a folder for the runs under /tmp");
    return;
  }
  // The config as a user runs it, for one epoch at the benchmark's threads.
  auto file = ExperimentFile::Load(
      ConfigPath(),
      {"training { epochs: 1 resume: false }", "evaluation { untrained_baseline: false }",
       absl::StrCat("threads: ", NumThreads()), absl::StrCat("output_dir: \"", folder, "\"")});
  if (!file.ok()) {
    state.SkipWithError(std::string(file.status().message()).c_str());
    return;
  }
  TrainOptions options;
  options.verbose = false;
  EncoderOnlyStep encoder_only(c);
  encoder_only.Run();  // warm-up
  using Clock = std::chrono::steady_clock;
  double epoch_images = 0, epoch_s = 0, encoder_only_images = 0, encoder_only_s = 0;
  double evaluation_s = 0;
  for (auto _ : state) {
    auto run = Train(**file, options);
    if (!run.ok() || !run->finished) {
      state.SkipWithError(run.ok() ? "the run did not finish"
                                   : std::string(run.status().message()).c_str());
      return;
    }
    const Timing& t = run->timing;
    epoch_images += static_cast<double>(t.train_images());
    epoch_s += t.train_seconds() - t.validation_seconds();
    evaluation_s += t.test_evaluation_seconds();
    // As many encoder-only steps as the epoch had batches.
    const Clock::time_point start = Clock::now();
    for (int64_t k = 0; k < t.steps(); ++k) encoder_only.Run();
    encoder_only_s += std::chrono::duration<double>(Clock::now() - start).count();
    encoder_only_images += static_cast<double>(t.steps() * encoder_only.examples());
  }
  const double epoch_rate = epoch_images / epoch_s;
  const double encoder_only_rate = encoder_only_images / encoder_only_s;
  state.counters["epoch_images_per_s"] = epoch_rate;
  state.counters["encoder_only_images_per_s"] = encoder_only_rate;
  state.counters["epoch_vs_encoder_only"] = epoch_rate / encoder_only_rate;
  state.counters["test_evaluation_s"] = evaluation_s / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RealEpochVsEncoderOnly)->Unit(benchmark::kSecond)->UseRealTime();

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
