#include "framework/train/assembly.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "framework/core/registry.h"
#include "framework/io/run_dir.h"
#include "framework/train/checkpoint.h"
#include "framework/train/weights.h"
#include "framework/train/weights_import.h"

namespace siamese {

MatrixPrecision ConfiguredMatrixPrecision(const Experiment& cfg, std::string* why) {
  return ResolveMatrixPrecision(
      cfg.precision() == Experiment::BF16 ? MatrixPrecision::kBfloat16 : MatrixPrecision::kFloat32,
      why);
}
namespace {

// The loss's parameters as the optimizer and checkpoints name them.
constexpr char kLossPrefix[] = "loss.";

// Transfer learning: weights from another run's checkpoint or from a weight
// file (renamed and selected as init says; weights_import.h), then frozen
// prefixes (which may name encoder or "loss." parameters). What was loaded
// goes to stderr, and to the run's warnings when tensors were left out.
absl::Status ApplyInit(const ExperimentFile& file, Model* model,
                       std::vector<std::string>* warnings) {
  const InitConfig& init = file.config().init();
  if (!init.from_checkpoint().empty() && !init.from_weights().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.Where({"init", "from_weights"}),
                     "init: set from_checkpoint or from_weights, not both"));
  }
  const bool from_checkpoint = !init.from_checkpoint().empty();
  if (from_checkpoint || !init.from_weights().empty()) {
    const char* field = from_checkpoint ? "from_checkpoint" : "from_weights";
    auto path = ResolveUserPath(from_checkpoint ? init.from_checkpoint() : init.from_weights());
    if (!path.ok()) return file.Locate("init", path.status());
    absl::StatusOr<TensorArchive> weights;
    if (from_checkpoint) {
      auto checkpoint = ReadCheckpoint(*path);
      if (!checkpoint.ok()) return checkpoint.status();
      weights = CheckpointWeights(*checkpoint);
    } else {
      weights = ReadWeights(*path);
    }
    if (!weights.ok()) return weights.status();
    auto report = ImportWeights(*weights, *path, init, model->encoder.get());
    if (!report.ok()) {
      return absl::Status(report.status().code(),
                          absl::StrCat(file.Where({"init", field}), report.status().message()));
    }
    const std::string summary = report->Summary();
    std::fprintf(stderr, "%s\n", summary.c_str());
    if (!report->missing.empty() || !report->unused.empty()) warnings->push_back(summary);
  }
  for (const std::string& prefix : init.frozen_prefixes()) {
    int matched = 0;
    if (prefix.rfind(kLossPrefix, 0) == 0 || prefix + "." == kLossPrefix) {
      const std::string local = prefix.size() > 5 ? prefix.substr(5) : "";
      matched = model->loss->SetRequiresGrad(local, false);
    } else {
      matched = model->encoder->SetRequiresGrad(prefix, false);
    }
    if (matched == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.Where({"init", "frozen_prefixes"}), "init.frozen_prefixes: \"", prefix,
                       "\" matches no parameter of encoder \"", file.config().encoder().name(),
                       "\" or (as \"loss.<name>\") of loss \"", file.config().loss().name(), "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace

NamedVariables Model::Parameters() const {
  NamedVariables out = encoder->NamedParameters();
  for (auto& [name, v] : loss->NamedParameters()) out.emplace_back(kLossPrefix + name, v);
  return out;
}

ModelShape ShapeOf(const ExperimentData& data) {
  ModelShape shape;
  shape.example_shape = data.example_shape;
  shape.num_classes = static_cast<int64_t>(data.class_names.size());
  const std::set<int64_t> classes(data.train.labels.begin(), data.train.labels.end());
  shape.training_classes.assign(classes.begin(), classes.end());
  return shape;
}

absl::StatusOr<Model> AssembleModel(const ExperimentFile& file, const ModelShape& shape) {
  const Experiment& cfg = file.config();
  Model model;
  auto distance = Distance::FromName(cfg.distance());
  if (!distance.ok()) return file.Locate("distance", distance.status());
  model.distance = *distance;
  model.embedding_layer = cfg.evaluation().embedding_layer();

  PluginContext context;
  context.seed = cfg.seed();
  context.input_shape = shape.example_shape;
  context.embedding_dim = cfg.embedding_dim();
  context.num_classes = shape.num_classes;
  context.training_classes = shape.training_classes;
  auto encoder = Registry<Encoder>::Create(cfg.encoder(), context);
  if (!encoder.ok()) return file.Locate("encoder", encoder.status());
  model.encoder = std::move(*encoder);
  context.embedding_dim = model.encoder->embedding_dim();
  auto loss = Registry<Loss>::Create(cfg.loss(), context);
  if (!loss.ok()) return file.Locate("loss", loss.status());
  model.loss = std::move(*loss);
  if (!model.embedding_layer.empty()) {
    const std::vector<std::string> layers = model.encoder->EmbeddingLayers();
    if (std::find(layers.begin(), layers.end(), model.embedding_layer) == layers.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.Where({"evaluation", "embedding_layer"}), "evaluation.embedding_layer: encoder \"",
          cfg.encoder().name(), "\" has no layer \"", model.embedding_layer,
          "\"; it has: ", layers.empty() ? "none (only its output)" : absl::StrJoin(layers, ", ")));
    }
  }
  return model;
}

namespace {

// loss.cross_batch_memory: checked against the loss, the miner and the
// largest batch, then created.
absl::Status AssembleMemory(const ExperimentFile& file, Components* c) {
  const CrossBatchMemoryConfig& m = file.config().loss().cross_batch_memory();
  c->memory_config = m;
  if (m.size() == 0) return absl::OkStatus();
  auto where = [&](const char* field) { return file.Where({"loss", "cross_batch_memory", field}); };
  const Experiment& cfg = file.config();
  if (m.size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where("size"), "loss.cross_batch_memory.size: must be >= 0, got ", m.size()));
  }
  if (m.start_step() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where("start_step"), "loss.cross_batch_memory.start_step: must be >= 0, got ",
                     m.start_step()));
  }
  if (!(m.weight() >= 0) || !std::isfinite(m.weight())) {
    return absl::InvalidArgumentError(
        absl::StrCat(where("weight"),
                     "loss.cross_batch_memory.weight: must be finite and >= 0, got ", m.weight()));
  }
  if (!c->model.loss->uses_tuples() || !c->model.loss->accepts_references()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where("size"), "loss \"", cfg.loss().name(),
        "\" cannot be compared against a cross-batch memory (it needs ",
        c->model.loss->uses_tuples() ? "the batch against itself"
                                     : "no tuples: it compares examples with class proxies",
        "); use a pair or triplet loss whose README row says it accepts one"));
  }
  if (c->miner != nullptr && !c->miner->accepts_references()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where({"miner"}), "miner \"", cfg.miner().name(),
        "\" cannot mine against a cross-batch memory (loss.cross_batch_memory.size is ", m.size(),
        "); use a miner whose README row says it accepts one"));
  }
  size_t largest = 0;
  for (const Batch& b : c->first_epoch_batches) largest = std::max(largest, b.indices.size());
  if (static_cast<size_t>(m.size()) < largest) {
    return absl::InvalidArgumentError(absl::StrCat(
        where("size"), "loss.cross_batch_memory.size: ", m.size(), " is smaller than a batch (",
        largest, " examples); the memory holds whole batches"));
  }
  c->memory = std::make_unique<CrossBatchMemory>(m.size(), c->model.encoder->embedding_dim());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Components>> AssembleTraining(const ExperimentFile& file) {
  const Experiment& cfg = file.config();
  auto c = std::make_unique<Components>();
  auto data = LoadExperimentData(file);
  if (!data.ok()) return data.status();
  c->data = *std::move(data);
  const ModelShape shape = ShapeOf(c->data);
  auto model = AssembleModel(file, shape);
  if (!model.ok()) return model.status();
  c->model = *std::move(model);
  if (cfg.has_selection()) {
    const std::string& metric = cfg.selection().metric();
    if (metric != "map_at_r" && metric != "precision_at_1" && metric != "r_precision") {
      return absl::InvalidArgumentError(
          absl::StrCat(file.Where({"selection", "metric"}),
                       "selection.metric: must be \"map_at_r\", "
                       "\"precision_at_1\" or \"r_precision\", got \"",
                       metric, "\""));
    }
    if (cfg.training().eval_every() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.Where({"training", "eval_every"}),
          "training.eval_every: model selection needs periodic validation; set eval_every > 0"));
    }
    if (c->data.validation.size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.Where({"selection"}), "selection: the validation split has ",
          c->data.validation.size(), " examples; hold out classes or a fraction of them"));
    }
  }

  PluginContext context;
  context.seed = cfg.seed();
  context.embedding_dim = c->model.encoder->embedding_dim();
  context.num_classes = shape.num_classes;
  context.training_classes = shape.training_classes;
  if (!cfg.miner().name().empty()) {
    auto miner = Registry<Miner>::Create(cfg.miner(), context);
    if (!miner.ok()) return file.Locate("miner", miner.status());
    c->miner = std::move(*miner);
  }
  auto sampler = Registry<Sampler>::Create(cfg.sampler(), context);
  if (!sampler.ok()) return file.Locate("sampler", sampler.status());
  c->sampler = std::move(*sampler);
  SamplerInput sampler_input;
  sampler_input.labels = c->data.train.labels;
  sampler_input.super_labels = c->data.train.super_labels;
  sampler_input.dataset = cfg.data().dataset().name();
  if (absl::Status s = c->sampler->Init(sampler_input, cfg.training().batch_size(), cfg.seed());
      !s.ok()) {
    return file.Locate("sampler", s);
  }
  if (!c->model.loss->uses_tuples()) {
    if (c->miner != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.Where({"miner"}), "loss \"", cfg.loss().name(),
          "\" uses no tuples (it compares examples with class proxies or ranks the whole batch); "
          "remove the miner (it would be ignored)"));
    }
  } else if (c->miner == nullptr && !c->sampler->gives_tuples()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where({"miner"}), "no miner is given and sampler \"", cfg.sampler().name(),
        "\" does not choose pairs itself; set miner { name: ... }"));
  }
  // Every epoch has as many batches as epoch 0 (the sampler's contract).
  c->first_epoch_batches = c->sampler->EpochBatches(0);
  c->batches_per_epoch = static_cast<int64_t>(c->first_epoch_batches.size());
  if (c->batches_per_epoch == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where({"training", "batch_size"}), "the sampler makes no batch of ",
        cfg.training().batch_size(), " from ", c->data.train.size(), " training examples"));
  }
  if (absl::Status s = AssembleMemory(file, c.get()); !s.ok()) return s;
  c->total_steps = cfg.training().steps() > 0 ? cfg.training().steps()
                                              : cfg.training().epochs() * c->batches_per_epoch;
  for (const std::string& w : c->sampler->Warnings()) c->warnings.push_back(w);
  {
    std::string why;
    c->matrix_precision = ConfiguredMatrixPrecision(cfg, &why);
    if (!why.empty()) c->warnings.push_back(absl::StrCat(file.Where({"precision"}), why));
  }
  const unsigned cores = std::thread::hardware_concurrency();
  if (cores > 0 && cfg.threads() > static_cast<int>(cores)) {
    c->warnings.push_back(absl::StrCat("threads: ", cfg.threads(), " on a machine with ", cores,
                                       " cores oversubscribes them; every step runs slower"));
  }
  const int64_t smallest =
      std::min(c->data.test.size(),
               c->data.validation.size() > 1 ? c->data.validation.size() : c->data.test.size());
  if (cfg.evaluation().knn_k() >= smallest) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where({"evaluation", "knn_k"}), "evaluation.knn_k: ", cfg.evaluation().knn_k(),
        " neighbours need a split of more examples; the smallest evaluated split has ", smallest));
  }

  if (absl::Status s = ApplyInit(file, &c->model, &c->warnings); !s.ok()) return s;
  context.parameters = c->model.Parameters();
  context.learning_rate = cfg.optimizer().learning_rate();
  context.total_steps = c->total_steps;
  auto optimizer = Registry<Optimizer>::Create(cfg.optimizer(), context);
  if (!optimizer.ok()) return file.Locate("optimizer", optimizer.status());
  c->optimizer = std::move(*optimizer);
  c->optimizer->SetLearningRateMultiplier("loss", cfg.loss().learning_rate_multiplier());
  c->embedding_regularizer = cfg.loss().embedding_regularizer();
  auto schedule = Registry<LrSchedule>::Create(cfg.schedule(), context);
  if (!schedule.ok()) return file.Locate("schedule", schedule.status());
  c->schedule = std::move(*schedule);
  return c;
}

}  // namespace siamese
