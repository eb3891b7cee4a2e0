#include "framework/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "framework/distributed/collectives.h"
#include "framework/records/records.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/precision.h"
#include "framework/train/assembly.h"
#include "framework/train/bundle.h"
#include "framework/train/evaluate.h"
#include "framework/train/interrupt.h"
#include "framework/train/loop.h"
#include "framework/train/manifest.h"
#include "framework/train/observers.h"
#include "framework/train/run_folder.h"

namespace siamese {
namespace {

using Clock = std::chrono::steady_clock;

// The first line where two experiment texts differ, for a refused resume.
std::string FirstDifference(const std::string& stored, const std::string& now) {
  const std::vector<std::string> a = absl::StrSplit(stored, '\n'), b = absl::StrSplit(now, '\n');
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "(end)", y = i < b.size() ? b[i] : "(end)";
    if (x != y) {
      return absl::StrCat("line ", i + 1, " of the resolved experiment: the checkpoint's has \"",
                          absl::StripAsciiWhitespace(x), "\", this one \"",
                          absl::StripAsciiWhitespace(y), "\"");
    }
  }
  return "";
}

// The experiment text without the run's length (training.epochs, .steps):
// a finished run may be extended; and, when `evaluation_too`, without the
// evaluation settings: a trained model may be evaluated again.
std::string Comparable(const std::string& text, bool evaluation_too) {
  auto file = ExperimentFile::Parse("checkpoint", text);
  if (!file.ok()) return text;
  Experiment e = (*file)->config();
  e.mutable_training()->clear_epochs();
  e.mutable_training()->clear_steps();
  if (evaluation_too) e.clear_evaluation();
  return e.SerializeAsString();
}

// Resumes from the folder's checkpoint when there is one and resuming is on;
// returns the first step to run. A fresh start clears what an earlier run
// left in the folder.
// *restored: the checkpoint it resumed from (the other ranks of a
// data-parallel run restore from it too).
absl::StatusOr<int64_t> Resume(const RunFolder& folder, const std::string& experiment_text,
                               bool resume, bool verbose, Components* c, Checkpoint* restored) {
  if (!resume || !folder.HasCheckpoint()) {
    folder.ClearPreviousRun();
    return 0;
  }
  const std::string path = folder.checkpoint_path();
  auto checkpoint = LoadBundle(path);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->experiment() != experiment_text) {
    // Nothing left to train: the evaluation settings may change too.
    const bool trained = checkpoint->step() >= c->total_steps;
    const bool compatible =
        Comparable(checkpoint->experiment(), trained) == Comparable(experiment_text, trained) &&
        checkpoint->step() <= c->total_steps;
    if (!compatible) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": the run folder holds a checkpoint of a different experiment (",
          FirstDifference(checkpoint->experiment(), experiment_text),
          "); give this one another name, set training { resume: false } to start over, or "
          "delete the folder"));
    }
    if (checkpoint->step() < c->total_steps && checkpoint->has_model_step() &&
        checkpoint->model_step() != checkpoint->step()) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": the finished run kept the model it selected (step ",
                       checkpoint->model_step(), "), not its last step's (", checkpoint->step(),
                       "), so it cannot be extended; train it again with the new length"));
    }
    if (verbose && !trained) {
      std::fprintf(stderr, "[train] extending %s from %ld to %ld steps\n", path.c_str(),
                   checkpoint->step(), c->total_steps);
    }
  }
  auto step = RestoreTraining(*checkpoint, path, c);
  if (!step.ok()) return step.status();
  *restored = *std::move(checkpoint);
  // Everything after the checkpoint's step is redone: metrics lines after it
  // go, and a finished run's results are written again.
  if (absl::Status s = folder.TruncateMetrics(*step); !s.ok()) return s;
  folder.ClearResults();
  if (verbose) std::fprintf(stderr, "[train] resuming %s at step %ld\n", path.c_str(), *step);
  return *step;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The test metrics of the encoder at initialization, before any step: every
