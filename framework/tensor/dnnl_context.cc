#include "framework/tensor/dnnl_context.h"

#include <omp.h>

#include <cstring>
#include <mutex>

namespace siamese {

dnnl::engine& CpuEngine() {
  static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

dnnl::stream& CpuStream() {
  // One per thread: a oneDNN stream is not meant to be shared by threads
  // submitting at once (in-process ranks of framework/distributed do).
  thread_local dnnl::stream stream(CpuEngine());
  return stream;
}

void ExecutePrimitive(const dnnl::primitive& p,
                      const std::unordered_map<int, dnnl::memory>& args) {
  static std::mutex* mu = new std::mutex;
  std::lock_guard<std::mutex> lock(*mu);
  p.execute(CpuStream(), args);
  CpuStream().wait();
}

void SetNumThreads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

int NumThreads() { return omp_get_max_threads(); }

PrimitiveKey& PrimitiveKey::Add(const dnnl::memory::desc& md) {
  // The C struct fully describes the layout; key on its meaningful fields.
  const dnnl_memory_desc_t& d = md.data;
  key_ += "|md";
  for (int i = 0; i < d.ndims; ++i) key_ += ":" + std::to_string(d.dims[i]);
  key_ += ";t" + std::to_string(d.data_type) + ";f" + std::to_string(d.format_kind);
  if (d.format_kind == dnnl_blocked) {
    const auto& b = d.format_desc.blocking;
    for (int i = 0; i < d.ndims; ++i) {
      key_ += ",s" + std::to_string(b.strides[i]) + "p" + std::to_string(d.padded_dims[i]);
    }
    for (int i = 0; i < b.inner_nblks; ++i) {
      key_ += ",b" + std::to_string(b.inner_blks[i]) + "x" + std::to_string(b.inner_idxs[i]);
    }
  }
  key_ += ";o" + std::to_string(d.offset0);
  return *this;
}

PrimitiveKey& PrimitiveKey::Add(int64_t v) {
  key_ += "|" + std::to_string(v);
  return *this;
}

PrimitiveKey& PrimitiveKey::Add(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  key_ += "|f" + std::to_string(bits);
  return *this;
}

PrimitiveKey& PrimitiveKey::Add(const std::vector<int64_t>& v) {
  key_ += "|[";
  for (int64_t x : v) key_ += std::to_string(x) + ",";
  key_ += "]";
  return *this;
}

std::recursive_mutex& PrimitiveCache::mu() {
  static auto* m = new std::recursive_mutex;
  return *m;
}

std::unordered_map<std::string, std::shared_ptr<void>>& PrimitiveCache::entries() {
  static auto* map = new std::unordered_map<std::string, std::shared_ptr<void>>;
  return *map;
}

int64_t& PrimitiveCache::counter() {
  static int64_t count = 0;
  return count;
}

int64_t PrimitiveCache::creations() {
  std::lock_guard<std::recursive_mutex> lock(mu());
  return counter();
}

int64_t PrimitiveCache::size() {
  std::lock_guard<std::recursive_mutex> lock(mu());
  return static_cast<int64_t>(entries().size());
}

}  // namespace siamese
