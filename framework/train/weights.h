// Weight files: an encoder's parameters and buffers as a TensorArchive
// (framework/io/tensor_archive.h), written to and read from safetensors or
// .npz by the file's extension. Used by `export_weights` and by
// init.from_weights (weights_import.h).
//
// Names are the framework's (Module::NamedParameters, then NamedBuffers:
// "conv0.weight", ..., "bn0.running_mean"); values are plain C-order float32
// in the framework's layouts, which are PyTorch's: conv weights
// [O, C, kH, kW] (1-D: [O, C, k]), linear weights [out, in], flatten in
// channel-major (NCHW) order.
#ifndef SIAMESE_FRAMEWORK_TRAIN_WEIGHTS_H_
#define SIAMESE_FRAMEWORK_TRAIN_WEIGHTS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/io/tensor_archive.h"
#include "framework/nn/module.h"
#include "framework/proto/checkpoint.pb.h"

namespace siamese {

// Every parameter, then every buffer, of `module`, in enumeration order.
TensorArchive ModuleWeights(const Module& module);

// The encoder's tensors stored in a checkpoint (parameters, then buffers).
// REQUIRES: the checkpoint passed ReadCheckpoint (well-formed tensors).
TensorArchive CheckpointWeights(const Checkpoint& checkpoint);

// Reads `path` as safetensors (".safetensors") or .npz (".npz"). Errors:
// InvalidArgument naming the path for another extension; the readers'
// errors otherwise.
absl::StatusOr<TensorArchive> ReadWeights(const std::string& path);

// Writes `weights` to `path` in the format its extension names (as
// ReadWeights; .npz drops the metadata).
absl::Status WriteWeights(const std::string& path, const TensorArchive& weights);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_WEIGHTS_H_
