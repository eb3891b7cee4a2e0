// Element-wise activations and unary math, forward and backward on oneDNN's
// eltwise primitives. All accept tensors in any layout (blocked included) and
// return the same layout, so they sit between convolutions without reorders.
#ifndef SIAMESE_FRAMEWORK_OPS_ACTIVATION_H_
#define SIAMESE_FRAMEWORK_OPS_ACTIVATION_H_

#include "framework/autograd/variable.h"

namespace siamese {

Variable Relu(const Variable& x);
// max(x, 0) + slope * min(x, 0).
Variable LeakyRelu(const Variable& x, float slope = 0.01f);

enum class GeluApproximation { kErf, kTanh };
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

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_ACTIVATION_H_
