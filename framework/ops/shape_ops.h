// Shape manipulation: reshape, flatten, permute/transpose, concat, slice and
// row gathering. Inputs in a blocked layout are reordered to plain first;
// every result is plain. Reshape and Flatten of a plain input are views (no
// copy); the others copy. Backward passes are plain loops in a fixed order (deterministic).
#ifndef SIAMESE_FRAMEWORK_OPS_SHAPE_OPS_H_
#define SIAMESE_FRAMEWORK_OPS_SHAPE_OPS_H_

#include <cstdint>
#include <vector>

#include "framework/autograd/variable.h"

namespace siamese {

// x's values (row-major order) viewed with `shape`. At most one dim may be
// -1; it is inferred from the element count.
// REQUIRES: the element counts match ("reshape: cannot view [2, 3] as [4, -1]").
Variable Reshape(const Variable& x, Shape shape);

// Merges axes start_axis..rank-1 into one: [N, C, H, W] -> [N, C*H*W] for
// the default start_axis = 1. Negative start_axis counts from the end.
// REQUIRES: rank >= 1 and start_axis in [-rank, rank).
Variable Flatten(const Variable& x, int start_axis = 1);

// y.shape[i] = x.shape[perm[i]], y[i0, ..] = x at the permuted index.
// REQUIRES: perm is a permutation of 0..rank-1 ("permute: bad permutation
// [0, 0] for [2, 3]").
Variable Permute(const Variable& x, const std::vector<int>& perm);

// Swaps axes a and b (negative axes count from the end).
Variable Transpose(const Variable& x, int a, int b);

// Joins xs along `axis` (negative counts from the end).
// REQUIRES: xs non-empty, equal ranks, equal dims except along axis
// ("concat: cannot concatenate [2, 3] with [3, 3] along axis 1").
Variable Concat(const std::vector<Variable>& xs, int axis);

// Elements start..end-1 of `axis` (a copy); the gradient is dy placed in
// that range and zero elsewhere.
// REQUIRES: 0 <= start <= end <= x.dim(axis) ("slice: [1, 5) out of range
// for axis 1 of [2, 3]").
Variable Slice(const Variable& x, int axis, int64_t start, int64_t end);

// y[i, ...] = x[rows[i], ...] for x of shape [N, ...]; y is
// [rows.size(), ...]. Rows may repeat (an index-select on axis 0); the
// backward scatter-adds dy[i] into row rows[i] in increasing i.
// REQUIRES: rank >= 1, every row in [0, N) ("gather_rows: row 4 out of range
// for [4, 3]").
Variable GatherRows(const Variable& x, const std::vector<int64_t>& rows);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_SHAPE_OPS_H_
