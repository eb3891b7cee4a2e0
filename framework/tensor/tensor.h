// Tensor: float32 values with a logical shape (rank 0 to 5) and a layout.
//
// The layout is either plain row-major ("plain") or any layout a oneDNN memory
// descriptor can describe, typically a blocked one such as nChw16c chosen by a
// convolution. Ops that run on oneDNN primitives accept and produce blocked
// tensors, so consecutive layers hand data over without reordering; code that
// needs plain values (ops without a primitive, I/O, tests) calls ToPlain(),
// which reorders only when the tensor is not already plain.
//
// Storage is 64-byte aligned and reference counted: copying a Tensor is cheap
// and shares the values. Freed buffers go back to a size-keyed pool, so a
// training step that allocates the same sizes as the previous one reuses its
// buffers instead of calling the system allocator.
#ifndef SIAMESE_FRAMEWORK_TENSOR_TENSOR_H_
#define SIAMESE_FRAMEWORK_TENSOR_TENSOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace siamese {

using Shape = std::vector<int64_t>;

constexpr int kMaxRank = 5;

std::string ShapeToString(const Shape& shape);
int64_t NumElements(const Shape& shape);

// Row-major memory descriptor for `shape` (a rank-0 shape maps to {1}).
dnnl::memory::desc PlainDesc(const Shape& shape);

class Tensor {
 public:
  // An undefined tensor (no storage); defined() is false.
  Tensor() = default;

  // Uninitialized plain tensor.
  static Tensor Empty(const Shape& shape);
  static Tensor Zeros(const Shape& shape);
  static Tensor Full(const Shape& shape, float value);
  static Tensor Scalar(float value) { return Full({}, value); }
  // REQUIRES: values.size() == NumElements(shape).
  static Tensor FromVector(const Shape& shape, const std::vector<float>& values);
  // Uninitialized tensor of logical `shape` stored in layout `md`.
  // REQUIRES: md's dims equal shape (rank-0 shapes use {1}).
  static Tensor EmptyWithLayout(const Shape& shape, const dnnl::memory::desc& md);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  // Size of dimension i; negative i counts from the end.
  int64_t dim(int i) const;
  int64_t numel() const { return NumElements(shape_); }
  std::string ShapeString() const { return ShapeToString(shape_); }

  bool is_plain() const { return plain_; }
  const dnnl::memory::desc& desc() const { return desc_; }

  // Values in row-major order. REQUIRES: is_plain().
  float* data();
  const float* data() const;
  // The storage whatever its layout, and its length in floats (including any
  // padding of a blocked layout). Element-wise updates of two tensors with
  // identical desc() may run directly on these.
  float* raw() { return storage_.get(); }
  const float* raw() const { return storage_.get(); }
  int64_t raw_size() const { return raw_size_; }

  // A dnnl::memory over this tensor's storage (no copy).
  dnnl::memory memory() const;

  // This tensor if already plain, otherwise a reordered plain copy.
  Tensor ToPlain() const;
  // This tensor if its desc() equals md, otherwise a reordered copy in md.
  Tensor ToLayout(const dnnl::memory::desc& md) const;

  // A view sharing storage with a new shape of the same element count.
  // REQUIRES: is_plain(); NumElements(shape) == numel().
  Tensor Reshape(const Shape& shape) const;
  // A deep copy in the same layout.
  Tensor Clone() const;
  // The single value of a one-element tensor.
  float item() const;
  std::vector<float> ToVector() const;
  void Fill(float value);

 private:
  std::shared_ptr<float> storage_;
  int64_t raw_size_ = 0;
  Shape shape_;
  dnnl::memory::desc desc_;
  bool plain_ = true;
};

// Tensors by name, e.g. the state of an optimizer or of a miner in a
// checkpoint.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Bytes currently held in the buffer pool, and a way to release them.
int64_t BufferPoolBytes();
void ReleaseBufferPool();

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TENSOR_TENSOR_H_
