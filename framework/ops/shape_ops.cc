#include "framework/ops/shape_ops.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "framework/ops/op_util.h"

namespace siamese {
namespace {

template <typename T>
std::string ListString(const std::vector<T>& v) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  s << "]";
  return s.str();
}

// y[i, j] = x[j * ld + i] for i < rows, j < cols (y is rows x cols, dense),
// in 32 x 32 tiles so that both sides stay in cache.
void TransposeBlock(const float* x, int64_t rows, int64_t cols, int64_t ld, float* y) {
  constexpr int64_t kTile = 32;
  for (int64_t i0 = 0; i0 < rows; i0 += kTile) {
    const int64_t i1 = std::min(rows, i0 + kTile);
    for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
      const int64_t j1 = std::min(cols, j0 + kTile);
      for (int64_t i = i0; i < i1; ++i) {
        for (int64_t j = j0; j < j1; ++j) y[i * cols + j] = x[j * ld + i];
      }
    }
  }
}

// x (plain) permuted: y.shape[i] = x.shape[perm[i]]. perm is valid.
Tensor PermuteTensor(const Tensor& x, const std::vector<int>& perm) {
  const int r = x.rank();
  Shape out(r);
  for (int i = 0; i < r; ++i) out[i] = x.dim(perm[i]);
  Tensor y = Tensor::Empty(out);
  if (y.numel() == 0) return y;
  int64_t x_stride[kMaxRank];
  for (int64_t i = r - 1, s = 1; i >= 0; --i) {
    x_stride[i] = s;
    s *= x.dim(static_cast<int>(i));
  }
  // Output dims (size 1 dropped) with their input strides; two adjacent dims
  // merge when they are also adjacent and in order in the input.
  int n = 0;
  int64_t dims[kMaxRank], st[kMaxRank];
  for (int i = 0; i < r; ++i) {
    if (out[i] == 1) continue;
    const int64_t s = x_stride[perm[i]];
    if (n > 0 && st[n - 1] == s * out[i]) {
      dims[n - 1] *= out[i];
      st[n - 1] = s;
    } else {
      dims[n] = out[i];
      st[n] = s;
      ++n;
    }
  }
  const float* px = x.data();
  float* py = y.data();
  if (n == 0 || (n == 1 && st[0] == 1)) {  // the order is unchanged
    std::memcpy(py, px, y.numel() * sizeof(float));
    return y;
  }
  // With input stride 1 on the second-innermost output dim, the two
  // innermost dims are a (batched) matrix transpose: do it in tiles.
  const bool tiled = n >= 2 && st[n - 1] != 1 && st[n - 2] == 1;
  const int outer_rank = tiled ? n - 2 : n - 1;
  const int64_t block = tiled ? dims[n - 2] * dims[n - 1] : dims[n - 1];
  const int64_t blocks = y.numel() / block;
  int64_t idx[kMaxRank] = {0};
  int64_t xo = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    float* yb = py + b * block;
    const float* xb = px + xo;
    if (tiled) {
      TransposeBlock(xb, dims[n - 2], dims[n - 1], st[n - 1], yb);
    } else {
      const int64_t s = st[n - 1];
      for (int64_t k = 0; k < block; ++k) yb[k] = xb[k * s];
    }
    for (int d = outer_rank - 1; d >= 0; --d) {
      xo += st[d];
      if (++idx[d] < dims[d]) break;
      xo -= st[d] * dims[d];
      idx[d] = 0;
    }
  }
  return y;
}

// The rows [start, end) of axis `axis` of plain x, copied out (or, with
// `scatter`, dst's rows [start, end) overwritten by src). Shapes are
// "outer x dim x inner" with inner the product of the trailing dims.
void CopyAxisRange(const float* src, int64_t src_dim, float* dst, int64_t dst_dim, int64_t outer,
                   int64_t inner, int64_t src_start, int64_t dst_start, int64_t count) {
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(dst + (o * dst_dim + dst_start) * inner, src + (o * src_dim + src_start) * inner,
                count * inner * sizeof(float));
  }
}

int64_t Prod(const Shape& s, int begin, int end) {
  int64_t p = 1;
  for (int i = begin; i < end; ++i) p *= s[i];
  return p;
}

}  // namespace

Variable Reshape(const Variable& x, Shape shape) {
  const Shape requested = shape;
  int infer = -1;
  int64_t known = 1;
  bool ok = true;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && infer < 0) {
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      ok = false;  // a second -1, or another negative dim
    } else {
      known *= shape[i];
    }
  }
  if (ok && infer >= 0) {
    ok = known > 0 && x.numel() % known == 0;
    if (ok) shape[infer] = x.numel() / known;
  }
  SIAMESE_CHECK(ok && NumElements(shape) == x.numel())
      << "reshape: cannot view " << x.value().ShapeString() << " as " << ShapeToString(requested);
  Tensor y = x.value().ToPlain().Reshape(shape);
  return RecordOp("reshape", {x}, y,
                  [x](const Tensor& dy) { x.AccumulateGrad(dy.ToPlain().Reshape(x.shape())); });
}

Variable Flatten(const Variable& x, int start_axis) {
  const int r = x.rank();
  const int s = NormalizeAxis("flatten", start_axis, r);
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  shape.push_back(Prod(x.shape(), s, r));
  return Reshape(x, shape);
}

