#include "framework/ops/frozen_weights.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

#include "framework/tensor/dnnl_context.h"

namespace siamese {
namespace {

struct Frozen {
  Tensor source;  // keeps the storage (and so the key's address) alive
  Tensor copy;
};

thread_local int scope_depth = 0;

std::unordered_map<std::string, Frozen>& Cache() {
  thread_local std::unordered_map<std::string, Frozen> cache;
  return cache;
}

}  // namespace

FrozenWeightsScope::FrozenWeightsScope() { ++scope_depth; }

FrozenWeightsScope::~FrozenWeightsScope() {
  if (--scope_depth == 0) Cache().clear();
}

bool WeightsFrozen() { return scope_depth > 0; }

int64_t FrozenWeightCount() { return static_cast<int64_t>(Cache().size()); }

namespace ops_internal {

Tensor WeightInLayout(const Tensor& w, const dnnl::memory::desc& md) {
  if (scope_depth == 0 || w.desc() == md) return w.ToLayout(md);
  PrimitiveKey key("frozen");
  key.Add(static_cast<int64_t>(reinterpret_cast<uintptr_t>(w.raw()))).Add(w.desc()).Add(md);
  auto& cache = Cache();
  auto it = cache.find(key.str());
  if (it == cache.end()) it = cache.emplace(key.str(), Frozen{w, w.ToLayout(md)}).first;
  return it->second.copy;
}

}  // namespace ops_internal
}  // namespace siamese
