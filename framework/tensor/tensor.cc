#include "framework/tensor/tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "framework/base/check.h"
#include "framework/tensor/dnnl_context.h"

namespace siamese {
namespace {

constexpr size_t kAlignment = 64;

// Size-keyed pool of 64-byte aligned buffers. A freed buffer waits here for
// the next allocation of the same size, so steady-state training steps do
// not touch the system allocator.
class BufferPool {
 public:
  float* Allocate(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        float* p = it->second.back();
        it->second.pop_back();
        pooled_bytes_ -= bytes;
        return p;
      }
    }
    size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, std::max<size_t>(rounded, kAlignment));
    SIAMESE_CHECK(p != nullptr) << "tensor: out of memory allocating " << bytes << " bytes";
    return static_cast<float*>(p);
  }

  void Free(float* p, size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    free_[bytes].push_back(p);
    pooled_bytes_ += bytes;
  }

  int64_t pooled_bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return pooled_bytes_;
  }

  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [bytes, list] : free_) {
      for (float* p : list) std::free(p);
    }
    free_.clear();
    pooled_bytes_ = 0;
  }

 private:
  std::mutex mu_;
  std::map<size_t, std::vector<float*>> free_;
  int64_t pooled_bytes_ = 0;
};

BufferPool& Pool() {
  static BufferPool* pool = new BufferPool;
  return *pool;
}

std::shared_ptr<float> AllocateFloats(int64_t count) {
  size_t bytes = static_cast<size_t>(std::max<int64_t>(count, 1)) * sizeof(float);
  float* p = Pool().Allocate(bytes);
  return std::shared_ptr<float>(p, [bytes](float* q) { Pool().Free(q, bytes); });
}

}  // namespace

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

dnnl::memory::desc PlainDesc(const Shape& shape) {
  dnnl::memory::dims dims(shape.begin(), shape.end());
  if (dims.empty()) dims = {1};
  dnnl::memory::dims strides(dims.size());
  int64_t s = 1;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    strides[i] = s;
    s *= dims[i];
  }
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

Tensor Tensor::Empty(const Shape& shape) {
  SIAMESE_CHECK(shape.size() <= kMaxRank) << "tensor: rank above 5: " << ShapeToString(shape);
  for (int64_t d : shape) SIAMESE_CHECK(d >= 0) << "tensor: negative dim " << ShapeToString(shape);
  Tensor t;
  t.shape_ = shape;
  t.desc_ = PlainDesc(shape);
  t.plain_ = true;
  t.raw_size_ = NumElements(shape);
  t.storage_ = AllocateFloats(t.raw_size_);
  return t;
}

Tensor Tensor::Zeros(const Shape& shape) { return Full(shape, 0.0f); }

Tensor Tensor::Full(const Shape& shape, float value) {
  Tensor t = Empty(shape);
  t.Fill(value);
  return t;
}

Tensor Tensor::FromVector(const Shape& shape, const std::vector<float>& values) {
  SIAMESE_CHECK(static_cast<int64_t>(values.size()) == NumElements(shape))
      << "tensor: FromVector got " << values.size() << " values for shape " << ShapeToString(shape);
  Tensor t = Empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

Tensor Tensor::EmptyWithLayout(const Shape& shape, const dnnl::memory::desc& md) {
  dnnl::memory::dims expect(shape.begin(), shape.end());
  if (expect.empty()) expect = {1};
  SIAMESE_CHECK(md.dims() == expect)
      << "tensor: layout dims do not match shape " << ShapeToString(shape);
  Tensor t;
  t.shape_ = shape;
  t.desc_ = md;
  t.plain_ = (md == PlainDesc(shape));
  // A bf16 layout (inside the matrix ops, see precision.h) may hold an odd
  // number of halves: round up to whole floats.
  t.raw_size_ = static_cast<int64_t>((md.get_size() + sizeof(float) - 1) / sizeof(float));
  t.storage_ = AllocateFloats(t.raw_size_);
  return t;
}

int64_t Tensor::dim(int i) const {
  int r = rank();
  if (i < 0) i += r;
  SIAMESE_CHECK(i >= 0 && i < r) << "tensor: dim " << i << " of shape " << ShapeString();
  return shape_[i];
}

float* Tensor::data() {
  SIAMESE_CHECK(plain_) << "tensor: data() on a blocked tensor " << ShapeString()
                        << "; call ToPlain() first";
  return storage_.get();
}

const float* Tensor::data() const {
  SIAMESE_CHECK(plain_) << "tensor: data() on a blocked tensor " << ShapeString()
                        << "; call ToPlain() first";
  return storage_.get();
}

dnnl::memory Tensor::memory() const {
  SIAMESE_CHECK(defined()) << "tensor: memory() of an undefined tensor";
  return dnnl::memory(desc_, CpuEngine(), storage_.get());
}

Tensor Tensor::ToLayout(const dnnl::memory::desc& md) const {
  SIAMESE_CHECK(defined()) << "tensor: ToLayout of an undefined tensor";
  if (md == desc_) return *this;
  Tensor out = EmptyWithLayout(shape_, md);
  using Reorder = CachedPrimitive<dnnl::reorder::primitive_desc, dnnl::reorder>;
  Reorder& r =
      PrimitiveCache::GetOrCreate<Reorder>(PrimitiveKey("reorder").Add(desc_).Add(md), [&] {
        auto pd = dnnl::reorder::primitive_desc(CpuEngine(), desc_, CpuEngine(), md);
        return Reorder{pd, dnnl::reorder(pd)};
      });
  dnnl::memory src = memory(), dst = out.memory();
  ExecutePrimitive(r.prim, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
  return out;
}

Tensor Tensor::ToPlain() const {
  if (plain_) return *this;
  return ToLayout(PlainDesc(shape_));
}

Tensor Tensor::Reshape(const Shape& shape) const {
  SIAMESE_CHECK(plain_) << "reshape: tensor " << ShapeString() << " is blocked";
  SIAMESE_CHECK(NumElements(shape) == numel())
      << "reshape: cannot view " << ShapeString() << " as " << ShapeToString(shape);
  Tensor t = *this;
  t.shape_ = shape;
  t.desc_ = PlainDesc(shape);
  return t;
}

Tensor Tensor::Clone() const {
  if (!defined()) return Tensor();
  Tensor t = *this;
  t.storage_ = AllocateFloats(raw_size_);
  std::memcpy(t.storage_.get(), storage_.get(), raw_size_ * sizeof(float));
  return t;
}

float Tensor::item() const {
  SIAMESE_CHECK(numel() == 1) << "item: tensor " << ShapeString() << " has " << numel()
                              << " elements";
  return ToPlain().data()[0];
}

std::vector<float> Tensor::ToVector() const {
  Tensor p = ToPlain();
  return std::vector<float>(p.data(), p.data() + p.numel());
}

void Tensor::Fill(float value) { std::fill(storage_.get(), storage_.get() + raw_size_, value); }

int64_t BufferPoolBytes() { return Pool().pooled_bytes(); }
void ReleaseBufferPool() { Pool().Release(); }

}  // namespace siamese
