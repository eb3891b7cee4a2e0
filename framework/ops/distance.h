// Normalization and pairwise distances between embeddings: the core of
// metric-learning losses.
//
// Pairwise ops take a = [N, D] (rows a_i) and b = [M, D] (rows b_j) and
// return the [N, M] matrix of all pairs, computed with ONE matrix product
// a . b^T (oneDNN matmul), so an N x N matrix costs one GEMM forward. The
// same Variable may be passed as a and b (self-distance of a batch); its
// gradient is then the sum over both roles. Inputs in a blocked layout are
// reordered to plain; results are plain.
//
// REQUIRES (pairwise): a and b of rank 2 with equal D, otherwise aborts with
// e.g. "pairwise_squared_euclidean: a [3, 4] and b [5, 6] must be [N, D] and
// [M, D]".
#ifndef SIAMESE_FRAMEWORK_OPS_DISTANCE_H_
#define SIAMESE_FRAMEWORK_OPS_DISTANCE_H_

#include "framework/autograd/variable.h"

namespace siamese {

// y_i = x_i / max(||x_i||_2, eps) for every row x_i along the last axis
// (x is [N, D], or any rank >= 1). Gradient, with g_i = dL/dy_i:
//   ||x_i|| > eps:  dL/dx_i = (g_i - y_i (y_i . g_i)) / ||x_i||
//   otherwise:      dL/dx_i = g_i / eps        (a zero row maps to zero)
// REQUIRES: eps > 0.
Variable L2Normalize(const Variable& x, float eps = 1e-12f);

// d_ij = max(||a_i||^2 + ||b_j||^2 - 2 a_i . b_j, 0). The clamp removes the
// tiny negatives that cancellation produces for (nearly) equal rows; the
// gradient is 0 where it is active (d_ij == 0). When a and b hold the same
// values (the same Variable, or tensors sharing storage) the diagonal is
// exactly 0, with zero gradient.
Variable PairwiseSquaredEuclidean(const Variable& a, const Variable& b);

// d_ij = sqrt(max(s_ij, eps)) with s_ij = ||a_i||^2 + ||b_j||^2 - 2 a_i . b_j
// (unclamped). eps bounds the distance below by sqrt(eps) (1e-6 for the
// default) and keeps the gradient finite where points coincide, e.g. on the
// diagonal of a self-distance matrix: dd_ij/ds_ij = 1 / (2 d_ij) where
// d_ij > sqrt(eps), else 0 (so the gradient through those pairs is 0).
// REQUIRES: eps >= 0.
Variable PairwiseEuclidean(const Variable& a, const Variable& b, float eps = 1e-12f);

// c_ij = (a_i / max(||a_i||, eps)) . (b_j / max(||b_j||, eps)), i.e.
// L2Normalize(a) . L2Normalize(b)^T with one MatMul (a is normalized once
// when a and b are the same Variable). Composed from L2Normalize and MatMul,
// whose backward passes give the gradient.
Variable PairwiseCosineSimilarity(const Variable& a, const Variable& b, float eps = 1e-12f);

// 1 - PairwiseCosineSimilarity(a, b, eps), in [0, 2] up to rounding.
Variable PairwiseCosineDistance(const Variable& a, const Variable& b, float eps = 1e-12f);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_DISTANCE_H_
