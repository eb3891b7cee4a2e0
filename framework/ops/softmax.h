// Softmax and log-softmax along one axis, forward and backward on oneDNN's
// softmax and logsoftmax primitives. Both accept x in any layout (blocked
// included; the axis is logical) and return x's layout.
#ifndef SIAMESE_FRAMEWORK_OPS_SOFTMAX_H_
#define SIAMESE_FRAMEWORK_OPS_SOFTMAX_H_

#include "framework/autograd/variable.h"

namespace siamese {

// y = exp(x) / sum_axis exp(x), computed stably (max subtracted). Slices
// along `axis` sum to 1. axis may be negative (counts from the end).
// REQUIRES: x.rank() >= 1; -rank <= axis < rank.
Variable Softmax(const Variable& x, int axis = -1);

// y = x - log(sum_axis exp(x)), computed stably; the log of Softmax(x, axis)
// without its underflow. Same requirements as Softmax.
Variable LogSoftmax(const Variable& x, int axis = -1);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_SOFTMAX_H_
