// Helpers shared by the op implementations (not part of the op API).
#ifndef SIAMESE_FRAMEWORK_OPS_OP_UTIL_H_
#define SIAMESE_FRAMEWORK_OPS_OP_UTIL_H_

#include <unordered_map>

#include "framework/base/check.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/tensor.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace siamese {

// Runs a oneDNN primitive on the framework's stream and waits for it.
inline void Execute(const dnnl::primitive& p, const std::unordered_map<int, dnnl::memory>& args) {
  p.execute(CpuStream(), args);
  CpuStream().wait();
}

inline dnnl::memory::dims ToDims(const Shape& s) { return dnnl::memory::dims(s.begin(), s.end()); }

// A memory descriptor with the given dims and format "any", so that the
// primitive chooses its preferred (often blocked) layout.
inline dnnl::memory::desc AnyDesc(const Shape& s) {
  return dnnl::memory::desc(ToDims(s), dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
}

// Normalizes a possibly negative axis; aborts naming `op` if out of range.
inline int NormalizeAxis(const char* op, int axis, int rank) {
  int a = axis < 0 ? axis + rank : axis;
  SIAMESE_CHECK(a >= 0 && a < rank) << op << ": axis " << axis << " out of range for rank " << rank;
  return a;
}

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_OP_UTIL_H_
