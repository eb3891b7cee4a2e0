#include "framework/ops/reduce.h"

#include <limits>
#include <memory>
#include <sstream>

#include "framework/ops/elementwise.h"
#include "framework/ops/op_util.h"

namespace siamese {
namespace {

std::string AxesString(const std::vector<int>& axes) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < axes.size(); ++i) s << (i ? ", " : "") << axes[i];
  s << "]";
  return s.str();
}

struct Reduction {
  std::vector<bool> reduced;  // per axis of x
  Shape keep_shape;           // x's shape with the reduced axes set to 1
  Shape out_shape;            // keep_shape, or without the reduced axes
  int64_t count = 1;          // elements reduced into each output element
};

Reduction Analyze(const char* op, const Shape& x, const std::vector<int>& axes, bool keepdims) {
  const int r = static_cast<int>(x.size());
  Reduction red;
  red.reduced.assign(r, axes.empty());
  for (int axis : axes) {
    const int a = NormalizeAxis(op, axis, r);
    SIAMESE_CHECK(!red.reduced[a]) << op << ": axis " << a << " repeated in " << AxesString(axes)
                                   << " for " << ShapeToString(x);
    red.reduced[a] = true;
  }
  for (int i = 0; i < r; ++i) {
    if (red.reduced[i]) {
      red.count *= x[i];
      red.keep_shape.push_back(1);
      if (keepdims) red.out_shape.push_back(1);
    } else {
      red.keep_shape.push_back(x[i]);
      red.out_shape.push_back(x[i]);
    }
  }
  return red;
}

// Multiplies a tensor this function's caller owns exclusively by s.
void ScaleInPlace(Tensor* t, float s) {
  float* p = t->data();
  const int64_t n = t->numel();
  for (int64_t i = 0; i < n; ++i) p[i] *= s;
}

// Sum (scale 1) or mean (scale 1 / count) over the reduction.
Variable SumOrMean(const char* op, const Variable& x, const std::vector<int>& axes, bool keepdims,
                   bool mean) {
  const Reduction red = Analyze(op, x.shape(), axes, keepdims);
  const float scale = mean ? 1.0f / static_cast<float>(red.count) : 1.0f;
  // SumTensorTo returns x itself when nothing is summed (count 1, scale 1),
  // and a fresh tensor otherwise, which may be scaled in place.
  Tensor y = SumTensorTo(x.value(), red.keep_shape);
  if (scale != 1.0f) ScaleInPlace(&y, scale);
  y = y.Reshape(red.out_shape);
  return RecordOp(op, {x}, y, [x, red, scale](const Tensor& dy) {
    Tensor g = BroadcastTensorTo(dy.ToPlain().Reshape(red.keep_shape), x.shape());
    if (scale != 1.0f) ScaleInPlace(&g, scale);  // count > 1: g is a fresh copy
    x.AccumulateGrad(g);
  });
}

// x's shape coalesced into runs of adjacent kept or adjacent reduced axes
// (size-1 axes dropped), with each run's stride in the output (0 if reduced).
struct Runs {
  int n = 0;
  int64_t dims[kMaxRank];
  int64_t out_stride[kMaxRank];
  bool reduced[kMaxRank];
};

Runs MakeRuns(const Shape& x, const std::vector<bool>& reduced) {
  Runs runs;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == 1) continue;
    if (runs.n > 0 && runs.reduced[runs.n - 1] == reduced[i]) {
      runs.dims[runs.n - 1] *= x[i];
    } else {
      runs.dims[runs.n] = x[i];
      runs.reduced[runs.n] = reduced[i];
      ++runs.n;
    }
  }
  if (runs.n == 0) {
    runs.dims[0] = 1;
    runs.reduced[0] = false;
    runs.n = 1;
  }
  int64_t s = 1;
  for (int i = runs.n - 1; i >= 0; --i) {
    runs.out_stride[i] = runs.reduced[i] ? 0 : s;
    if (!runs.reduced[i]) s *= runs.dims[i];
  }
  return runs;
}

// v replaces the current maximum m: strictly larger, or the first NaN.
inline bool Beats(float v, float m) { return v > m || (v != v && m == m); }

