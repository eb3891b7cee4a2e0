#include "framework/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/core/distance.h"
#include "framework/core/encoder.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "framework/io/atomic_file.h"
#include "framework/io/npy.h"
#include "framework/io/tsv.h"
#include "framework/io/run_dir.h"
#include "framework/optim/adam.h"
#include "framework/optim/schedule.h"
#include "framework/optim/sgd.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/train/checkpoint.h"
#include "framework/train/data.h"
#include "framework/train/evaluate.h"
#include "framework/train/manifest.h"

namespace siamese {
namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<Optimizer> MakeOptimizer(const OptimizerConfig& c, NamedVariables params) {
  if (c.name() == "sgd") {
    SgdOptions o;
    o.learning_rate = c.learning_rate();
    o.momentum = c.momentum();
    o.nesterov = c.nesterov();
    o.weight_decay = c.weight_decay();
    return std::make_unique<Sgd>(std::move(params), o);
  }
  AdamOptions o;
  o.learning_rate = c.learning_rate();
  o.beta1 = c.beta1();
  o.beta2 = c.beta2();
  o.eps = c.eps();
  o.weight_decay = c.weight_decay();
  if (c.name() == "adamw") return std::make_unique<AdamW>(std::move(params), o);
  return std::make_unique<Adam>(std::move(params), o);
}

std::unique_ptr<LrSchedule> MakeSchedule(const ScheduleConfig& s, float base, int64_t total) {
  if (s.name() == "step") return std::make_unique<StepSchedule>(base, s.step_size(), s.gamma());
  if (s.name() == "cosine") {
    return std::make_unique<CosineSchedule>(base, total, s.warmup_steps(), s.min_learning_rate());
  }
  return std::make_unique<ConstantSchedule>(base);
}

std::string Duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%dh%02dm", s / 3600, (s / 60) % 60);
  if (s >= 60) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%ds", s);
}

absl::Status AppendLine(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  out.flush();
  if (!out) return absl::InternalError(absl::StrCat(path, ": cannot append"));
  return absl::OkStatus();
}

std::string RetrievalJson(int64_t step, const char* split, const RetrievalMetrics& m) {
  return absl::StrFormat(
      "{\"step\": %d, \"split\": \"%s\", \"precision_at_1\": %.6g, \"r_precision\": %.6g, "
      "\"map_at_r\": %.6g}",
      step, split, m.precision_at_1, m.r_precision, m.map_at_r);
}

// roc.tsv (threshold, far, tar) and the test embeddings with their labels,
// for reports (ablation report.html).
absl::Status WriteReportFiles(const std::string& dir, const EvaluationReport& report,
                              const std::vector<int64_t>& labels) {
  std::vector<TsvRow> rows = {{"threshold", "far", "tar"}};
  for (const RocPoint& p : report.test_roc) {
    rows.push_back({absl::StrFormat("%.6g", p.threshold), absl::StrFormat("%.6g", p.far),
                    absl::StrFormat("%.6g", p.tar)});
  }
  if (absl::Status s = WriteTsv(dir + "/roc.tsv", rows); !s.ok()) return s;
  const Tensor& e = report.test_embeddings;
  if (absl::Status s = WriteNpy(dir + "/test_embeddings.npy", e.data(), e.shape()); !s.ok()) {
    return s;
  }
  return WriteNpyInt64(dir + "/test_labels.npy", labels.data(),
                       {static_cast<int64_t>(labels.size())});
}

}  // namespace

