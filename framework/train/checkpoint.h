// Checkpoints: written atomically (temp file, fsync, rename) with a CRC-32,
// so a crash or kill during training never leaves a corrupt checkpoint; a
// damaged file is reported with its name and the byte offset.
#ifndef SIAMESE_FRAMEWORK_TRAIN_CHECKPOINT_H_
#define SIAMESE_FRAMEWORK_TRAIN_CHECKPOINT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/nn/module.h"
#include "framework/proto/checkpoint.pb.h"
#include "framework/tensor/tensor.h"

namespace siamese {

absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint);
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path);

// Plain copies of tensors, by name.
void AddTensor(const std::string& name, const Tensor& t,
               google::protobuf::RepeatedPtrField<TensorProto>* out);
Tensor ToTensor(const TensorProto& p);

// Copies a module's parameters and buffers into / out of a checkpoint.
void SaveModule(const Module& module, Checkpoint* checkpoint);
// Loads every parameter and buffer whose name starts with one of `prefixes`
// (all when empty). Missing names and shape mismatches are errors naming the
// tensor and `path`.
absl::Status LoadModule(const Checkpoint& checkpoint, const std::string& path, Module* module,
                        bool allow_missing = false);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_CHECKPOINT_H_
