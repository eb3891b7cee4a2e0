// The IDX file format of MNIST and Fashion-MNIST, raw or gzip-compressed.
//
// Layout (all integers big-endian): bytes 0-1 are zero, byte 2 is the
// element type, byte 3 the rank R; then R uint32 dimension sizes; then the
// elements in C (row-major) order. Two element types are supported:
// unsigned byte (0x08), which covers every MNIST-style images and labels
// file, and int32 (0x0C, big-endian), for labels files of more than 256
// classes.
#ifndef SIAMESE_FRAMEWORK_IO_IDX_H_
#define SIAMESE_FRAMEWORK_IO_IDX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace siamese {

inline constexpr uint8_t kIdxUnsignedByte = 0x08;
inline constexpr uint8_t kIdxInt32 = 0x0C;

struct IdxArray {
  std::vector<int64_t> dims;  // E.g. {10000, 28, 28} for images, {10000}.
  std::vector<uint8_t> data;  // type 0x08: product of dims bytes, row-major.
  uint8_t type = kIdxUnsignedByte;
  std::vector<int32_t> int32s;  // type 0x0C: product of dims values; data empty.

  // Element i as an integer, whichever the type.
  int64_t at(size_t i) const { return type == kIdxInt32 ? int32s[i] : data[i]; }
  size_t size() const { return type == kIdxInt32 ? int32s.size() : data.size(); }
};

// Reads the IDX file at `path`. Compression is detected from the content
// (gzip magic 1f 8b), not the file name. The whole file must be consumed:
// a short header or data section and bytes after the data are errors.
// Errors (all messages start with "<path>: "):
//   NotFound / PermissionDenied ...   cannot open (with the system's reason);
//   InvalidArgument   bad magic (offset 0 and the bytes found), a type other
//                     than 0x08 or 0x0C (named), rank 0, more than 2^40
//                     elements;
//   DataLoss          truncated header or data, trailing bytes, corrupt
//                     gzip stream. Byte offsets count bytes of the
//                     decompressed stream for gzip files, and say so.
absl::StatusOr<IdxArray> ReadIdx(const std::string& path);

// Writes `array` to `path` as an uncompressed IDX file of its type (0x08
// from data, 0x0C from int32s), atomically (see WriteFileAtomically).
// Errors: InvalidArgument if the type is neither, the rank is not 1..255, a
// dimension is negative or above 2^32-1, or the type's vector does not hold
// the product of dims elements; I/O errors name the path.
absl::Status WriteIdx(const std::string& path, const IdxArray& array);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_IDX_H_
