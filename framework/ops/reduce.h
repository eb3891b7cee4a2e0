// Reductions over axes: sum, mean, max.
//
// `axes` lists the axes to reduce; negative axes count from the end; an
// empty list means every axis. With keepdims the reduced axes stay as size 1
// (the result broadcasts against x); without, they are removed (reducing every
// axis gives a rank-0 scalar). Inputs in a blocked layout are reordered to
// plain; results are plain. Loops are single-threaded in a fixed order, so
// values and gradients are reproducible bit for bit.
//
// REQUIRES: every axis in [-rank, rank) and none repeated, otherwise aborts
// with e.g. "sum: axis 3 out of range for rank 2" or "sum: axis 1 repeated in
// [1, -1] for [2, 3]".
#ifndef SIAMESE_FRAMEWORK_OPS_REDUCE_H_
#define SIAMESE_FRAMEWORK_OPS_REDUCE_H_

#include <vector>

#include "framework/autograd/variable.h"

namespace siamese {

// Sum over `axes`. Sums over a contiguous innermost run of elements
// accumulate in double; the gradient broadcasts dy back to x's shape.
Variable Sum(const Variable& x, std::vector<int> axes, bool keepdims = false);

// Sum / (number of elements reduced). Reducing zero elements gives NaN.
Variable Mean(const Variable& x, std::vector<int> axes, bool keepdims = false);

// Maximum over `axes`. The whole gradient of each output element goes to
// the FIRST input element (in row-major order) attaining the maximum, so
// ties are broken deterministically; a NaN in a reduced group is the result
// (and receives the gradient) as in NumPy.
// REQUIRES: every reduced axis has size >= 1 ("max: reduction over an empty
// axis of [0, 3]").
Variable Max(const Variable& x, std::vector<int> axes, bool keepdims = false);

// Sum and mean of all elements, as rank-0 scalars (shape []).
Variable SumAll(const Variable& x);
Variable MeanAll(const Variable& x);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_REDUCE_H_
