// Convolutions (1-D and 2-D), forward and backward on oneDNN's convolution
// primitives (direct algorithm). The forward runs forward_training when a
// backward will follow, forward_inference otherwise (inside a NoGradScope or
// when no input requires a gradient); both give the same values.
//
// Layouts. The input may be in any layout. The forward primitive is created
// with src, weights and dst in format "any", so oneDNN picks its preferred
// layouts (on AVX-512, nChw16c / nCw16c once C >= 16; often plain nchw for the
// first layer with C = 3). The input is reordered into the chosen src layout
// only when it differs: the output of a previous convolution (through relu or
// pooling, which keep the layout) is already there, so consecutive layers
// hand data over without reorders. The output is returned in the primitive's
// dst layout; call ToPlain() for plain values.
//
// Parameters. weight and bias are plain parameters; the weight is reordered
// into the primitive's weights layout on each call (a cached reorder), or
// once per FrozenWeightsScope (frozen_weights.h) when no gradient is needed. The
// weight gradient is returned plain, so optimizers update the plain parameter
// directly. The input gradient comes in the layout the backward-data
// primitive prefers (a leaf input gets it in its own layout, see
// Variable::AccumulateGrad).
//
// Semantics are PyTorch's (cross-correlation, floor output size):
//   out = (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1.
// Dilation counts PyTorch-style (1 = dense kernel); oneDNN's count starts at 0
// and is converted internally. Padding is symmetric (zeros).
#ifndef SIAMESE_FRAMEWORK_OPS_CONV_H_
#define SIAMESE_FRAMEWORK_OPS_CONV_H_

#include <cstdint>

#include "framework/autograd/variable.h"
#include "framework/ops/activation.h"

namespace siamese {

struct Conv2dOptions {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
};

// y[n, o, i, j] = bias[o] + sum_{c, p, q} x[n, c, i*sh - ph + p*dh, j*sw - pw + q*dw]
//                                         * weight[o, c, p, q].
// x is [N, C, H, W] (any layout), weight [O, C, KH, KW] (plain), bias [O] or
// undefined (no bias). Returns [N, O, OH, OW] in the primitive's layout.
// `activation` is applied to the output, fused into the primitive as a
// post-op when no gradient is needed (see Activation in activation.h).
// REQUIRES: strides and dilations >= 1, paddings >= 0, and the dilated kernel
// fits the padded input.
Variable Conv2d(const Variable& x, const Variable& weight, const Variable& bias,
                const Conv2dOptions& options = {},
                const Activation& activation = Activation::None());

struct Conv1dOptions {
  int64_t stride = 1, padding = 0, dilation = 1;
};

// The 1-D analogue over [N, C, L] inputs (native 1-D oneDNN convolution):
// x is [N, C, L], weight [O, C, K], bias [O] or undefined; returns [N, O, OL].
// REQUIRES: as Conv2d.
Variable Conv1d(const Variable& x, const Variable& weight, const Variable& bias,
                const Conv1dOptions& options = {},
                const Activation& activation = Activation::None());

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_CONV_H_
