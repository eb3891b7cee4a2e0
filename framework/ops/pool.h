// Max and average pooling (1-D and 2-D) and global average pooling, forward
// and backward on oneDNN's pooling primitives.
//
// Layouts. The input may be in any layout, typically the blocked output of a
// convolution (nChw16c); the primitive runs on it as it is and the output
// comes in the same layout family (oneDNN's choice for dst "any", which
// follows the src), so conv -> relu -> pool -> conv needs no reorder. The
// input gradient comes in the input's layout.
//
// Semantics are PyTorch's with floor output size and symmetric padding:
//   out = (in + 2 * pad - kernel) / stride + 1.
// Max pooling ignores padded positions; when a backward will follow, its
// forward saves oneDNN's workspace (the argmax of each window) for the
// backward, which routes each output gradient to that single input. When no
// gradient is needed (NoGradScope, or x does not require one) the forward is
// a forward_inference primitive without a workspace. Average pooling divides by the number of
// real (non-padded) inputs in the window, or by the full kernel size when
// count_include_pad is true.
//
// Contracts shared by all pooling ops: kernel >= 1, stride >= 1 (a stride of
// 0 in the options means "equal to the kernel", as in PyTorch),
// 0 <= pad <= kernel / 2 (so that no window lies entirely in padding), and
// the kernel fits the padded input.
#ifndef SIAMESE_FRAMEWORK_OPS_POOL_H_
#define SIAMESE_FRAMEWORK_OPS_POOL_H_

#include <cstdint>

#include "framework/autograd/variable.h"

namespace siamese {

struct Pool2dOptions {
  int64_t kernel_h = 0, kernel_w = 0;
  int64_t stride_h = 0, stride_w = 0;  // 0: equal to the kernel
  int64_t pad_h = 0, pad_w = 0;
};

// x is [N, C, H, W] in any layout; returns [N, C, OH, OW].
Variable MaxPool2d(const Variable& x, const Pool2dOptions& options);
Variable AvgPool2d(const Variable& x, const Pool2dOptions& options, bool count_include_pad = false);

// Mean over H and W: [N, C, H, W] (any layout) -> plain [N, C].
Variable GlobalAvgPool2d(const Variable& x);

// x is [N, C, L] in any layout; returns [N, C, OL]. stride 0 means kernel.
Variable MaxPool1d(const Variable& x, int64_t kernel, int64_t stride, int64_t padding = 0);
Variable AvgPool1d(const Variable& x, int64_t kernel, int64_t stride, int64_t padding = 0,
                   bool count_include_pad = false);

// Mean over L: [N, C, L] (any layout) -> plain [N, C].
Variable GlobalAvgPool1d(const Variable& x);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_POOL_H_
