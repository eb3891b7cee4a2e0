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

struct TensorArchive {
  std::vector<ArchiveTensor> tensors;  // in file order
  // Free-form string pairs (safetensors' "__metadata__"; .npz has none).
  std::map<std::string, std::string> metadata;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_TENSOR_ARCHIVE_H_
