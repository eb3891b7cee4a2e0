// The IDX file format of MNIST and Fashion-MNIST, raw or gzip-compressed.
//
// Layout (all integers big-endian): bytes 0-1 are zero, byte 2 is the
// element type, byte 3 the rank R; then R uint32 dimension sizes; then the
// elements in C (row-major) order. Only the unsigned-byte type (0x08) is
// supported, which covers every MNIST-style images and labels file.
#ifndef SIAMESE_FRAMEWORK_IO_IDX_H_
#define SIAMESE_FRAMEWORK_IO_IDX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace siamese {

struct IdxArray {
  std::vector<int64_t> dims;  // E.g. {10000, 28, 28} for images, {10000}.
  std::vector<uint8_t> data;  // Product of dims bytes, row-major.
};

// Reads the IDX file at `path`. Compression is detected from the content
// (gzip magic 1f 8b), not the file name. The whole file must be consumed:
// a short header or data section and bytes after the data are errors.
// Errors (all messages start with "<path>: "):
//   NotFound / PermissionDenied ...   cannot open (with the system's reason);
//   InvalidArgument   bad magic (offset 0 and the bytes found), a type other
//                     than 0x08 (named), rank 0, more than 2^40 elements;
//   DataLoss          truncated header or data, trailing bytes, corrupt
//                     gzip stream. Byte offsets count bytes of the
//                     decompressed stream for gzip files, and say so.
absl::StatusOr<IdxArray> ReadIdx(const std::string& path);

// Writes `array` to `path` as an uncompressed IDX file of unsigned bytes,
// atomically (see WriteFileAtomically).
// Errors: InvalidArgument if the rank is not 1..255, a dimension is
// negative or above 2^32-1, or data.size() != product of dims; I/O errors
// name the path.
absl::Status WriteIdx(const std::string& path, const IdxArray& array);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_IDX_H_
