#include "framework/ops/embedding.h"

#include <algorithm>

#include "framework/ops/op_util.h"

namespace siamese {

Variable Embedding(const Variable& table, const std::vector<int64_t>& ids, const Shape& ids_shape) {
  const Tensor& tv = table.value();
  SIAMESE_CHECK(tv.rank() == 2) << "embedding: table must be [V, D], got " << tv.ShapeString()
                                << " for ids " << ShapeToString(ids_shape);
  SIAMESE_CHECK(static_cast<int64_t>(ids.size()) == NumElements(ids_shape))
      << "embedding: " << ids.size() << " ids for ids shape " << ShapeToString(ids_shape)
      << " (table " << tv.ShapeString() << ")";
  SIAMESE_CHECK(ids_shape.size() < kMaxRank)
      << "embedding: ids shape " << ShapeToString(ids_shape) << " with table " << tv.ShapeString()
      << " gives a result above rank " << kMaxRank;
  const int64_t v = tv.dim(0), d = tv.dim(1);
  for (size_t k = 0; k < ids.size(); ++k) {
    SIAMESE_CHECK(ids[k] >= 0 && ids[k] < v)
        << "embedding: id " << ids[k] << " at position " << k << " out of range for table "
        << tv.ShapeString() << " (V = " << v << ")";
  }

  // y[k, :] = table[ids[k], :].
  Shape out_shape = ids_shape;
  out_shape.push_back(d);
  Tensor tp = tv.ToPlain();
  Tensor y = Tensor::Empty(out_shape);
  for (size_t k = 0; k < ids.size(); ++k) {
    std::copy_n(tp.data() + ids[k] * d, d, y.data() + k * d);
  }
  return RecordOp("embedding", {table}, y, [table, ids, v, d](const Tensor& dy_any) {
    // dtable[ids[k], :] += dy[k, :], sequentially in k.
    Tensor dy = dy_any.ToPlain();
    Tensor dt = Tensor::Zeros({v, d});
    for (size_t k = 0; k < ids.size(); ++k) {
      const float* g = dy.data() + k * d;
      float* row = dt.data() + ids[k] * d;
      for (int64_t j = 0; j < d; ++j) row[j] += g[j];
    }
    table.AccumulateGrad(dt);
  });
}

}  // namespace siamese
