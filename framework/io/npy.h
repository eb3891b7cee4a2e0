// NumPy .npy files (format version 1.0) for exporting embeddings and labels
// to Python, and reading float32 arrays back.
//
// Layout: "\x93NUMPY", version bytes 1 0, a little-endian uint16 header
// length, then an ASCII Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// padded with spaces and ending in '\n' so that the data starts at a
// multiple of 64 bytes; then the elements, little-endian, in C order.
#ifndef SIAMESE_FRAMEWORK_IO_NPY_H_
#define SIAMESE_FRAMEWORK_IO_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace siamese {

// The complete .npy v1.0 preamble (magic through the header's '\n') for an
// array with dtype `descr` (e.g. "<f4") and `shape` in C order. Its size is
// a multiple of 64. REQUIRES: shape entries >= 0 and the header fits in
// 65535 bytes (any realistic rank).
std::string NpyHeader(absl::string_view descr, const std::vector<int64_t>& shape);

// Writes a float32 ('<f4') array of `shape` (C order, product(shape)
// elements at `data`; a rank-0 shape {} is a scalar) atomically.
// Errors: InvalidArgument for a negative dimension or null data with
// elements; I/O errors name the path.
absl::Status WriteNpy(const std::string& path, const float* data,
                      const std::vector<int64_t>& shape);

// As WriteNpy, for int64 ('<i8') arrays such as labels.
absl::Status WriteNpyInt64(const std::string& path, const int64_t* data,
                           const std::vector<int64_t>& shape);

template <typename T>
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<T> data;  // C order.
};

// Reads a version 1.0 or 2.0 .npy file holding a C-order little-endian
// float32 ('<f4') array. Errors name the path and the byte offset:
// bad magic, unsupported version, malformed header, another dtype or
// Fortran order (InvalidArgument); truncated or trailing data (DataLoss).
absl::StatusOr<NpyArray<float>> ReadNpy(const std::string& path);

// As ReadNpy, for the contents of a file already in memory (e.g. one entry
// of an .npz archive); `path` names it in errors (e.g. "x.npz: w.npy").
absl::StatusOr<NpyArray<float>> ParseNpy(absl::string_view bytes, const std::string& path);

// As ReadNpy, for int64 ('<i8') arrays.
absl::StatusOr<NpyArray<int64_t>> ReadNpyInt64(const std::string& path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_NPY_H_