// Index of the first maximal element of row[0, n), n >= 1, where a NaN
// beats every number (so the first NaN wins). Two passes without a loop-
// carried dependency through the index: the maximum over eight lanes, then
// a search for its first occurrence.
int64_t RowArgMax(const float* row, int64_t n) {
  constexpr int kLanes = 8;
  float lane[kLanes];
  for (int l = 0; l < kLanes; ++l) lane[l] = -std::numeric_limits<float>::infinity();
  int nans = 0;
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const float v = row[k + l];
      lane[l] = v > lane[l] ? v : lane[l];
      nans += v != v;
    }
  }
  for (; k < n; ++k) {
    lane[0] = row[k] > lane[0] ? row[k] : lane[0];
    nans += row[k] != row[k];
  }
  float m = lane[0];
  for (int l = 1; l < kLanes; ++l) m = lane[l] > m ? lane[l] : m;
  for (k = 0; k < n; ++k) {
    if (nans > 0 ? row[k] != row[k] : row[k] == m) return k;
  }
  return 0;  // not reached: some element equals m
}

// Max forward: y[o] = max over its group; arg[o] = flat index in x of the
// first element attaining it. Walks x once in row-major order, so an
// element only replaces the running maximum when strictly larger.
void MaxForward(const Tensor& x, const Runs& runs, Tensor* y, std::vector<int64_t>* arg) {
  const float* px = x.data();
  float* py = y->data();
  int64_t* pa = arg->data();
  std::fill(arg->begin(), arg->end(), -1);
  const int last = runs.n - 1;
  const int64_t inner = runs.dims[last];
  const int64_t rows = x.numel() / inner;
  int64_t idx[kMaxRank] = {0};
  int64_t o = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = px + r * inner;
    if (runs.reduced[last]) {
      const int64_t best = RowArgMax(row, inner);
      const float m = row[best];
      if (pa[o] < 0 || Beats(m, py[o])) {
        py[o] = m;
        pa[o] = r * inner + best;
      }
    } else {
      float* yr = py + o;
      int64_t* ar = pa + o;
      for (int64_t k = 0; k < inner; ++k) {
        if (ar[k] < 0 || Beats(row[k], yr[k])) {
          yr[k] = row[k];
          ar[k] = r * inner + k;
        }
      }
    }
    for (int d = last - 1; d >= 0; --d) {
      o += runs.out_stride[d];
      if (++idx[d] < runs.dims[d]) break;
      o -= runs.out_stride[d] * runs.dims[d];
      idx[d] = 0;
    }
  }
}

}  // namespace

Variable Sum(const Variable& x, std::vector<int> axes, bool keepdims) {
  return SumOrMean("sum", x, axes, keepdims, false);
}

Variable Mean(const Variable& x, std::vector<int> axes, bool keepdims) {
  return SumOrMean("mean", x, axes, keepdims, true);
}

Variable SumAll(const Variable& x) { return SumOrMean("sum", x, {}, false, false); }

Variable MeanAll(const Variable& x) { return SumOrMean("mean", x, {}, false, true); }

Variable Max(const Variable& x, std::vector<int> axes, bool keepdims) {
  const Reduction red = Analyze("max", x.shape(), axes, keepdims);
  const int64_t out_numel = NumElements(red.out_shape);
  SIAMESE_CHECK(red.count > 0 || out_numel == 0)
      << "max: reduction over an empty axis of " << x.value().ShapeString();
  Tensor xv = x.value().ToPlain();
  Tensor y = Tensor::Empty(red.out_shape);
  auto arg = std::make_shared<std::vector<int64_t>>(out_numel);
  if (xv.numel() > 0) MaxForward(xv, MakeRuns(xv.shape(), red.reduced), &y, arg.get());
  return RecordOp("max", {x}, y, [x, arg](const Tensor& dy_any) {
    Tensor dy = dy_any.ToPlain();
    Tensor dx = Tensor::Zeros(x.shape());
    float* pdx = dx.data();
    const float* pdy = dy.data();
    // Groups are disjoint, so each input element receives at most one term.
    for (size_t o = 0; o < arg->size(); ++o) pdx[(*arg)[o]] = pdy[o];
    x.AccumulateGrad(dx);
  });
}

}  // namespace siamese
