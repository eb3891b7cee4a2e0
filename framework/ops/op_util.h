// Helpers shared by the op implementations (not part of the op API).
#ifndef SIAMESE_FRAMEWORK_OPS_OP_UTIL_H_
#define SIAMESE_FRAMEWORK_OPS_OP_UTIL_H_

#include <initializer_list>
#include <string>
#include <unordered_map>

#include "framework/autograd/variable.h"
#include "framework/base/check.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/precision.h"
#include "framework/tensor/tensor.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace siamese {

// Runs a oneDNN primitive on the framework's stream and waits for it.
inline void Execute(const dnnl::primitive& p, const std::unordered_map<int, dnnl::memory>& args) {
  ExecutePrimitive(p, args);
}

inline dnnl::memory::dims ToDims(const Shape& s) { return dnnl::memory::dims(s.begin(), s.end()); }

// True when an op on `inputs` will record a backward: gradients are enabled
// (no NoGradScope) and some input requires a gradient. Undefined inputs
// (e.g. an absent bias) count as not requiring one.
inline bool NeedsGrad(std::initializer_list<Variable> inputs) {
  if (!GradEnabled()) return false;
  for (const Variable& v : inputs) {
    if (v.requires_grad()) return true;
  }
  return false;
}

// The prop kind of a forward primitive: forward_training when a backward
// will run, else forward_inference (no workspace, no saved statistics).
inline dnnl::prop_kind ForwardKind(bool need_grad) {
  return need_grad ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
}

// Moves *pd (an inference primitive descriptor of a convolution or inner
// product, still at its first implementation) to the implementation that
// `training` (the forward_training descriptor of the same problem) runs,
// with the same src, weights and dst layouts, if *pd offers it; otherwise
// leaves *pd at its first choice. So inference computes what training-mode
// primitives compute, in the same order (bit for bit, post-ops aside), and
// hands the same layouts on: oneDNN's first inference choice is often
// another kernel (e.g. brgconv on nhwc instead of the direct nChw16c
// kernel), which sums in another order and measured slower on this
// framework's benchmark CNN.
template <typename PD>
void UseImplementationOf(const PD& training, PD* pd) {
  const PD first = *pd;
  const std::string impl = training.impl_info_str();
  do {
    if (impl == pd->impl_info_str() && pd->src_desc() == training.src_desc() &&
        pd->weights_desc() == training.weights_desc() && pd->dst_desc() == training.dst_desc()) {
      return;
    }
  } while (pd->next_impl());
  *pd = first;
}

// A memory descriptor with the given dims and format "any", so that the
// primitive chooses its preferred (often blocked) layout.
inline dnnl::memory::desc AnyDesc(const Shape& s,
                                  dnnl::memory::data_type t = dnnl::memory::data_type::f32) {
  return dnnl::memory::desc(ToDims(s), t, dnnl::memory::format_tag::any);
}

// md with its element type replaced by t (same dims, same layout in
// elements): e.g. the bf16 twin of a float32 blocked layout.
inline dnnl::memory::desc WithDataType(const dnnl::memory::desc& md, dnnl::memory::data_type t) {
  dnnl::memory::desc out = md;
  out.data.data_type = static_cast<dnnl_data_type_t>(t);
  return out;
}

// Normalizes a possibly negative axis; aborts naming `op` if out of range.
inline int NormalizeAxis(const char* op, int axis, int rank) {
  int a = axis < 0 ? axis + rank : axis;
  SIAMESE_CHECK(a >= 0 && a < rank) << op << ": axis " << axis << " out of range for rank " << rank;
  return a;
}

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_OP_UTIL_H_
