// NumPy .npz archives: a zip file of .npy arrays, one entry "<name>.npy" per
// array, as numpy.savez writes and numpy.load reads them.
//
//   WriteNpz("weights.npz", archive);   // np.load("weights.npz")["conv0.weight"]
//   auto back = ReadNpz("weights.npz");
#ifndef SIAMESE_FRAMEWORK_IO_NPZ_H_
#define SIAMESE_FRAMEWORK_IO_NPZ_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/io/tensor_archive.h"

namespace siamese {

// Writes each tensor as a float32 .npy entry "<name>.npy", stored
// (uncompressed), in the archive's order, atomically. The metadata is not
// written (.npz has no place for it). Errors: InvalidArgument naming the path
// and the tensor for an empty or duplicate name, a negative dimension, a
// data size that is not product(shape), or an archive past zip's 4 GiB and
// 65535-entry limits (no zip64); I/O errors name the path.
absl::Status WriteNpz(const std::string& path, const TensorArchive& archive);

// Reads an .npz archive of float32 ('<f4') arrays: stored or deflated
// entries, zip64 entry sizes (numpy.savez writes them), in central-directory
// order; each name loses its ".npy" suffix. Errors name the path and, where
// it applies, the entry and the byte offset: not a zip file (no
// end-of-central-directory record), a record or an entry running past the
// end (DataLoss), a CRC-32 mismatch (DataLoss), an unsupported compression
// method, encryption or multi-disk archive, an entry that is not a float32
// .npy array (ReadNpy's errors, prefixed with "<path>: <entry>").
absl::StatusOr<TensorArchive> ReadNpz(const std::string& path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_NPZ_H_
