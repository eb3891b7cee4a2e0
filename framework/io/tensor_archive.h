// TensorArchive: named arrays as weight files hold them (safetensors.h,
// npz.h), independent of the framework's Tensor so that framework/io stays a
// leaf library. Values are float32 in C order (row-major), whatever the
// file's element type was.
#ifndef SIAMESE_FRAMEWORK_IO_TENSOR_ARCHIVE_H_
#define SIAMESE_FRAMEWORK_IO_TENSOR_ARCHIVE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace siamese {

struct ArchiveTensor {
  std::string name;
  std::vector<int64_t> shape;  // {} is a scalar
  // The element type as the file stored it: a safetensors dtype ("F32",
  // "BF16", "I64", ...); writers ignore it (they write float32).
  std::string dtype = "F32";
  // product(shape) float32 values in C order. Empty for integer and boolean
  // dtypes: readers validate their size but do not convert them (a weight
  // file's integers, such as PyTorch's num_batches_tracked, are counters,
  // not weights).
  std::vector<float> data;

  bool is_float() const {
    return dtype == "F32" || dtype == "F16" || dtype == "BF16" || dtype == "F64";
  }
};

// The most elements an array read from a file may claim (2^40): a small
// file's header can claim a huge shape, refused before anything is
// allocated.
constexpr int64_t kMaxFileElements = int64_t{1} << 40;

// The number of elements of a shape read from a file (.npy, safetensors),
// or -1 for a negative dimension or more than kMaxFileElements.
inline int64_t FileShapeElements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMaxFileElements / d)) return -1;
    n *= d;
  }
  return n;
}

struct TensorArchive {
  std::vector<ArchiveTensor> tensors;  // in file order
  // Free-form string pairs (safetensors' "__metadata__"; .npz has none).
  std::map<std::string, std::string> metadata;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_TENSOR_ARCHIVE_H_
