// FrozenWeightsScope: inference with weights reordered once.
//
// Convolution and linear primitives want their weights in a blocked layout
// (e.g. ABcd16b16a), while parameters stay plain so that optimizers update
// them as flat arrays; so each call reorders the weight. Within a
// FrozenWeightsScope the calling code promises that no weight changes in
// place (evaluation, embedding export, inference benchmarks): ops that need
// no gradient then reorder each weight into their primitive's layout once,
// keep the copy, and reuse it for every later batch of the scope. Leaving the
// outermost scope drops the copies. Scopes nest and are per thread, like
// NoGradScope; outside one nothing is cached.
//
// Values are unchanged: a reorder copies floats, it does not round them.
#ifndef SIAMESE_FRAMEWORK_OPS_FROZEN_WEIGHTS_H_
#define SIAMESE_FRAMEWORK_OPS_FROZEN_WEIGHTS_H_

#include <cstdint>

#include "framework/tensor/tensor.h"

namespace siamese {

class FrozenWeightsScope {
 public:
  FrozenWeightsScope();
  ~FrozenWeightsScope();
  FrozenWeightsScope(const FrozenWeightsScope&) = delete;
  FrozenWeightsScope& operator=(const FrozenWeightsScope&) = delete;
};

// True inside a FrozenWeightsScope on this thread.
bool WeightsFrozen();

// Number of weight copies the current thread holds (0 outside a scope).
int64_t FrozenWeightCount();

namespace ops_internal {
// w in layout md: inside a scope, the copy made by the first call for
// (w's storage, w's layout, md), made now if absent; outside, w.ToLayout(md).
// The cache holds w itself too, so its storage cannot be freed and reused for
// another tensor while the scope lasts.
Tensor WeightInLayout(const Tensor& w, const dnnl::memory::desc& md);
}  // namespace ops_internal

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_FROZEN_WEIGHTS_H_
