// Element-wise activations and unary math, forward and backward on oneDNN's
// eltwise primitives. All accept tensors in any layout (blocked included) and
// return the same layout, so they sit between convolutions without reorders.
// When no gradient is needed (inside a NoGradScope, or no input requires
// one) they run forward_inference primitives.
#ifndef SIAMESE_FRAMEWORK_OPS_ACTIVATION_H_
#define SIAMESE_FRAMEWORK_OPS_ACTIVATION_H_

#include "framework/autograd/variable.h"
#include "framework/tensor/dnnl_context.h"

namespace siamese {

Variable Relu(const Variable& x);
// max(x, 0) + slope * min(x, 0).
Variable LeakyRelu(const Variable& x, float slope = 0.01f);

enum class GeluApproximation { kErf, kTanh };
// kErf runs the framework's own loops (gelu_kernel.h: faster than oneDNN's
// eltwise, bit-identical on every CPU); kTanh runs oneDNN's eltwise.
Variable Gelu(const Variable& x, GeluApproximation approximation = GeluApproximation::kErf);

Variable Tanh(const Variable& x);
Variable Sigmoid(const Variable& x);
// log(1 + exp(x)).
Variable Softplus(const Variable& x);
Variable Exp(const Variable& x);
// REQUIRES: x > 0 (the result is -inf/NaN otherwise, as in every framework).
Variable Log(const Variable& x);
// REQUIRES: x >= 0; the gradient at 0 is infinite.
Variable Sqrt(const Variable& x);
Variable Square(const Variable& x);
// min(max(x, lo), hi); the gradient is 1 inside (lo, hi] and 0 outside.
Variable Clamp(const Variable& x, float lo, float hi);
// alpha * x + beta.
Variable Affine(const Variable& x, float alpha, float beta);

// An activation that a convolution or linear layer applies to its own
// output: Conv2d(x, w, b, options, act) is act(Conv2d(x, w, b, options)).
// When no gradient is needed the layer runs one forward_inference primitive
// with the activation as a oneDNN eltwise post-op (no separate pass over the
// output). In training a convolution fuses ReLU (and leaky ReLU with a
// positive slope) the same way and takes its gradient from the output
// (BackwardFromOutput below); other activations, and linear layers, are
// recorded as two ops. Either way training computes exactly what the two
// calls in a row compute.
struct Activation {
  enum class Kind { kNone, kRelu, kLeakyRelu, kGelu };
  Kind kind = Kind::kNone;
  float slope = 0.0f;                                // kLeakyRelu
  GeluApproximation gelu = GeluApproximation::kErf;  // kGelu

  static Activation None() { return {}; }
  static Activation Relu() { return {Kind::kRelu}; }
  static Activation LeakyRelu(float slope = 0.01f) { return {Kind::kLeakyRelu, slope}; }
  static Activation Gelu(GeluApproximation a = GeluApproximation::kErf) {
    return {Kind::kGelu, 0.0f, a};
  }
  bool is_none() const { return kind == Kind::kNone; }
};

// act(x) through the matching op above (x itself for Activation::None()).
Variable Activate(const Variable& x, const Activation& act);

// For the ops that fuse an activation (conv, linear); not part of the op API.
namespace ops_internal {
// A primitive_attr carrying act as an eltwise post-op (no post-op for
// Activation::None()); the post-op runs the same algorithm, alpha and beta as
// the standalone op.
dnnl::primitive_attr PostOpAttr(const Activation& act);
// Appends what selects act's post-op to a primitive cache key.
void AddToKey(const Activation& act, PrimitiveKey* key);
// True when act's gradient follows from its output alone: ReLU, and leaky
// ReLU with slope > 0 (y > 0 exactly where x > 0). A layer may then apply
// act as a post-op in training too and keep only y for the backward.
bool BackwardFromOutput(const Activation& act);
// dx = act'(x) * dy computed from y = act(x), in y's layout; the same values
// as the backward of the standalone op. REQUIRES: BackwardFromOutput(act).
Tensor ActivationBackwardFromOutput(const Activation& act, const Tensor& y, const Tensor& dy);
}  // namespace ops_internal

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_ACTIVATION_H_
