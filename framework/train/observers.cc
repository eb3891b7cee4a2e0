#include "framework/train/observers.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/train/bundle.h"
#include "framework/train/evaluate.h"

namespace siamese {
namespace {

std::string Duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%dh%02dm", s / 3600, (s / 60) % 60);
  if (s >= 60) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%ds", s);
}

}  // namespace

ProgressObserver::ProgressObserver(const RunFolder* folder, int64_t log_every, bool verbose)
    : folder_(folder),
      log_every_(std::max<int64_t>(1, log_every)),
      verbose_(verbose),
      tty_(isatty(fileno(stderr)) != 0) {}

void ProgressObserver::OnEnd() {
  // End the "\r"-updated line so what follows starts on a line of its own.
  if (verbose_ && tty_ && printed_) std::fprintf(stderr, "\n");
  printed_ = false;
}

absl::Status ProgressObserver::OnStart(int64_t first_step, int64_t) {
  first_step_ = first_step;
  start_ = since_ = Clock::now();
  return absl::OkStatus();
}

absl::Status ProgressObserver::AfterStep(const StepInfo& info, LoopControl*) {
  examples_since_ += info.result.examples;
  loss_sum_ += info.result.loss;
  ++loss_count_;
  if (info.steps_done % log_every_ != 0 && info.steps_done != info.total_steps) {
    return absl::OkStatus();
  }
  const Clock::time_point now = Clock::now();
  const double dt = std::chrono::duration<double>(now - since_).count();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = examples_since_ / std::max(dt, 1e-9);
  // Seconds per step of this process (a resumed run counts from its first
  // step), times the steps left.
  const double eta = elapsed / std::max<int64_t>(info.steps_done - first_step_, 1) *
                     static_cast<double>(info.total_steps - info.steps_done);
  const double mean_loss = loss_sum_ / loss_count_;
  if (verbose_) {
    std::fprintf(stderr, "%s[train] step %ld/%ld epoch %ld loss %.4f lr %.3g %.0f img/s ETA %s%s",
                 tty_ ? "\r" : "", info.steps_done, info.total_steps, info.epoch + 1, mean_loss,
                 info.result.learning_rate, rate, Duration(eta).c_str(), tty_ ? "   " : "\n");
    printed_ = true;
  }
  MetricsLine line;
  line.set_step(static_cast<int32_t>(info.steps_done));
  line.set_split("train");
  line.set_loss(static_cast<float>(mean_loss));
  line.set_learning_rate(info.result.learning_rate);
  line.set_images_per_second(static_cast<float>(rate));
  examples_since_ = 0;
  loss_sum_ = 0;
  loss_count_ = 0;
  since_ = Clock::now();
  return folder_ == nullptr ? absl::OkStatus() : folder_->AppendMetrics(line);
}

ValidationObserver::ValidationObserver(const RunFolder* folder, Components* components,
                                       const EvaluationConfig& config, int64_t eval_every,
                                       const SelectionConfig* selection,
                                       std::string experiment_text, bool verbose)
    : folder_(folder),
      components_(components),
      config_(config),
      eval_every_(eval_every),
      selection_(selection),
      experiment_text_(std::move(experiment_text)),
      verbose_(verbose) {}

double SelectionScore(const RetrievalMetrics& m, const std::string& metric) {
  if (metric == "precision_at_1") return m.precision_at_1;
  if (metric == "r_precision") return m.r_precision;
  return m.map_at_r;
}

