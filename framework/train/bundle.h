// The checkpoint bundle: what a checkpoint holds, saved and restored in one
// place (framework/proto/checkpoint.proto lists the fields).
//
//   SaveBundle      a running training's components and step -> checkpoint file
//   LoadBundle      checkpoint file -> Checkpoint, checked to be a trainer's
//   RestoreModel    Checkpoint -> encoder and loss weights (embed, verify)
//   RestoreTraining Checkpoint -> model, optimizer and miner state (resume)
// so a resumed run continues bit-exactly and a trained model is rebuilt with
// exactly the weights it was trained to.
#ifndef SIAMESE_FRAMEWORK_TRAIN_BUNDLE_H_
#define SIAMESE_FRAMEWORK_TRAIN_BUNDLE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/proto/checkpoint.pb.h"
#include "framework/train/assembly.h"

namespace siamese {

// Writes `path` atomically: the model of `components` (encoder and loss
// tensors, normalization, example shape, class names, training classes,
// dataset state), the experiment text, `steps_done`, the optimizer and
// miner state, the run's state (untrained baseline, model selection) and,
// when given, the calibrated threshold. `model_step` is the step the
// weights are of (default: steps_done; earlier for a selected model).
absl::Status SaveBundle(const std::string& path, const Components& components,
                        const std::string& experiment_text, int64_t steps_done,
                        std::optional<float> threshold = std::nullopt, int64_t model_step = -1);

// Reads and checks `path` (framework/train/checkpoint.h), and that it holds
// an experiment and an example shape (InvalidArgument naming the file
// otherwise: not written by the trainer).
absl::StatusOr<Checkpoint> LoadBundle(const std::string& path);

// The model's shape as the checkpoint records it (for AssembleModel).
ModelShape ShapeOf(const Checkpoint& checkpoint);

// Loads the encoder's and the loss's parameters and buffers. Errors name
// `path` and the tensor (missing, or of another shape).
absl::Status RestoreModel(const Checkpoint& checkpoint, const std::string& path, Model* model);

// RestoreModel, then the optimizer's, the miner's and the cross-batch
// memory's state and the run's state (untrained baseline, model
// selection). Returns the steps done. On error the components may be partly
// restored: discard them.
absl::StatusOr<int64_t> RestoreTraining(const Checkpoint& checkpoint, const std::string& path,
                                        Components* components);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_BUNDLE_H_
