// Checkpoint files: written atomically (temp file, fsync, rename) with a
// CRC-32, so a crash or kill during training never leaves a corrupt
// checkpoint; a damaged file is reported with its name and the byte offset.
// What goes into a checkpoint and how a run is restored from it:
// framework/train/bundle.h.
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
// OK when `p` is a well-formed tensor: rank <= 5, every dimension >= 0, and
// as many values as its shape holds; DataLoss naming `what`, the tensor and
// `path` otherwise (a damaged or forged checkpoint must not abort).
absl::Status CheckTensorProto(const TensorProto& p, const std::string& path,
                              const std::string& what);

// Copies a module's parameters and buffers into / out of lists of tensors.
void SaveModule(const Module& module, google::protobuf::RepeatedPtrField<TensorProto>* parameters,
                google::protobuf::RepeatedPtrField<TensorProto>* buffers);
// Loads every parameter and buffer of `module` from the lists (by name).
// Missing names (unless allow_missing) and shape mismatches are errors
// naming the tensor, `what` (e.g. "encoder") and `path`.
absl::Status LoadModule(const google::protobuf::RepeatedPtrField<TensorProto>& parameters,
                        const google::protobuf::RepeatedPtrField<TensorProto>& buffers,
                        const std::string& path, const std::string& what, Module* module,
                        bool allow_missing = false);

// The encoder's tensors of a checkpoint (Checkpoint::parameters, buffers).
inline void SaveModule(const Module& encoder, Checkpoint* checkpoint) {
  SaveModule(encoder, checkpoint->mutable_parameters(), checkpoint->mutable_buffers());
}
inline absl::Status LoadModule(const Checkpoint& checkpoint, const std::string& path,
                               Module* encoder, bool allow_missing = false) {
  return LoadModule(checkpoint.parameters(), checkpoint.buffers(), path, "encoder", encoder,
                    allow_missing);
}

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_CHECKPOINT_H_
