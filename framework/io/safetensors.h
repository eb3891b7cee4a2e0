// safetensors files, the weight format of the Hugging Face ecosystem
// (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON header, then the tensors' raw little-endian bytes
// back to back. The header maps each tensor name to
//   {"dtype": "F32", "shape": [4, 1, 3, 3], "data_offsets": [begin, end]}
// (offsets relative to the first byte after the header) and may hold
// "__metadata__": {string: string}.
//
//   TensorArchive a;
//   a.tensors.push_back({"conv0.weight", {4, 1, 3, 3}, "F32", values});
//   WriteSafetensors("model.safetensors", a);
//   auto back = ReadSafetensors("model.safetensors");
#ifndef SIAMESE_FRAMEWORK_IO_SAFETENSORS_H_
#define SIAMESE_FRAMEWORK_IO_SAFETENSORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "framework/io/tensor_archive.h"

namespace siamese {

// Writes every tensor as F32, in the archive's order, and the metadata as
// "__metadata__" (omitted when empty), atomically. The header is padded with
// spaces to a multiple of 8 bytes so that the data is 8-byte aligned.
// Errors: InvalidArgument naming the path and the tensor for an empty or
// duplicate name, a name "__metadata__", a negative dimension or a data size
// that is not product(shape); I/O errors name the path.
absl::Status WriteSafetensors(const std::string& path, const TensorArchive& archive);

// Reads a safetensors file. Tensors come back in the order of their data
// offsets; F32, F64, F16 and BF16 are converted to float32; integer and
// boolean dtypes (I8..I64, U8..U64, BOOL) are checked and returned without
// data (ArchiveTensor::data). Strict: every error names the path and, where
// it applies, the tensor and the byte offset in the file:
//   DataLoss: fewer than 8 bytes; a header length past the end of the file;
//     data_offsets past the end, overlapping, leaving a gap or not covering
//     the data to its end; a byte size that is not shape x dtype size.
//   InvalidArgument: bad JSON; a header that is not an object of tensors
//     with "dtype", "shape" (non-negative integers) and "data_offsets" (two
//     integers, begin <= end); an unknown dtype; metadata that is not an
//     object of strings.
absl::StatusOr<TensorArchive> ReadSafetensors(const std::string& path);

// As ReadSafetensors, for a file's contents already in memory; `path` names
// it in errors.
absl::StatusOr<TensorArchive> ParseSafetensors(absl::string_view bytes, const std::string& path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_SAFETENSORS_H_
