#include "framework/train/bundle.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/train/checkpoint.h"

namespace siamese {
namespace {

absl::StatusOr<NamedTensors> ToNamedTensors(
    const google::protobuf::RepeatedPtrField<TensorProto>& list, const std::string& path,
    const std::string& what) {
  NamedTensors out;
  for (const TensorProto& t : list) {
    if (absl::Status s = CheckTensorProto(t, path, what); !s.ok()) return s;
    out.emplace_back(t.name(), ToTensor(t));
  }
  return out;
}

}  // namespace

absl::Status SaveBundle(const std::string& path, const Components& c,
                        const std::string& experiment_text, int64_t steps_done,
                        std::optional<float> threshold, int64_t model_step) {
  // Never replace a good checkpoint with unusable weights.
  for (const auto& [name, v] : c.model.Parameters()) {
    for (float x : v.value().ToVector()) {
      if (!std::isfinite(x)) {
        return absl::FailedPreconditionError(
            absl::StrCat(path, ": not written: parameter \"", name, "\" holds ", x));
      }
    }
  }
  Checkpoint k;
  k.set_experiment(experiment_text);
  k.set_step(steps_done);
  k.set_model_step(model_step >= 0 ? model_step : steps_done);
  if (c.untrained.has_value()) *k.mutable_untrained() = *c.untrained;
  *k.mutable_selection() = c.selection;
  for (const std::string& w : c.warnings) k.add_warnings(w);
  *k.mutable_collapse_watch() = c.collapse_watch;
  SaveModule(*c.model.encoder, k.mutable_parameters(), k.mutable_buffers());
  SaveModule(*c.model.loss, k.mutable_loss_parameters(), k.mutable_loss_buffers());
  for (const auto& [name, t] : c.optimizer->State())
    AddTensor(name, t, k.mutable_optimizer_state());
  if (c.miner != nullptr) {
    for (const auto& [name, t] : c.miner->State()) AddTensor(name, t, k.mutable_miner_state());
  }
  if (c.memory != nullptr) {
    for (const auto& [name, t] : c.memory->State()) AddTensor(name, t, k.mutable_memory_state());
  }
  k.set_input_mean(c.data.normalization.mean);
  k.set_input_std(c.data.normalization.std);
  for (float m : c.data.normalization.channel_mean) k.add_input_channel_mean(m);
  for (float s : c.data.normalization.channel_std) k.add_input_channel_std(s);
  for (int64_t d : c.data.example_shape) k.add_example_shape(d);
  for (const std::string& n : c.data.class_names) k.add_class_names(n);
  for (int64_t id : ShapeOf(c.data).training_classes) k.add_training_classes(id);
  if (!c.data.dataset_state.empty()) k.set_dataset_state(c.data.dataset_state);
  if (threshold.has_value()) k.set_threshold(*threshold);
  return WriteCheckpoint(path, k);
}

absl::StatusOr<Checkpoint> LoadBundle(const std::string& path) {
  auto k = ReadCheckpoint(path);
  if (!k.ok()) return k.status();
  if (k->experiment().empty() || k->example_shape().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the checkpoint holds no ",
                     k->experiment().empty() ? "experiment" : "example shape",
                     "; was it written by the trainer (framework/train/trainer.h)?"));
  }
  return k;
}

ModelShape ShapeOf(const Checkpoint& k) {
  ModelShape shape;
  shape.example_shape.assign(k.example_shape().begin(), k.example_shape().end());
  shape.num_classes = k.class_names_size();
  shape.training_classes.assign(k.training_classes().begin(), k.training_classes().end());
  return shape;
}

absl::Status RestoreModel(const Checkpoint& k, const std::string& path, Model* model) {
  if (absl::Status s =
          LoadModule(k.parameters(), k.buffers(), path, "encoder", model->encoder.get());
      !s.ok()) {
    return s;
  }
  return LoadModule(k.loss_parameters(), k.loss_buffers(), path, "loss", model->loss.get());
}

absl::StatusOr<int64_t> RestoreTraining(const Checkpoint& k, const std::string& path,
                                        Components* c) {
  if (absl::Status s = RestoreModel(k, path, &c->model); !s.ok()) return s;
  auto optimizer_state = ToNamedTensors(k.optimizer_state(), path, "optimizer state");
  if (!optimizer_state.ok()) return optimizer_state.status();
  if (absl::Status s = c->optimizer->LoadState(*optimizer_state); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(path, ": optimizer state: ", s.message()));
  }
  auto miner_tensors = ToNamedTensors(k.miner_state(), path, "miner state");
  if (!miner_tensors.ok()) return miner_tensors.status();
  const NamedTensors& miner_state = *miner_tensors;
  if (c->miner != nullptr) {
    if (absl::Status s = c->miner->LoadState(miner_state); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(path, ": miner state: ", s.message()));
    }
  } else if (!miner_state.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the checkpoint holds miner state but the run has no miner"));
  }
  auto memory_state = ToNamedTensors(k.memory_state(), path, "memory state");
  if (!memory_state.ok()) return memory_state.status();
  if (c->memory != nullptr && !memory_state->empty()) {
    if (absl::Status s = c->memory->LoadState(*memory_state); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
    }
  }
  if (k.has_untrained()) c->untrained = k.untrained();
  c->selection = k.selection();
  c->warnings.assign(k.warnings().begin(), k.warnings().end());
  c->collapse_watch = k.collapse_watch();
  return k.step();
}

}  // namespace siamese
