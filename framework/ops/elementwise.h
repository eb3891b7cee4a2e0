// Element-wise binary arithmetic with NumPy broadcasting, and scalar forms.
//
// Broadcasting (as in NumPy): the two shapes are aligned at their trailing
// dims (the shorter one is padded with leading 1s); each aligned pair of dims
// must be equal or one of them 1, and the output takes the larger. The
// gradient of an input is the output's gradient (times the local derivative)
// summed over every dim along which that input was broadcast, so it has the
// input's shape.
//
// Layouts: two inputs of the same shape and the same (possibly blocked)
// oneDNN layout are combined directly on their storage by Add, Sub and Mul,
// and the result keeps that layout (e.g. a residual sum of two convolution
// outputs). Every other case works on plain copies (ToPlain()) and returns a
// plain tensor. All loops are single-threaded in a fixed order, so results
// and gradients are bit-for-bit reproducible.
#ifndef SIAMESE_FRAMEWORK_OPS_ELEMENTWISE_H_
#define SIAMESE_FRAMEWORK_OPS_ELEMENTWISE_H_

#include "framework/autograd/variable.h"

namespace siamese {

// The broadcast shape of a and b. REQUIRES: the shapes broadcast; otherwise
// aborts with "<op>: cannot broadcast [a] with [b]".
Shape BroadcastShapes(const char* op, const Shape& a, const Shape& b);

// a + b, a - b, a * b, a / b with broadcasting. Div follows IEEE 754 for
// zero divisors (inf/NaN), as every framework does.
// REQUIRES: a and b broadcast ("add: cannot broadcast [2, 3] with [4]").
Variable Add(const Variable& a, const Variable& b);
Variable Sub(const Variable& a, const Variable& b);
Variable Mul(const Variable& a, const Variable& b);
Variable Div(const Variable& a, const Variable& b);

// x + s, x * s, s - x, x / s and -x, on oneDNN's eltwise_linear (any layout
// in, the same layout out). DivScalar computes x * (1 / s) (so s == 0 gives
// inf/NaN like Div).
Variable AddScalar(const Variable& x, float s);
Variable MulScalar(const Variable& x, float s);
Variable RSubScalar(const Variable& x, float s);
Variable DivScalar(const Variable& x, float s);
Variable Neg(const Variable& x);

// x expanded to `shape` by broadcasting (a copy); the gradient sums back.
// REQUIRES: x.shape() broadcasts to exactly `shape`.
Variable BroadcastTo(const Variable& x, const Shape& shape);

// Tensor kernels without autograd, shared with the reduce and distance ops.
// BroadcastTensorTo: t expanded to `shape` (plain). SumTensorTo: t summed over
// the dims along which `shape` broadcasts to t.shape(), returned with
// `shape` (plain); rows of the innermost summed dim accumulate in double.
// REQUIRES: t.shape() broadcasts to `shape` / `shape` broadcasts to t.shape().
Tensor BroadcastTensorTo(const Tensor& t, const Shape& shape);
Tensor SumTensorTo(const Tensor& t, const Shape& shape);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_ELEMENTWISE_H_
