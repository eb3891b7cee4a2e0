#include "framework/train/trained_model.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "framework/autograd/variable.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/records/records.h"
#include "framework/tensor/precision.h"
#include "framework/train/bundle.h"
#include "framework/train/manifest.h"

namespace siamese {

absl::StatusOr<std::unique_ptr<TrainedModel>> TrainedModel::Load(
    const std::string& checkpoint_path) {
  auto ckpt = LoadBundle(checkpoint_path);
  if (!ckpt.ok()) return ckpt.status();
  auto model = std::unique_ptr<TrainedModel>(new TrainedModel);
  model->path_ = checkpoint_path;
  auto file = ExperimentFile::Parse(checkpoint_path + " (experiment)", ckpt->experiment());
  if (!file.ok()) return file.status();
  model->experiment_ = std::move(*file);

  const ModelShape shape = ShapeOf(*ckpt);
  model->example_shape_ = shape.example_shape;
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
  model->normalization_.channel_mean.assign(ckpt->input_channel_mean().begin(),
                                            ckpt->input_channel_mean().end());
  model->normalization_.channel_std.assign(ckpt->input_channel_std().begin(),
                                           ckpt->input_channel_std().end());
  const size_t channels = model->normalization_.channel_mean.size();
  if (channels > 0 || !model->normalization_.channel_std.empty()) {
    if (model->normalization_.channel_std.size() != channels ||
        model->example_shape_.empty() ||
        static_cast<int64_t>(channels) != model->example_shape_[0]) {
      return absl::InvalidArgumentError(absl::StrCat(
          checkpoint_path, ": input_channel_mean has ", channels, " values and input_channel_std ",
          model->normalization_.channel_std.size(), ", expected one per channel of ",
          ShapeToString(model->example_shape_)));
    }
    for (size_t c = 0; c < channels; ++c) {
      if (!(model->normalization_.channel_std[c] > 0)) {
        return absl::InvalidArgumentError(absl::StrCat(checkpoint_path, ": input_channel_std[", c,
                                                       "] is ", model->normalization_.channel_std[c],
                                                       ", not > 0"));
      }
    }
  }
  if (ckpt->has_threshold()) model->threshold_ = ckpt->threshold();

  auto assembled = AssembleModel(*model->experiment_, shape);
  if (!assembled.ok()) return assembled.status();
  model->model_ = *std::move(assembled);
  if (absl::Status s = RestoreModel(*ckpt, checkpoint_path, &model->model_); !s.ok()) return s;
  model->model_.encoder->Eval();
  model->model_.loss->Eval();
  return model;
}

Tensor TrainedModel::Embed(const Tensor& raw_batch) {
  Shape expected = example_shape_;
  expected.insert(expected.begin(), raw_batch.rank() > 0 ? raw_batch.dim(0) : 0);
  SIAMESE_CHECK(raw_batch.rank() > 0 && raw_batch.dim(0) >= 1 && raw_batch.shape() == expected)
      << "TrainedModel::Embed: batch " << raw_batch.ShapeString()
      << " does not match [N, example shape] with example shape " << ShapeToString(example_shape_);
  Tensor x = raw_batch.ToPlain().Clone();
  float* v = x.data();
  const int64_t n = NumElements(example_shape_);
  for (int64_t b = 0; b < x.dim(0); ++b) normalization_.Apply(v + b * n, n);
  model_.encoder->Eval();
  NoGradScope no_grad;
  // As the run evaluated it (the experiment's precision on this CPU).
  MatrixPrecisionScope precision(ConfiguredMatrixPrecision(experiment_->config(), nullptr));
  return model_.encoder->ForwardTo(Variable(x), model_.embedding_layer).value().ToPlain();
}

absl::StatusOr<ExperimentData> LoadModelData(const TrainedModel& model) {
  auto data = LoadExperimentData(model.experiment(), model.dataset_state());
  if (!data.ok()) return data.status();
  // The run folder's manifest, when the checkpoint is in one, says which
  // bytes the model was trained on.
  const std::string manifest_path =
      model.path().substr(0, model.path().rfind('/') + 1) + "manifest.json";
  if (access(manifest_path.c_str(), F_OK) == 0) {
    Manifest manifest;
    if (absl::Status s = ReadJsonFile(manifest_path, &manifest); !s.ok()) return s;
    if (absl::Status s = CheckDataFiles(manifest, data->source_files, manifest_path); !s.ok()) {
      return s;
    }
  }
  if (data->example_shape != model.example_shape()) {
    return absl::FailedPreconditionError(absl::StrCat(
        model.path(), ": the model takes examples of shape ", ShapeToString(model.example_shape()),
        " but the experiment's dataset now gives ", ShapeToString(data->example_shape),
        "; were its files replaced?"));
  }
  return data;
}

}  // namespace siamese
