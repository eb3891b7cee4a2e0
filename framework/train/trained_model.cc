#include "framework/train/trained_model.h"

#include "absl/strings/str_cat.h"
#include "framework/autograd/variable.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/train/checkpoint.h"

namespace siamese {

absl::StatusOr<std::unique_ptr<TrainedModel>> TrainedModel::Load(
    const std::string& checkpoint_path) {
  auto ckpt = ReadCheckpoint(checkpoint_path);
  if (!ckpt.ok()) return ckpt.status();
  if (ckpt->experiment().empty() || ckpt->example_shape().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint_path, ": the checkpoint holds no ",
                     ckpt->experiment().empty() ? "experiment" : "example shape",
                     "; was it written by the trainer (framework/train/trainer.h)?"));
  }
  auto model = std::unique_ptr<TrainedModel>(new TrainedModel);
  model->path_ = checkpoint_path;
  auto file = ExperimentFile::Parse(checkpoint_path + " (experiment)", ckpt->experiment());
  if (!file.ok()) return file.status();
  model->experiment_ = std::move(*file);
  const Experiment& cfg = model->experiment_->config();

  auto distance = Distance::FromName(cfg.distance());
  if (!distance.ok()) return model->experiment_->Locate("distance", distance.status());
  model->distance_ = *distance;
  model->example_shape_.assign(ckpt->example_shape().begin(), ckpt->example_shape().end());
  for (int64_t d : model->example_shape_) {
    if (d < 1) {
      return absl::InvalidArgumentError(absl::StrCat(checkpoint_path, ": bad example shape ",
                                                     ShapeToString(model->example_shape_)));
    }
  }
  model->class_names_.assign(ckpt->class_names().begin(), ckpt->class_names().end());
  model->dataset_state_ = ckpt->dataset_state();
  model->normalization_.mean = ckpt->input_mean();
  model->normalization_.std = ckpt->input_std();
  if (!(model->normalization_.std > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint_path, ": input_std is ", model->normalization_.std, ", not > 0"));
  }
  if (ckpt->has_threshold()) model->threshold_ = ckpt->threshold();

  PluginContext context;
  context.seed = cfg.seed();
  context.input_shape = model->example_shape_;
  context.embedding_dim = cfg.embedding_dim();
  auto encoder = Registry<Encoder>::Create(cfg.encoder(), context);
  if (!encoder.ok()) return model->experiment_->Locate("encoder", encoder.status());
  model->encoder_ = std::move(*encoder);
  if (absl::Status s = LoadModule(*ckpt, checkpoint_path, model->encoder_.get()); !s.ok()) {
    return s;
  }
  model->encoder_->Eval();
  return model;
}

Tensor TrainedModel::Embed(const Tensor& raw_batch) {
  Shape expected = example_shape_;
  expected.insert(expected.begin(), raw_batch.rank() > 0 ? raw_batch.dim(0) : 0);
  SIAMESE_CHECK(raw_batch.rank() > 0 && raw_batch.dim(0) >= 1 && raw_batch.shape() == expected)
      << "TrainedModel::Embed: batch " << raw_batch.ShapeString()
      << " does not match [N, example shape] with example shape " << ShapeToString(example_shape_);
  Tensor x = raw_batch.ToPlain().Clone();
  const float scale = 1.0f / normalization_.std;
  float* v = x.data();
  for (int64_t i = 0; i < x.numel(); ++i) v[i] = (v[i] - normalization_.mean) * scale;
  encoder_->Eval();
  NoGradScope no_grad;
  return encoder_->Forward(Variable(x)).value().ToPlain();
}

absl::StatusOr<ExperimentData> LoadModelData(const TrainedModel& model) {
  auto data = LoadExperimentData(model.experiment(), model.dataset_state());
  if (!data.ok()) return data.status();
  if (data->example_shape != model.example_shape()) {
    return absl::FailedPreconditionError(absl::StrCat(
        model.path(), ": the model takes examples of shape ", ShapeToString(model.example_shape()),
        " but the experiment's dataset now gives ", ShapeToString(data->example_shape),
        "; were its files replaced?"));
  }
  return data;
}

}  // namespace siamese
