// Fully connected layers and (batched) matrix products on oneDNN.
#ifndef SIAMESE_FRAMEWORK_OPS_LINEAR_H_
#define SIAMESE_FRAMEWORK_OPS_LINEAR_H_

#include "framework/autograd/variable.h"
#include "framework/ops/activation.h"

namespace siamese {

// y[n, o] = sum_i x[n, i] * weight[o, i] + bias[o], on oneDNN inner_product.
// x is [N, F] or [N, C, H, W] / [N, C, L] in any layout (e.g. the blocked
// output of a pooling layer; it is flattened logically, channel-major as
// in PyTorch's flatten, without a reorder). weight is [O, F] with
// F = prod(x.shape[1:]); bias is [O] or undefined (no bias).
// Returns [N, O]. `activation` is applied to the output, fused into the
// primitive as a post-op when no gradient is needed (see Activation in
// activation.h); then the primitive is forward_inference and the weight is
// reordered once per FrozenWeightsScope (frozen_weights.h).
Variable Linear(const Variable& x, const Variable& weight, const Variable& bias,
                const Activation& activation = Activation::None());

// c = op(a) . op(b), where op transposes the last two dims when asked.
// a is [..., M, K] (or [..., K, M] when transpose_a); b likewise [..., K, N].
// Ranks 2 to 4. b may have rank 2 while a has batch dims (b shared by the
// whole batch); otherwise the batch dims must be equal. Inputs must be plain.
Variable MatMul(const Variable& a, const Variable& b, bool transpose_a = false,
                bool transpose_b = false);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_LINEAR_H_