absl::Status ValidationObserver::AfterStep(const StepInfo& info, LoopControl* control) {
  const ExperimentData& data = components_->data;
  if (eval_every_ <= 0 || info.steps_done % eval_every_ != 0 || data.validation.size() <= 1) {
    return absl::OkStatus();
  }
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = Evaluate(info, control);
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

absl::Status ValidationObserver::Evaluate(const StepInfo& info, LoopControl* control) {
  const ExperimentData& data = components_->data;
  auto m = EvaluateSplitRetrieval(components_->model.encoder.get(), data.validation,
                                  data.normalization, components_->model.distance, config_,
                                  components_->communicator);
  if (!m.ok()) {
    // Without selection, a validation split whose classes cannot be
    // retrieved (one example each) has no metrics and training goes on;
    // selection cannot do without them.
    if (selection_ == nullptr) return absl::OkStatus();
    return absl::Status(m.status().code(),
                        absl::StrCat("model selection: validation at step ", info.steps_done, ": ",
                                     m.status().message()));
  }
  std::string note;
  if (selection_ != nullptr) {
    SelectionState& s = components_->selection;
    const double score = SelectionScore(*m, selection_->metric());
    s.set_evaluations(s.evaluations() + 1);
    if (s.best_step() < 0 || score > s.best_score() + selection_->min_delta()) {
      s.set_best_step(info.steps_done);
      s.set_best_score(score);
      s.set_evaluations_since_best(0);
      if (folder_ != nullptr) {
        if (absl::Status st = SaveBundle(folder_->best_checkpoint_path(), *components_,
                                         experiment_text_, info.steps_done);
            !st.ok()) {
          return st;
        }
      }
      note = " (best so far)";
    } else {
      s.set_evaluations_since_best(s.evaluations_since_best() + 1);
      note = absl::StrFormat(" (best %.4f at step %d)", s.best_score(), s.best_step());
      if (selection_->patience() > 0 && s.evaluations_since_best() >= selection_->patience()) {
        control->finish = true;
        note += absl::StrFormat("; no improvement in %d evaluations: stopping",
                                s.evaluations_since_best());
      }
    }
  }
  if (verbose_) {
    std::fprintf(stderr, "%s[eval] step %ld validation P@1 %.4f MAP@R %.4f%s\n",
                 isatty(fileno(stderr)) ? "\n" : "", info.steps_done, m->precision_at_1,
                 m->map_at_r, note.c_str());
  }
  MetricsLine line;
  line.set_step(static_cast<int32_t>(info.steps_done));
  line.set_split("validation");
  *line.mutable_retrieval() = ToRecord(*m);
  return folder_ == nullptr ? absl::OkStatus() : folder_->AppendMetrics(line);
}

CollapseObserver::CollapseObserver(Components* components, int64_t window, bool verbose)
    : components_(components), window_(std::max<int64_t>(1, window)), verbose_(verbose) {}

void CollapseObserver::Warn(const std::string& warning) {
  for (const std::string& w : components_->warnings) {
    if (w == warning) return;
  }
  components_->warnings.push_back(warning);
  if (verbose_) std::fprintf(stderr, "\n[train] WARNING: %s\n", warning.c_str());
}

absl::Status CollapseObserver::AfterStep(const StepInfo& info, LoopControl*) {
  // The watch lives in the components, so it is checkpointed: a resumed run
  // warns exactly when an uninterrupted one would.
  CollapseWatch& w = components_->collapse_watch;
  const StepResult& r = info.result;
  if (w.first_spread() < 0) w.set_first_spread(r.embedding_spread);
  // Mining nothing late in a run is a task solved; from the start, it is a
  // run that never trains.
  if (r.tuples > 0) w.set_mined_anything(true);
  w.set_steps_without_tuples(w.mined_anything() ? 0 : w.steps_without_tuples() + 1);
  // Only a distance that is >= 0 and 0 between equal embeddings measures
  // the spread by its mean (dot_product's -a.b does not): the collapse
  // check is off for the others.
  const bool spread_measured = components_->model.distance.nonnegative();
  w.set_steps_collapsed(spread_measured && r.embedding_spread <= 1e-3 * w.first_spread()
                            ? w.steps_collapsed() + 1
                            : 0);
  if (w.steps_without_tuples() == window_) {
    Warn(
        absl::StrFormat("no tuples were mined in the first %d steps (to step %d): the loss is 0 "
                        "and nothing trains; check the miner's margins and the batch's classes",
                        window_, info.steps_done));
  }
  if (w.steps_collapsed() == window_) {
    Warn(absl::StrFormat(
        "the embedding collapsed: for %d consecutive steps (to step %d) the mean distance within "
        "a batch was %.3g, against %.3g at the first step; the loss sits at its margin (try a "
        "lower learning rate, a softer miner or a warm-up)",
        window_, info.steps_done, r.embedding_spread, w.first_spread()));
  }
  return absl::OkStatus();
}

absl::Status PauseObserver::AfterStep(const StepInfo& info, LoopControl* control) {
  if (info.steps_done == after_step_) control->pause = true;
  return absl::OkStatus();
}

CheckpointObserver::CheckpointObserver(const RunFolder* folder, const Components* components,
                                       std::string experiment_text, int64_t every)
    : folder_(folder),
      components_(components),
      experiment_text_(std::move(experiment_text)),
      every_(every) {}

absl::Status CheckpointObserver::AfterStep(const StepInfo& info, LoopControl* control) {
  if (!control->pause && (every_ <= 0 || info.steps_done % every_ != 0)) return absl::OkStatus();
  if (folder_ == nullptr) return absl::OkStatus();
  if (absl::Status s =
          SaveBundle(folder_->checkpoint_path(), *components_, experiment_text_, info.steps_done);
      !s.ok()) {
    return s;
  }
  last_saved_step_ = info.steps_done;
  return absl::OkStatus();
}

absl::Status RankConsensusObserver::AfterStep(const StepInfo&, LoopControl* control) {
  // Both decisions in one collective.
  float votes[2] = {control->pause ? 1.0f : 0.0f, control->finish ? 1.0f : 0.0f};
  comm_->AllReduceSum(votes, 2);
  control->pause = votes[0] > 0;
  control->finish = votes[1] > 0;
  return absl::OkStatus();
}

}  // namespace siamese