absl::StatusOr<TrainResult> Train(const ExperimentFile& file, const TrainOptions& options) {
  const Experiment& cfg = file.config();
  SetNumThreads(cfg.threads());

  // --- Everything the run needs, created (and checked) before any work.
  absl::StatusOr<ExperimentData> data = LoadExperimentData(file);
  if (!data.ok()) return data.status();
  absl::StatusOr<Distance> distance = Distance::FromName(cfg.distance());
  if (!distance.ok()) return file.Locate("distance", distance.status());

  PluginContext context;
  context.seed = cfg.seed();
  context.input_shape = data->example_shape;
  context.embedding_dim = cfg.embedding_dim();
  auto encoder = Registry<Encoder>::Create(cfg.encoder(), context);
  if (!encoder.ok()) return file.Locate("encoder", encoder.status());
  auto loss = Registry<Loss>::Create(cfg.loss(), context);
  if (!loss.ok()) return file.Locate("loss", loss.status());
  std::unique_ptr<Miner> miner;
  if (!cfg.miner().name().empty()) {
    auto m = Registry<Miner>::Create(cfg.miner(), context);
    if (!m.ok()) return file.Locate("miner", m.status());
    miner = std::move(*m);
  }
  auto sampler = Registry<Sampler>::Create(cfg.sampler(), context);
  if (!sampler.ok()) return file.Locate("sampler", sampler.status());
  if (absl::Status s = (*sampler)->Init(data->train.labels, cfg.training().batch_size(), cfg.seed());
      !s.ok()) {
    return file.Locate("sampler", s);
  }
  // Epoch 0's batches, kept for the loop (the sampler is a pure function of
  // the epoch; every epoch has as many batches).
  std::vector<Batch> epoch_batches = (*sampler)->EpochBatches(0);
  int64_t cached_epoch = 0;
  const int64_t batches_per_epoch = static_cast<int64_t>(epoch_batches.size());
  if (batches_per_epoch == 0) {
    return absl::InvalidArgumentError(absl::StrCat(file.Where({"training", "batch_size"}),
                                                   "the sampler makes no batch of ",
                                                   cfg.training().batch_size(), " from ",
                                                   data->train.size(), " training examples"));
  }
  const int64_t total_steps = cfg.training().steps() > 0
                                  ? cfg.training().steps()
                                  : cfg.training().epochs() * batches_per_epoch;
  if (cfg.schedule().name() == "cosine" &&
      (cfg.schedule().warmup_steps() < 0 || cfg.schedule().warmup_steps() > total_steps)) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where({"schedule", "warmup_steps"}), "schedule.warmup_steps: must be in [0, ",
        total_steps, "] (the run's steps), got ", cfg.schedule().warmup_steps()));
  }
  if (cfg.schedule().name() == "step" && cfg.schedule().step_size() < 1) {
    return absl::InvalidArgumentError(absl::StrCat(file.Where({"schedule", "step_size"}),
                                                   "schedule.step_size: must be >= 1, got ",
                                                   cfg.schedule().step_size()));
  }
  Encoder& model = **encoder;

  // --- Transfer learning: initial weights and frozen prefixes.
  if (!cfg.init().from_checkpoint().empty()) {
    auto path = ResolveUserPath(cfg.init().from_checkpoint());
    if (!path.ok()) return path.status();
    auto init = ReadCheckpoint(*path);
    if (!init.ok()) return init.status();
    if (absl::Status s = LoadModule(*init, *path, &model); !s.ok()) return s;
  }
  for (const std::string& prefix : cfg.init().frozen_prefixes()) {
    if (model.SetRequiresGrad(prefix, false) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.Where({"init", "frozen_prefixes"}), "init.frozen_prefixes: \"", prefix,
                       "\" matches no parameter of encoder \"", cfg.encoder().name(), "\""));
    }
  }
  std::unique_ptr<Optimizer> optimizer = MakeOptimizer(cfg.optimizer(), model.NamedParameters());
  std::unique_ptr<LrSchedule> schedule =
      MakeSchedule(cfg.schedule(), cfg.optimizer().learning_rate(), total_steps);

  // --- Run folder, resume.
  auto output_dir = ResolveUserPath(cfg.output_dir());
  if (!output_dir.ok()) return output_dir.status();
  TrainResult result;
  result.run_dir = absl::StrCat(*output_dir, "/", cfg.name());
  if (absl::Status s = MakeDirs(result.run_dir); !s.ok()) return s;
  const std::string ckpt_path = result.run_dir + "/checkpoint.ckpt";
  const std::string metrics_path = result.run_dir + "/metrics.jsonl";
  const std::string resolved = file.ResolvedText();
  int64_t step = 0;
  int64_t first_step = 0;
  if (cfg.training().resume() && access(ckpt_path.c_str(), F_OK) == 0) {
    auto ckpt = ReadCheckpoint(ckpt_path);
    if (!ckpt.ok()) return ckpt.status();
    if (ckpt->experiment() != resolved) {
      return absl::FailedPreconditionError(absl::StrCat(
          ckpt_path, ": the run folder holds a checkpoint of a different experiment; give this "
                     "one another name, or delete the folder to start over"));
    }
    if (absl::Status s = LoadModule(*ckpt, ckpt_path, &model); !s.ok()) return s;
    NamedTensors state;
    for (const TensorProto& t : ckpt->optimizer_state()) state.emplace_back(t.name(), ToTensor(t));
    if (absl::Status s = optimizer->LoadState(state); !s.ok()) return s;
    step = ckpt->step();
    first_step = step;
    if (options.verbose) std::fprintf(stderr, "[train] resuming %s at step %ld\n", ckpt_path.c_str(), step);
  } else {
    std::remove(metrics_path.c_str());
  }
  if (absl::Status s = WriteFileAtomically(result.run_dir + "/experiment.pbtxt", resolved); !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteFileAtomically(result.run_dir + "/manifest.json",
                                           MakeManifest(cfg, data->source_files, options.command_line));
      !s.ok()) {
    return s;
  }

  auto save = [&](int64_t done, const EvaluationReport* report) {
    Checkpoint c;
    c.set_step(done);
    SaveModule(model, &c);
    for (const auto& [name, t] : optimizer->State()) AddTensor(name, t, c.mutable_optimizer_state());
    c.set_input_mean(data->normalization.mean);
    c.set_input_std(data->normalization.std);
    c.set_experiment(resolved);
    for (int64_t d : data->example_shape) c.add_example_shape(d);
    for (const std::string& n : data->class_names) c.add_class_names(n);
    if (!data->dataset_state.empty()) c.set_dataset_state(data->dataset_state);
    if (report != nullptr && report->has_verification) c.set_threshold(report->threshold);
    return WriteCheckpoint(ckpt_path, c);
  };

  // --- The loop.
  const bool tty = isatty(fileno(stderr));
  model.Train();
  auto t_start = Clock::now();
  int64_t images_since = 0;
  auto t_since = Clock::now();
  double loss_sum = 0;
  int64_t loss_count = 0;
  const int64_t log_every = std::max(1, cfg.training().log_every());
  while (step < total_steps) {
    const int64_t epoch = step / batches_per_epoch;
    if (epoch != cached_epoch) {
      epoch_batches = (*sampler)->EpochBatches(epoch);
      cached_epoch = epoch;
    }
    const Batch& batch = epoch_batches[step % batches_per_epoch];
    std::vector<int64_t> labels(batch.indices.size());
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = data->train.labels[batch.indices[i]];

    optimizer->set_learning_rate(schedule->LearningRate(step));
    optimizer->ZeroGrad();
    model.BeginStep(step);
    Variable embeddings = model.Forward(Variable(MakeBatch(data->train, batch.indices, data->normalization)));
    Variable distances = distance->Matrix(embeddings, embeddings);
    MinedTuples tuples = ConvertTuples(
        miner ? miner->Mine(distances.value().ToPlain(), labels, *distance, step) : batch.given,
        (*loss)->input());
    if (!miner && tuples.size() == 0) {
      ClearTape();
      return absl::InvalidArgumentError(absl::StrCat(
          file.Where({"miner"}), "no miner is given and sampler \"", cfg.sampler().name(),
          "\" does not choose pairs itself; set miner { name: ... }"));
    }
    LossInput input{embeddings, distances, &labels, &tuples, *distance};
    Variable loss_value = (*loss)->Compute(input);
    const float l = loss_value.value().item();
    if (!std::isfinite(l)) {
      ClearTape();
      return absl::FailedPreconditionError(absl::StrCat(
          "step ", step, ": the loss is ", l, "; training stopped. The last checkpoint (",
          ckpt_path, ") is intact. Try a lower optimizer.learning_rate."));
    }
    loss_value.Backward();
    optimizer->Step();
    ++step;
    images_since += static_cast<int64_t>(batch.indices.size());
    loss_sum += l;
    ++loss_count;

    if (step % log_every == 0 || step == total_steps) {
      const double dt = std::chrono::duration<double>(Clock::now() - t_since).count();
      const double elapsed = std::chrono::duration<double>(Clock::now() - t_start).count();
      const double rate = images_since / std::max(dt, 1e-9);
      const double eta = elapsed / std::max<int64_t>(step - result.steps_done, 1) *
                         static_cast<double>(total_steps - step);
      const double mean_loss = loss_sum / loss_count;
      if (options.verbose) {
        std::fprintf(stderr, "%s[train] step %ld/%ld epoch %ld loss %.4f lr %.3g %.0f img/s ETA %s%s",
                     tty ? "\r" : "", step, total_steps, epoch + 1, mean_loss,
                     optimizer->learning_rate(), rate, Duration(eta).c_str(), tty ? "   " : "\n");
      }
      if (absl::Status s = AppendLine(
              metrics_path,
              absl::StrFormat("{\"step\": %d, \"split\": \"train\", \"loss\": %.6g, "
                              "\"learning_rate\": %.6g, \"images_per_s\": %.1f}",
                              step, mean_loss, optimizer->learning_rate(), rate));
          !s.ok()) {
        return s;
      }
      images_since = 0;
      loss_sum = 0;
      loss_count = 0;
      t_since = Clock::now();
    }
    if (cfg.training().eval_every() > 0 && step % cfg.training().eval_every() == 0 &&
        data->validation.size() > 1) {
      auto m = EvaluateSplitRetrieval(&model, data->validation, data->normalization, *distance,
                                      cfg.evaluation());
      if (m.ok()) {
        if (options.verbose) {
          std::fprintf(stderr, "%s[eval] step %ld validation P@1 %.4f MAP@R %.4f\n", tty ? "\n" : "",
                       step, m->precision_at_1, m->map_at_r);
        }
        (void)AppendLine(metrics_path, RetrievalJson(step, "validation", *m));
      }
    }
    const int64_t every = cfg.training().checkpoint_every();
    if ((every > 0 && step % every == 0) || step == options.stop_after_step) {
      if (absl::Status s = save(step, nullptr); !s.ok()) return s;
    }
    if (step == options.stop_after_step) {
      result.steps_done = step;
      return result;
    }
  }
  if (options.verbose && tty) std::fprintf(stderr, "\n");
  result.steps_done = step;

  // --- Final evaluation.
  auto report = EvaluateModel(&model, *data, *distance, cfg.evaluation(), cfg.seed());
  if (!report.ok()) return report.status();
  if (absl::Status s = save(step, &*report); !s.ok()) return s;
  const double train_seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
  result.results_json = ReportToJson(*report);
  // Timing is kept out of results.json, whose numbers are reproducible to
  // the bit; a resumed run counts only its own steps.
  if (absl::Status s = WriteFileAtomically(
          result.run_dir + "/timing.json",
          absl::StrFormat("{\"train_seconds\": %.2f, \"steps\": %d, \"resumed_from_step\": %d}\n",
                          train_seconds, step, first_step));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteReportFiles(result.run_dir, *report, data->test.labels); !s.ok()) return s;
  if (absl::Status s = WriteFileAtomically(result.run_dir + "/results.json", result.results_json + "\n");
      !s.ok()) {
    return s;
  }
  (void)AppendLine(metrics_path, absl::StrCat("{\"step\": ", step, ", ",
                                              result.results_json.substr(1)));
  result.finished = true;
  return result;
}

}  // namespace siamese