Variable Permute(const Variable& x, const std::vector<int>& perm) {
  const int r = x.rank();
  std::vector<bool> seen(r, false);
  bool ok = static_cast<int>(perm.size()) == r;
  for (int p : perm) {
    ok = ok && p >= 0 && p < r && !seen[p];
    if (ok) seen[p] = true;
  }
  SIAMESE_CHECK(ok) << "permute: bad permutation " << ListString(perm) << " for "
                    << x.value().ShapeString();
  std::vector<int> inverse(r);
  for (int i = 0; i < r; ++i) inverse[perm[i]] = i;
  Tensor y = PermuteTensor(x.value().ToPlain(), perm);
  return RecordOp("permute", {x}, y, [x, inverse](const Tensor& dy) {
    x.AccumulateGrad(PermuteTensor(dy.ToPlain(), inverse));
  });
}

Variable Transpose(const Variable& x, int a, int b) {
  const int r = x.rank();
  std::vector<int> perm(r);
  for (int i = 0; i < r; ++i) perm[i] = i;
  std::swap(perm[NormalizeAxis("transpose", a, r)], perm[NormalizeAxis("transpose", b, r)]);
  return Permute(x, perm);
}

Variable Concat(const std::vector<Variable>& xs, int axis) {
  SIAMESE_CHECK(!xs.empty()) << "concat: no inputs";
  const Shape& first = xs[0].shape();
  const int r = static_cast<int>(first.size());
  const int a = NormalizeAxis("concat", axis, r);
  Shape out = first;
  out[a] = 0;
  for (const Variable& x : xs) {
    bool ok = x.rank() == r;
    for (int i = 0; ok && i < r; ++i) ok = i == a || x.shape()[i] == first[i];
    SIAMESE_CHECK(ok) << "concat: cannot concatenate " << ShapeToString(first) << " with "
                      << x.value().ShapeString() << " along axis " << a;
    out[a] += x.shape()[a];
  }
  const int64_t outer = Prod(out, 0, a), inner = Prod(out, a + 1, r);
  Tensor y = Tensor::Empty(out);
  std::vector<int64_t> offsets;  // start of each input along the axis
  int64_t offset = 0;
  for (const Variable& x : xs) {
    Tensor xv = x.value().ToPlain();
    CopyAxisRange(xv.data(), x.shape()[a], y.data(), out[a], outer, inner, 0, offset, x.shape()[a]);
    offsets.push_back(offset);
    offset += x.shape()[a];
  }
  return RecordOp("concat", xs, y, [xs, offsets, a, outer, inner](const Tensor& dy_any) {
    Tensor dy = dy_any.ToPlain();
    const int64_t total = dy.shape()[a];
    for (size_t k = 0; k < xs.size(); ++k) {
      if (!xs[k].requires_grad()) continue;
      const int64_t d = xs[k].shape()[a];
      Tensor g = Tensor::Empty(xs[k].shape());
      CopyAxisRange(dy.data(), total, g.data(), d, outer, inner, offsets[k], 0, d);
      xs[k].AccumulateGrad(g);
    }
  });
}

Variable Slice(const Variable& x, int axis, int64_t start, int64_t end) {
  const int r = x.rank();
  const int a = NormalizeAxis("slice", axis, r);
  const int64_t dim = x.shape()[a];
  SIAMESE_CHECK(0 <= start && start <= end && end <= dim)
      << "slice: [" << start << ", " << end << ") out of range for axis " << a << " of "
      << x.value().ShapeString();
  Shape out = x.shape();
  out[a] = end - start;
  const int64_t outer = Prod(out, 0, a), inner = Prod(out, a + 1, r);
  Tensor y = Tensor::Empty(out);
  CopyAxisRange(x.value().ToPlain().data(), dim, y.data(), end - start, outer, inner, start, 0,
                end - start);
  return RecordOp("slice", {x}, y, [x, dim, start, end, outer, inner](const Tensor& dy) {
    Tensor g = Tensor::Zeros(x.shape());
    CopyAxisRange(dy.ToPlain().data(), end - start, g.data(), dim, outer, inner, 0, start,
                  end - start);
    x.AccumulateGrad(g);
  });
}

Variable GatherRows(const Variable& x, const std::vector<int64_t>& rows) {
  SIAMESE_CHECK(x.rank() >= 1) << "gather_rows: input " << x.value().ShapeString()
                               << " has no rows";
  const int64_t n = x.dim(0);
  for (int64_t row : rows) {
    SIAMESE_CHECK(row >= 0 && row < n)
        << "gather_rows: row " << row << " out of range for " << x.value().ShapeString();
  }
  const int64_t width = n > 0 ? x.numel() / n : Prod(x.shape(), 1, x.rank());
  Shape out = x.shape();
  out[0] = static_cast<int64_t>(rows.size());
  Tensor xv = x.value().ToPlain();
  Tensor y = Tensor::Empty(out);
  for (size_t i = 0; i < rows.size(); ++i) {
    std::memcpy(y.data() + i * width, xv.data() + rows[i] * width, width * sizeof(float));
  }
  return RecordOp("gather_rows", {x}, y, [x, rows, width](const Tensor& dy_any) {
    Tensor dy = dy_any.ToPlain();
    Tensor g = Tensor::Zeros(x.shape());
    float* pg = g.data();
    const float* pdy = dy.data();
    for (size_t i = 0; i < rows.size(); ++i) {
      float* dst = pg + rows[i] * width;
      const float* src = pdy + i * width;
      for (int64_t k = 0; k < width; ++k) dst[k] += src[k];
    }
    x.AccumulateGrad(g);
  });
}

}  // namespace siamese