// result is reported against them (results.json "untrained"). *seconds: the
// evaluation's wall time.
// `folder`: nullptr on the ranks that write nothing.
absl::Status EvaluateUntrained(const ExperimentFile& file, const RunFolder* folder, bool verbose,
                               Components* c, double* seconds) {
  const Experiment& cfg = file.config();
  const Clock::time_point start = Clock::now();
  auto report = EvaluateModel(c->model.encoder.get(), c->data, c->model.distance, cfg.evaluation(),
                              cfg.seed(), c->communicator);
  *seconds = SecondsSince(start);
  if (!report.ok()) {
    return absl::Status(report.status().code(), absl::StrCat("evaluating the untrained encoder: ",
                                                             report.status().message()));
  }
  c->untrained = ToTestMetrics(*report);
  if (verbose) {
    std::fprintf(stderr,
                 "[eval] untrained encoder: test P@1 %.4f MAP@R %.4f (%ld test images, %.2f s)\n",
                 report->test_retrieval.precision_at_1, report->test_retrieval.map_at_r,
                 static_cast<int64_t>(c->data.test.size()), *seconds);
  }
  MetricsLine line;
  line.set_step(0);
  line.set_split("untrained");
  *line.mutable_retrieval() = c->untrained->retrieval();
  if (c->untrained->has_verification()) {
    *line.mutable_verification() = c->untrained->verification();
  }
  if (c->untrained->has_few_shot()) *line.mutable_few_shot() = c->untrained->few_shot();
  if (c->untrained->has_clustering()) *line.mutable_clustering() = c->untrained->clustering();
  return folder == nullptr ? absl::OkStatus() : folder->AppendMetrics(line);
}

// With model selection, puts the selected (best validation) model's weights
// into the components and returns its step; else returns steps_done.
// In a data-parallel run, rank 0 reads best.ckpt and the other ranks
// restore from its bytes.
absl::StatusOr<int64_t> SelectModel(const ExperimentFile& file, const RunFolder& folder,
                                    int64_t steps_done, Components* c) {
  if (!file.config().has_selection() || c->selection.best_step() < 0) return steps_done;
  const std::string path = folder.best_checkpoint_path();
  Communicator* comm = c->communicator;
  Checkpoint best;
  if (comm == nullptr || comm->rank() == 0) {
    auto loaded = LoadBundle(path);
    if (comm != nullptr) {
      std::string bytes = loaded.ok() ? loaded->SerializeAsString() : std::string();
      BroadcastBytes(*comm, &bytes, 0);
    }
    if (!loaded.ok()) return loaded.status();
    best = *std::move(loaded);
  } else {
    std::string bytes;
    BroadcastBytes(*comm, &bytes, 0);
    if (bytes.empty() || !best.ParseFromString(bytes)) {
      return absl::InternalError(
          absl::StrCat(path, ": rank 0 could not read the selected model (its error says why)"));
    }
  }
  if (absl::Status s = RestoreModel(best, path, &c->model); !s.ok()) return s;
  return c->selection.best_step();
}

