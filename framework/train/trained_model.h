// TrainedModel: a trained model rebuilt from a run folder's checkpoint, for
// use after training (exporting embeddings, verifying pairs). A thin view of
// the checkpoint bundle (bundle.h), assembled as training assembled it
// (AssembleModel in assembly.h).
//
// A checkpoint carries everything needed: the resolved experiment text
// (which names the encoder, its parameters, the embedding width, the
// distance and the dataset), the encoder's and the loss's weights and
// buffers, the input normalization computed on the training split, the
// example shape, the class names, the dataset's state (e.g. its vocabulary)
// and, once training finished, the verification threshold calibrated on the
// validation split.
//
//   auto model = TrainedModel::Load("runs/x/checkpoint.ckpt");
//   Tensor e = (*model)->Embed(raw_batch);  // [N, D]
//
// The plugins the experiment names must be linked into the binary
// (//plugins:all_plugins).
#ifndef SIAMESE_FRAMEWORK_TRAIN_TRAINED_MODEL_H_
#define SIAMESE_FRAMEWORK_TRAIN_TRAINED_MODEL_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/distance.h"
#include "framework/core/encoder.h"
#include "framework/core/experiment_file.h"
#include "framework/tensor/tensor.h"
#include "framework/train/assembly.h"
#include "framework/train/data.h"

namespace siamese {

class TrainedModel {
 public:
  // Reads the checkpoint, parses its experiment (errors are located in
  // "<checkpoint_path> (experiment):line:col"), assembles the encoder and
  // the loss for the stored example shape and classes, loads every
  // parameter and buffer, and puts the model in eval mode. Every error names
  // `checkpoint_path`: unreadable or damaged file, no experiment or example
  // shape in it (not written by the trainer), unknown plugin or distance,
  // missing or mismatched tensors.
  static absl::StatusOr<std::unique_ptr<TrainedModel>> Load(const std::string& checkpoint_path);

  const std::string& path() const { return path_; }
  Encoder* encoder() { return model_.encoder.get(); }
  const ExperimentFile& experiment() const { return *experiment_; }
  // x' = (x - mean) / std, from the training split.
  Normalization normalization() const { return normalization_; }
  // The distance the model was trained and calibrated with.
  Distance distance() const { return model_.distance; }
  // Verification threshold (same class iff distance <= threshold), calibrated
  // on the validation split; nullopt when training did not finish or the
  // validation split had fewer than 2 classes.
  std::optional<float> threshold() const { return threshold_; }
  // The shape of one example, e.g. {1, 28, 28}.
  Shape example_shape() const { return example_shape_; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  // The training split's Dataset::State() saved with the model ("" if none).
  const std::string& dataset_state() const { return dataset_state_; }
  int64_t embedding_dim() const { return model_.encoder->embedding_dim(); }
  // The layer Embed() returns ("": the encoder's output).
  const std::string& embedding_layer() const { return model_.embedding_layer; }

  // Embeddings [N, D] of `raw_batch` [N, example shape...] holding raw
  // values as the dataset gives them (e.g. pixels in [0, 1]): applies the
  // stored normalization, then the encoder in eval mode without a tape, up
  // to the experiment's evaluation.embedding_layer (D = embedding_dim()
  // for the output). REQUIRES: raw_batch's shape is [N, example_shape()...], N >= 1
  // (aborts naming both shapes otherwise).
  Tensor Embed(const Tensor& raw_batch);

 private:
  TrainedModel() = default;

  std::string path_;
  std::unique_ptr<ExperimentFile> experiment_;
  Model model_;
  Normalization normalization_;
  std::optional<float> threshold_;
  Shape example_shape_;
  std::vector<std::string> class_names_;
  std::string dataset_state_;
};

// The three splits of the checkpoint's experiment, built exactly as training
// built them (LoadExperimentData with the saved dataset_state: same class
// filters, same seeded validation hold-out, same derived dataset state).
// Relative data paths resolve as for training (ResolveUserPath).
// Errors: those of LoadExperimentData, and FailedPrecondition naming the
// checkpoint when the dataset's example shape differs from the model's.
absl::StatusOr<ExperimentData> LoadModelData(const TrainedModel& model);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_TRAINED_MODEL_H_
