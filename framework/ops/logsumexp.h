// Log-sum-exp over a masked subset of each row, the building block of the
// pair losses that soften a max over a row's positives or negatives
// (multi-similarity, circle, lifted structure, N-pairs, NT-Xent, supervised
// contrastive, proxy anchor).
#ifndef SIAMESE_FRAMEWORK_OPS_LOGSUMEXP_H_
#define SIAMESE_FRAMEWORK_OPS_LOGSUMEXP_H_

#include <vector>

#include "framework/autograd/variable.h"

namespace siamese {

// y_i = log( [add_one] + sum_{j : mask[i][j]} exp(x_ij) ), computed stably
// (the row's largest kept value, or 0 with add_one, is subtracted first).
// A row that keeps nothing gives 0 and no gradient, with or without add_one
// (pytorch-metric-learning's lmu.logsumexp does the same). The mask is data,
// not a Variable: it comes from labels.
//   dy/dx_ij = mask[i][j] * exp(x_ij - y_i)
// REQUIRES: x is [N, M]; mask.size() == N * M (row-major).
Variable MaskedLogSumExp(const Variable& x, const std::vector<char>& mask, bool add_one);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_LOGSUMEXP_H_
