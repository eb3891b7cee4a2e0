// Embedding lookup (plain C++ gather / scatter-add).
#ifndef SIAMESE_FRAMEWORK_OPS_EMBEDDING_H_
#define SIAMESE_FRAMEWORK_OPS_EMBEDDING_H_

#include <cstdint>
#include <vector>

#include "framework/autograd/variable.h"

namespace siamese {

// Gathers rows of table ([V, D], any layout; made plain) for each id:
// y[i..., :] = table[ids[i...], :]. ids holds the indices in row-major order
// of ids_shape; the result is plain, of shape [ids_shape..., D].
// The backward scatter-adds the rows of dy into dtable in one sequential loop
// in id order (repeated ids accumulate; bit-for-bit reproducible).
// REQUIRES: table.rank() == 2; ids.size() == NumElements(ids_shape);
// ids_shape.size() <= 4; 0 <= ids[k] < V for every k (aborts naming the id).
Variable Embedding(const Variable& table, const std::vector<int64_t>& ids, const Shape& ids_shape);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_EMBEDDING_H_