// Test metrics of the trained (or selected) model, then the files that
// record them: the checkpoint (with the calibrated threshold), timing
// (`timing` with the evaluation's time added), report files, results.json
// (last: its presence means the run finished) and the final metrics line.
// Only `writer` writes files (rank 0 of a data-parallel run); every rank
// evaluates (over all ranks) and fills *result.
absl::Status Finish(const ExperimentFile& file, const RunFolder& folder, bool writer,
                    const std::string& experiment_text, int64_t steps_done, Timing timing,
                    bool verbose, Components* c, TrainResult* result) {
  const Experiment& cfg = file.config();
  auto model_step = SelectModel(file, folder, steps_done, c);
  if (!model_step.ok()) return model_step.status();
  // The trained model is on disk before anything can fail in evaluation; a
  // run whose evaluation failed resumes straight into it.
  if (writer) {
    if (absl::Status s = SaveBundle(folder.checkpoint_path(), *c, experiment_text, steps_done,
                                    std::nullopt, *model_step);
        !s.ok()) {
      return s;
    }
  }
  const Clock::time_point start = Clock::now();
  auto report = EvaluateModel(c->model.encoder.get(), c->data, c->model.distance, cfg.evaluation(),
                              cfg.seed(), c->communicator);
  timing.set_test_evaluation_seconds(SecondsSince(start));
  if (!report.ok()) {
    return absl::Status(report.status().code(),
                        absl::StrCat("final evaluation: ", report.status().message(),
                                     ". The trained model is saved in ", folder.checkpoint_path(),
                                     "; run again to evaluate it without training again"));
  }
  std::optional<float> threshold;
  if (report->has_verification) threshold = static_cast<float>(report->threshold);
  if (writer) {
    if (absl::Status s = SaveBundle(folder.checkpoint_path(), *c, experiment_text, steps_done,
                                    threshold, *model_step);
        !s.ok()) {
      return s;
    }
  }
  if (verbose) {
    std::fprintf(stderr, "[eval] final evaluation: %ld test images, %.2f s\n",
                 static_cast<int64_t>(c->data.test.size()), timing.test_evaluation_seconds());
  }
  if (writer) {
    if (absl::Status s = folder.WriteTiming(timing); !s.ok()) return s;
    if (absl::Status s = folder.WriteReportFiles(*report, c->data.test.labels); !s.ok()) return s;
  }
  result->timing = timing;
  RunResults& r = result->results;
  r = ToRunResults(*report);
  r.set_steps(static_cast<int32_t>(steps_done));
  if (!c->model.embedding_layer.empty()) r.set_embedding_layer(c->model.embedding_layer);
  for (const std::string& w : c->warnings) r.add_warnings(w);
  if (c->untrained.has_value()) {
    *r.mutable_untrained() = *c->untrained;
    *r.mutable_gain_over_untrained() = Gain(ToTestMetrics(*report), *c->untrained);
  }
  if (cfg.has_selection()) {
    SelectionRecord* sel = r.mutable_selection();
    sel->set_metric(cfg.selection().metric());
    sel->set_step(static_cast<int32_t>(*model_step));
    sel->set_validation_score(c->selection.best_score());
    sel->set_evaluations(c->selection.evaluations());
    sel->set_stopped_early(steps_done < c->total_steps);
  }
  if (writer) {
    if (absl::Status s = folder.WriteResults(r); !s.ok()) return s;
  }
  result->results_json = ToJson(r);
  if (verbose) {
    std::string line = absl::StrFormat("[train] test P@1 %.4f MAP@R %.4f",
                                       r.retrieval().precision_at_1(), r.retrieval().map_at_r());
    if (r.has_untrained()) {
      absl::StrAppendFormat(&line, " (untrained %.4f / %.4f: MAP@R %+.4f)",
                            r.untrained().retrieval().precision_at_1(),
                            r.untrained().retrieval().map_at_r(),
                            r.gain_over_untrained().map_at_r());
    }
    if (r.has_selection()) {
      absl::StrAppendFormat(&line, "; model of step %d (validation %s %.4f)", r.selection().step(),
                            r.selection().metric(), r.selection().validation_score());
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  MetricsLine last;
  last.set_step(static_cast<int32_t>(steps_done));
  last.set_split("test");
  *last.mutable_retrieval() = r.retrieval();
  if (r.has_verification()) *last.mutable_verification() = r.verification();
  if (r.has_few_shot()) *last.mutable_few_shot() = r.few_shot();
  if (r.has_clustering()) *last.mutable_clustering() = r.clustering();
  return writer ? folder.AppendMetrics(last) : absl::OkStatus();
}

// Rank 0's (or the only process's) part of starting a run: the folder, its
// lock, resuming, the experiment and the manifest. Returns the first step;
// *restored: the checkpoint it resumed from, if any.
absl::StatusOr<int64_t> PrepareFolder(const ExperimentFile& file, const TrainOptions& options,
                                      const RunFolder& folder, int ranks, Components* c,
                                      Checkpoint* restored) {
  const Experiment& cfg = file.config();
  const std::string experiment_text = file.ResolvedText();
  auto first_step =
      Resume(folder, experiment_text, cfg.training().resume(), options.verbose, c, restored);
  if (!first_step.ok()) return first_step.status();
  if (absl::Status s = folder.WriteExperiment(experiment_text); !s.ok()) return s;
  // The manifest describes the process that started the run; a resumed
  // run checks its data against it and adds itself.
  Manifest manifest =
      MakeManifest(cfg, c->data.source_files, options.command_line, c->data.skipped_files);
  if (ranks > 1) manifest.set_ranks(ranks);
  if (*first_step > 0) {
    Manifest started;
    if (ReadJsonFile(folder.manifest_path(), &started).ok()) {
      if (absl::Status s = CheckDataFiles(started, c->data.source_files, folder.manifest_path());
          !s.ok()) {
        return s;
      }
      Resumption* r = started.add_resumptions();
      r->set_from_step(static_cast<int32_t>(*first_step));
      r->set_git_commit(manifest.git_commit());
      if (manifest.has_git_dirty()) r->set_git_dirty(manifest.git_dirty());
      r->set_command_line(manifest.command_line());
      if (ranks > 1) r->set_ranks(ranks);
      manifest = started;
    }
  }
  if (absl::Status s = folder.WriteManifest(manifest); !s.ok()) return s;
  return first_step;
}

// The other ranks' part: rank 0 sends "ok" and the checkpoint it resumed
// from (empty for a fresh start), or "failed"; they restore from it.
absl::StatusOr<int64_t> FollowRankZero(Communicator& comm, const std::string& checkpoint_path,
                                       Components* c) {
  std::string message;
  BroadcastBytes(comm, &message, 0);
  if (message.empty() || message[0] != 'o') {
    return absl::AbortedError("rank 0 could not start the run (its message says why)");
  }
  if (message.size() == 1) return 0;
  Checkpoint k;
  if (!k.ParseFromArray(message.data() + 1, static_cast<int>(message.size() - 1))) {
    return absl::InternalError("rank 0's checkpoint did not arrive intact");
  }
  return RestoreTraining(k, checkpoint_path, c);
}

}  // namespace

absl::StatusOr<TrainResult> Train(const ExperimentFile& file, const TrainOptions& options) {
  const Experiment& cfg = file.config();
  // First, before any thread computes: signals go to the interrupt
  // observer's own thread from here on (see interrupt.h). One that comes
  // before the loop stops it after its first step.
  InterruptObserver interrupt;
  SetNumThreads(cfg.threads());
  auto components = AssembleTraining(file);
  if (!components.ok()) return components.status();
  Components& c = **components;
  // Every op from here on (the untrained baseline included) runs in it.
  MatrixPrecisionScope precision(c.matrix_precision);
  // Data parallel: every collective goes through `timed` (timing.json
  // communication_seconds); rank 0 alone writes the run folder and prints.
  const int ranks = options.communicator == nullptr ? 1 : options.communicator->size();
  std::optional<TimedCommunicator> timed;
  if (ranks > 1) c.communicator = &timed.emplace(options.communicator);
  const bool writer = ranks == 1 || options.communicator->rank() == 0;
  for (const Batch& b : c.first_epoch_batches) {
    if (ranks > 1 && static_cast<int64_t>(b.indices.size()) < ranks) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.path(), ": training.batch_size: a batch of ", b.indices.size(),
          " examples cannot be shared out over ", ranks,
          " ranks (every rank embeds at least one); use fewer ranks or larger batches"));
    }
  }
  const bool verbose = options.verbose && writer;

  auto folder = writer ? RunFolder::Create(cfg.output_dir(), cfg.name())
                       : RunFolder::Named(cfg.output_dir(), cfg.name());
  absl::StatusOr<int64_t> first_step =
      folder.ok() ? absl::StatusOr<int64_t>(0) : absl::StatusOr<int64_t>(folder.status());
  Checkpoint restored;
  if (writer) {
    if (folder.ok()) {
      const absl::Status locked = folder->Lock();
      first_step = locked.ok() ? PrepareFolder(file, options, *folder, ranks, &c, &restored)
                               : absl::StatusOr<int64_t>(locked);
    }
    if (ranks > 1) {
      std::string message = first_step.ok() ? "o" : "f";
      // Whatever Resume restored (a checkpoint always holds its experiment).
      if (first_step.ok() && !restored.experiment().empty()) {
        message += restored.SerializeAsString();
      }
      BroadcastBytes(*c.communicator, &message, 0);
    }
  } else if (folder.ok()) {
    first_step = FollowRankZero(*c.communicator, folder->checkpoint_path(), &c);
  } else {
    std::string message;
    BroadcastBytes(*c.communicator, &message, 0);
  }
  if (!first_step.ok()) return first_step.status();
  TrainResult result;
  result.run_dir = folder->dir();
  const std::string experiment_text = file.ResolvedText();
  if (verbose) {
    for (const std::string& w : c.warnings)
      std::fprintf(stderr, "[train] WARNING: %s\n", w.c_str());
    if (ranks > 1) {
      std::fprintf(stderr, "[train] %d ranks x %d threads; each rank embeds its share of every batch\n",
                   ranks, cfg.threads());
    }
  }
  const RunFolder* writes = writer ? &*folder : nullptr;
  double untrained_seconds = 0;
  if (*first_step == 0 && cfg.evaluation().untrained_baseline()) {
    if (absl::Status s = EvaluateUntrained(file, writes, verbose, &c, &untrained_seconds);
        !s.ok()) {
      return s;
    }
  }

  TrainingLoop loop(&c);
  ProgressObserver progress(writes, cfg.training().log_every(), verbose);
  ValidationObserver validation(writes, &c, cfg.evaluation(), cfg.training().eval_every(),
                                cfg.has_selection() ? &cfg.selection() : nullptr, experiment_text,
                                verbose);
  PauseObserver pause(options.stop_after_step);
  CollapseObserver collapse(&c, std::min<int64_t>(50, std::max<int64_t>(1, c.total_steps / 4)),
                            verbose);
  std::optional<RankConsensusObserver> consensus;
  if (ranks > 1) consensus.emplace(c.communicator);
  CheckpointObserver checkpoints(writes, &c, experiment_text, cfg.training().checkpoint_every());
  loop.AddObserver(&progress);
  loop.AddObserver(&collapse);
  loop.AddObserver(&validation);
  loop.AddObserver(&pause);
  loop.AddObserver(&interrupt);
  if (consensus.has_value()) loop.AddObserver(&*consensus);
  loop.AddObserver(&checkpoints);
  const Clock::time_point start = Clock::now();
  const double communication_before = timed.has_value() ? timed->seconds() : 0;
  auto run = loop.Run(*first_step);
  if (!run.ok()) return run.status();
  if (run->diverged) {
    // The step did not update anything; say what is on disk.
    const int64_t saved = std::max(checkpoints.last_saved_step(), *first_step);
    const std::string on_disk =
        saved > 0 ? absl::StrCat("The last checkpoint (", folder->checkpoint_path(), ", step ",
                                 saved, ") is intact.")
                  : std::string("No checkpoint was written.");
    return absl::Status(run->divergence.code(),
                        absl::StrCat(run->divergence.message(), ". ", on_disk,
                                     " Try a lower optimizer.learning_rate."));
  }
  result.steps_done = run->steps_done;
  result.interrupted_by = interrupt.signal();
  if (run->paused) return result;
  Timing timing;
  timing.set_train_seconds(SecondsSince(start));
  timing.set_steps(static_cast<int32_t>(run->steps_done));
  timing.set_resumed_from_step(static_cast<int32_t>(*first_step));
  timing.set_train_images(run->examples);
  timing.set_validation_seconds(validation.seconds());
  const double training_only = timing.train_seconds() - timing.validation_seconds();
  timing.set_train_images_per_second(training_only > 0 ? run->examples / training_only : 0);
  timing.set_untrained_evaluation_seconds(untrained_seconds);
  if (ranks > 1) {
    timing.set_ranks(ranks);
    timing.set_communication_seconds(timed->seconds() - communication_before);
  }
  if (verbose && run->examples > 0) {
    std::string line = absl::StrFormat("[train] %d steps, %d images in %.2f s: %.0f img/s",
                                       run->steps_done - *first_step, run->examples, training_only,
                                       timing.train_images_per_second());
    if (timing.validation_seconds() > 0) {
      absl::StrAppendFormat(&line, " (and %.2f s of validation)", timing.validation_seconds());
    }
    if (ranks > 1) {
      absl::StrAppendFormat(&line, "; %d ranks, %.2f s in collectives", ranks,
                            timing.communication_seconds());
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (absl::Status s = Finish(file, *folder, writer, experiment_text, run->steps_done, timing,
                              verbose, &c, &result);
      !s.ok()) {
    return s;
  }
  result.finished = true;
  return result;
}

}  // namespace siamese
