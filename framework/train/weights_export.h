// Exporting a trained model's encoder weights (`export_weights`): every
// parameter and buffer under the framework's names (weights.h), with
// metadata that lets another program rebuild the model's input pipeline.
#ifndef SIAMESE_FRAMEWORK_TRAIN_WEIGHTS_EXPORT_H_
#define SIAMESE_FRAMEWORK_TRAIN_WEIGHTS_EXPORT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/io/tensor_archive.h"
#include "framework/train/trained_model.h"

namespace siamese {

// The encoder's tensors (ModuleWeights) and, as metadata (safetensors'
// "__metadata__"): "format" = "siamese", "encoder" (the plugin name),
// "embedding_dim", "example_shape" (e.g. "1,28,28"), "input_mean" and
// "input_std" (the embeddings are of (x - mean) / std), "checkpoint" (the
// path) and "experiment" (the resolved experiment text).
TensorArchive ExportableWeights(TrainedModel* model);

// Loads the checkpoint at `checkpoint_path` (TrainedModel::Load) and writes
// its ExportableWeights to `output_path` (.safetensors or .npz, which drops
// the metadata). Returns a one-line summary; errors name the file.
absl::StatusOr<std::string> ExportWeights(const std::string& checkpoint_path,
                                          const std::string& output_path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_WEIGHTS_EXPORT_H_
