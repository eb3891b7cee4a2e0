// The process-wide oneDNN CPU engine and stream, and the primitive cache.
//
// Every oneDNN primitive in the framework is created through PrimitiveCache:
// a primitive (and its primitive descriptor) is built once per distinct key
// (op name + memory descriptors + attributes) and reused afterwards, so that a
// training step in the steady state creates no primitive at all.
// PrimitiveCache::creations() counts the primitives ever built; tests use it to
// show that a second identical step builds none.
#ifndef SIAMESE_FRAMEWORK_TENSOR_DNNL_CONTEXT_H_
#define SIAMESE_FRAMEWORK_TENSOR_DNNL_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace siamese {

dnnl::engine& CpuEngine();
dnnl::stream& CpuStream();

// Runs primitive p on this thread's stream and waits for it. Executions are
// serialized process-wide: Debian's oneDNN is built without concurrent
// execution support (DNNL_ENABLE_CONCURRENT_EXEC off), so each primitive's
// library-managed scratchpad is shared by all its executions, and two
// threads running one cached primitive at once (the in-process ranks of
// framework/distributed) overwrite each other's scratchpad and results.
// Uncontended, the lock costs tens of nanoseconds per primitive.
void ExecutePrimitive(const dnnl::primitive& p, const std::unordered_map<int, dnnl::memory>& args);

// Sets the number of threads oneDNN (OpenMP) and the framework's own loops
// use. 0 leaves the OpenMP default. Call before the first op.
void SetNumThreads(int threads);
int NumThreads();

// Builds a cache key from an op name and the things that select a primitive.
class PrimitiveKey {
 public:
  explicit PrimitiveKey(const char* op) : key_(op) {}
  PrimitiveKey& Add(const dnnl::memory::desc& md);
  PrimitiveKey& Add(int64_t v);
  PrimitiveKey& Add(float v);
  PrimitiveKey& Add(const std::vector<int64_t>& v);
  const std::string& str() const { return key_; }

 private:
  std::string key_;
};

class PrimitiveCache {
 public:
  // Returns the entry stored under `key`, creating it with `make` the first
  // time. T is usually a struct holding a primitive_desc and a primitive.
  // The returned reference stays valid for the life of the process.
  template <typename T>
  static T& GetOrCreate(const PrimitiveKey& key, const std::function<T()>& make) {
    std::lock_guard<std::recursive_mutex> lock(mu());
    auto& map = entries();
    auto it = map.find(key.str());
    if (it != map.end()) return *static_cast<T*>(it->second.get());
    ++counter();
    auto owned = std::make_shared<T>(make());
    T* raw = owned.get();
    map.emplace(key.str(), std::shared_ptr<void>(owned, raw));
    return *raw;
  }

  // Number of primitives built since the process started.
  static int64_t creations();
  static int64_t size();

 private:
  static std::recursive_mutex& mu();
  static std::unordered_map<std::string, std::shared_ptr<void>>& entries();
  static int64_t& counter();
};

// A primitive together with the descriptor it was made from.
template <typename PD, typename P>
struct CachedPrimitive {
  PD pd;
  P prim;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TENSOR_DNNL_CONTEXT_H_
