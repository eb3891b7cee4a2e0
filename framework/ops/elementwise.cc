#include "framework/ops/elementwise.h"

#include <algorithm>

#include "framework/ops/activation.h"
#include "framework/ops/op_util.h"
#include "framework/tensor/parallel.h"

namespace siamese {
namespace {

// ---------------------------------------------------------------------------
// Broadcast iteration plan.
//
// The output's dims are coalesced: dims of size 1 are dropped and adjacent
// dims along which each operand is either broadcast in both or in neither are
// merged. What remains is at most kMaxRank dims; each operand has stride 0
// along the dims it is broadcast in and its row-major stride otherwise, so
// the innermost stride is 0 (one value repeated) or 1 (contiguous).
struct Plan {
  int rank = 1;
  int64_t numel = 0;
  int64_t dims[kMaxRank] = {1};
  int64_t stride[2][kMaxRank] = {{1}, {1}};
};

// REQUIRES: s0 and s1 broadcast to out.
Plan MakePlan(const Shape& out, const Shape& s0, const Shape& s1) {
  const Shape* in[2] = {&s0, &s1};
  const int r = static_cast<int>(out.size());
  Plan p;
  p.numel = NumElements(out);
  bool bcast[kMaxRank][2];
  int n = 0;
  for (int i = 0; i < r; ++i) {
    if (out[i] == 1) continue;
    bool b[2];
    for (int k = 0; k < 2; ++k) {
      const int j = i - (r - static_cast<int>(in[k]->size()));
      b[k] = j < 0 || (*in[k])[j] == 1;
    }
    if (n > 0 && b[0] == bcast[n - 1][0] && b[1] == bcast[n - 1][1]) {
      p.dims[n - 1] *= out[i];
    } else {
      p.dims[n] = out[i];
      bcast[n][0] = b[0];
      bcast[n][1] = b[1];
      ++n;
    }
  }
  if (n == 0) {  // a one-element output
    p.dims[0] = 1;
    bcast[0][0] = bcast[0][1] = false;
    n = 1;
  }
  p.rank = n;
  for (int k = 0; k < 2; ++k) {
    int64_t s = 1;
    for (int i = n - 1; i >= 0; --i) {
      p.stride[k][i] = bcast[i][k] ? 0 : s;
      if (!bcast[i][k]) s *= p.dims[i];
    }
  }
  return p;
}

// Calls row(o, a, b) for every innermost row of the output (length
// p.dims[p.rank - 1]) in row-major order, with the offsets of its first
// element in the output and in both operands.
template <typename RowFn>
void ForEachRow(const Plan& p, RowFn row) {
  if (p.numel == 0) return;
  const int last = p.rank - 1;
  const int64_t inner = p.dims[last];
  const int64_t rows = p.numel / inner;
  int64_t idx[kMaxRank] = {0};
  int64_t ao = 0, bo = 0;
  for (int64_t r = 0; r < rows; ++r) {
    row(r * inner, ao, bo);
    for (int d = last - 1; d >= 0; --d) {
      ao += p.stride[0][d];
      bo += p.stride[1][d];
      if (++idx[d] < p.dims[d]) break;
      ao -= p.stride[0][d] * p.dims[d];
      bo -= p.stride[1][d] * p.dims[d];
      idx[d] = 0;
    }
  }
}

bool InnerContiguous(const Plan& p, int k) { return p.stride[k][p.rank - 1] != 0; }

// y = op(a, b) over the plan; a, b index their own (smaller) shapes.
template <typename Op>
Tensor BroadcastForward(const Plan& p, const Shape& out_shape, const float* a, const float* b,
                        Op op) {
  Tensor out = Tensor::Empty(out_shape);
  float* y = out.data();
  const int64_t n = p.dims[p.rank - 1];
  const bool sa = InnerContiguous(p, 0), sb = InnerContiguous(p, 1);
  ForEachRow(p, [&](int64_t o, int64_t ao, int64_t bo) {
    float* yr = y + o;
    const float* ar = a + ao;
    const float* br = b + bo;
    if (sa && sb) {
      for (int64_t k = 0; k < n; ++k) yr[k] = op(ar[k], br[k]);
    } else if (sa) {
      const float bv = *br;
      for (int64_t k = 0; k < n; ++k) yr[k] = op(ar[k], bv);
    } else {
      const float av = *ar;
      for (int64_t k = 0; k < n; ++k) yr[k] = op(av, br[k]);
    }
  });
  return out;
}

// Sum of g(0) + ... + g(n - 1) in double, four interleaved partial sums.
template <typename G>
inline double SumRow(int64_t n, G g) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += g(k);
    s1 += g(k + 1);
    s2 += g(k + 2);
    s3 += g(k + 3);
  }
  for (; k < n; ++k) s0 += g(k);
  return (s0 + s1) + (s2 + s3);
}

// One innermost row of GradToOperand: t (operand T's row) receives
// f(dy, a, b) element-wise, or their sum when T is broadcast along the row.
template <bool SA, bool SB, int T, typename F>
inline void GradRow(int64_t n, const float* d, const float* a, const float* b, float* t,
                    bool assign, F f) {
  auto term = [&](int64_t k) { return f(d[k], SA ? a[k] : a[0], SB ? b[k] : b[0]); };
  if constexpr (T == 0 ? SA : SB) {
    if (assign) {
      for (int64_t k = 0; k < n; ++k) t[k] = term(k);
    } else {
      for (int64_t k = 0; k < n; ++k) t[k] += term(k);
    }
  } else {
    *t += static_cast<float>(SumRow(n, term));
  }
}

// The gradient of operand T (shape `target`): f(dy, a, b) summed over the
// dims along which T is broadcast. dy is the plain output gradient.
template <int T, typename F>
Tensor GradToOperand(const Plan& p, const Shape& target, const float* dy, const float* a,
                     const float* b, F f) {
  // When T is broadcast nowhere every element is written exactly once.
  const bool assign = NumElements(target) == p.numel;
  Tensor g = assign ? Tensor::Empty(target) : Tensor::Zeros(target);
  float* pg = g.data();
  const int64_t n = p.dims[p.rank - 1];
  const bool sa = InnerContiguous(p, 0), sb = InnerContiguous(p, 1);
  ForEachRow(p, [&](int64_t o, int64_t ao, int64_t bo) {
    float* t = pg + (T == 0 ? ao : bo);
    if (sa && sb) {
      GradRow<true, true, T>(n, dy + o, a + ao, b + bo, t, assign, f);
    } else if (sa) {
      GradRow<true, false, T>(n, dy + o, a + ao, b + bo, t, assign, f);
    } else {
      GradRow<false, true, T>(n, dy + o, a + ao, b + bo, t, assign, f);
    }
  });
  return g;
}

// ---------------------------------------------------------------------------
// Binary ops.

enum class Kind { kAdd, kSub, kMul, kDiv };

struct AddOp {
  float operator()(float a, float b) const { return a + b; }
};
struct SubOp {
  float operator()(float a, float b) const { return a - b; }
};
struct MulOp {
  float operator()(float a, float b) const { return a * b; }
};
struct DivOp {
  float operator()(float a, float b) const { return a / b; }
};

// Element-wise loops over large tensors (e.g. a transformer's residual
// [B*S, d]) run in contiguous chunks on the framework's threads; each
// element is computed alone, so any split gives the serial loop's bits.
template <typename Body>
void ForElements(int64_t n, const Body& body) {
  ParallelRows(n, 1, [&](int64_t begin, int64_t end) { body(begin, end); });
}

// out = op(a, b) over the raw storage of two tensors of identical desc.
template <typename Op>
Tensor SameLayout(const Tensor& a, const Tensor& b, Op op) {
  Tensor out = Tensor::EmptyWithLayout(a.shape(), a.desc());
  const float* pa = a.raw();
  const float* pb = b.raw();
  float* po = out.raw();
  ForElements(a.raw_size(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) po[i] = op(pa[i], pb[i]);
  });
  return out;
}

template <typename Op>
Tensor SameLayout3(const Tensor& d, const Tensor& a, const Tensor& b, Op op) {
  Tensor out = Tensor::EmptyWithLayout(a.shape(), a.desc());
  const float* pd = d.raw();
  const float* pa = a.raw();
  const float* pb = b.raw();
  float* po = out.raw();
  ForElements(a.raw_size(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) po[i] = op(pd[i], pa[i], pb[i]);
  });
  return out;
}

Tensor NegateRaw(const Tensor& t) {
  Tensor out = Tensor::EmptyWithLayout(t.shape(), t.desc());
  const float* p = t.raw();
  float* q = out.raw();
  ForElements(t.raw_size(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) q[i] = -p[i];
  });
  return out;
}

// Forward of `kind` on a and b (already checked to broadcast to out_shape).
// Sets *same when both were combined on identical layouts, else fills *plan.
Tensor BinaryForward(Kind kind, Tensor* av, Tensor* bv, const Shape& out_shape, bool* same,
                     Plan* plan) {
  // Same shape and layout: one flat loop over the storage. Blocked division
  // is excluded because the zero padding would become 0 / 0.
  *same = av->shape() == bv->shape() && av->desc() == bv->desc() &&
          (kind != Kind::kDiv || av->is_plain());
  if (!*same) {
    *av = av->ToPlain();
    *bv = bv->ToPlain();
    *same = av->shape() == bv->shape();
  }
  if (*same) {
    switch (kind) {
      case Kind::kAdd:
        return SameLayout(*av, *bv, AddOp());
      case Kind::kSub:
        return SameLayout(*av, *bv, SubOp());
      case Kind::kMul:
        return SameLayout(*av, *bv, MulOp());
      case Kind::kDiv:
        return SameLayout(*av, *bv, DivOp());
    }
  }
  *plan = MakePlan(out_shape, av->shape(), bv->shape());
  const float* a = av->data();
  const float* b = bv->data();
  switch (kind) {
    case Kind::kAdd:
      return BroadcastForward(*plan, out_shape, a, b, AddOp());
    case Kind::kSub:
      return BroadcastForward(*plan, out_shape, a, b, SubOp());
    case Kind::kMul:
      return BroadcastForward(*plan, out_shape, a, b, MulOp());
    case Kind::kDiv:
      return BroadcastForward(*plan, out_shape, a, b, DivOp());
  }
  return Tensor();
}

// Local gradients f(dy, a, b), as lambdas so that the kernels inline them.
constexpr auto kDyTimesB = [](float d, float, float b) { return d * b; };
constexpr auto kDyTimesA = [](float d, float a, float) { return d * a; };
constexpr auto kDyOverB = [](float d, float, float b) { return d / b; };
// d(a / b) / db = -a / b^2, written as -(dy / b) * (a / b) so that b^2
// cannot overflow.
constexpr auto kDivGradB = [](float d, float a, float b) { return -(d / b) * (a / b); };

// Input gradients when both inputs had the same shape and layout: flat loops
// in that layout. av, bv are the forward's inputs (kept for kMul, kDiv only).
void SameLayoutBackward(Kind kind, const Variable& a, const Variable& b, const Tensor& av,
                        const Tensor& bv, const Tensor& dy) {
  switch (kind) {
    case Kind::kAdd:
      a.AccumulateGrad(dy);
      b.AccumulateGrad(dy);
      break;
    case Kind::kSub:
      a.AccumulateGrad(dy);
      if (b.requires_grad()) b.AccumulateGrad(NegateRaw(dy));
      break;
    case Kind::kMul:
      if (a.requires_grad()) a.AccumulateGrad(SameLayout(dy, bv, MulOp()));
      if (b.requires_grad()) b.AccumulateGrad(SameLayout(dy, av, MulOp()));
      break;
    case Kind::kDiv:
      if (a.requires_grad()) a.AccumulateGrad(SameLayout(dy, bv, DivOp()));
      if (b.requires_grad()) b.AccumulateGrad(SameLayout3(dy, av, bv, kDivGradB));
      break;
  }
}

// Input gradients of a broadcast op; dy is plain and has the output's shape.
void BroadcastBackward(Kind kind, const Plan& plan, const Variable& a, const Variable& b,
                       const Tensor& av, const Tensor& bv, const Tensor& dy) {
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  switch (kind) {
    case Kind::kAdd:
    case Kind::kSub:
      if (ga) a.AccumulateGrad(SumTensorTo(dy, a.shape()));
      if (gb) {
        Tensor g = SumTensorTo(dy, b.shape());
        b.AccumulateGrad(kind == Kind::kAdd ? g : NegateRaw(g));
      }
      break;
    case Kind::kMul:
      if (ga) {
        a.AccumulateGrad(
            GradToOperand<0>(plan, a.shape(), dy.data(), av.data(), bv.data(), kDyTimesB));
      }
      if (gb) {
        b.AccumulateGrad(
            GradToOperand<1>(plan, b.shape(), dy.data(), av.data(), bv.data(), kDyTimesA));
      }
      break;
    case Kind::kDiv:
      if (ga) {
        a.AccumulateGrad(
            GradToOperand<0>(plan, a.shape(), dy.data(), av.data(), bv.data(), kDyOverB));
      }
      if (gb) {
        b.AccumulateGrad(
            GradToOperand<1>(plan, b.shape(), dy.data(), av.data(), bv.data(), kDivGradB));
      }
      break;
  }
}

Variable Binary(const char* op, Kind kind, const Variable& a, const Variable& b) {
  const Shape out_shape = BroadcastShapes(op, a.shape(), b.shape());
  Tensor av = a.value(), bv = b.value();
  bool same = false;
  Plan plan;
  Tensor y = BinaryForward(kind, &av, &bv, out_shape, &same, &plan);
  if (kind == Kind::kAdd || kind == Kind::kSub) {  // their gradients need no values
    av = Tensor();
    bv = Tensor();
  }
  const dnnl::memory::desc desc = y.desc();
  return RecordOp(op, {a, b}, y, [=](const Tensor& dy) {
    if (same) {
      SameLayoutBackward(kind, a, b, av, bv, dy.ToLayout(desc));
    } else {
      BroadcastBackward(kind, plan, a, b, av, bv, dy.ToPlain());
    }
  });
}

}  // namespace

Shape BroadcastShapes(const char* op, const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  bool ok = true;
  for (size_t i = 0; i < r; ++i) {
    // Dim i of the output, counted from the end.
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    ok = ok && (da == db || da == 1 || db == 1);
    out[r - 1 - i] = da == 1 ? db : da;
  }
  SIAMESE_CHECK(ok) << op << ": cannot broadcast " << ShapeToString(a) << " with "
                    << ShapeToString(b);
  return out;
}

Tensor BroadcastTensorTo(const Tensor& t, const Shape& shape) {
  SIAMESE_CHECK(BroadcastShapes("broadcast_to", t.shape(), shape) == shape)
      << "broadcast_to: cannot broadcast " << t.ShapeString() << " to " << ShapeToString(shape);
  Tensor x = t.ToPlain();
  if (x.shape() == shape) return x;
  const Plan plan = MakePlan(shape, x.shape(), x.shape());
  return BroadcastForward(plan, shape, x.data(), x.data(), [](float a, float) { return a; });
}

Tensor SumTensorTo(const Tensor& t, const Shape& shape) {
  SIAMESE_CHECK(BroadcastShapes("sum_to", shape, t.shape()) == t.shape())
      << "sum_to: cannot sum " << t.ShapeString() << " to " << ShapeToString(shape);
  Tensor x = t.ToPlain();
  if (x.shape() == shape) return x;
  const Plan plan = MakePlan(x.shape(), shape, x.shape());
  const float* d = x.data();
  return GradToOperand<0>(plan, shape, d, d, d, [](float v, float, float) { return v; });
}

Variable Add(const Variable& a, const Variable& b) { return Binary("add", Kind::kAdd, a, b); }
Variable Sub(const Variable& a, const Variable& b) { return Binary("sub", Kind::kSub, a, b); }
Variable Mul(const Variable& a, const Variable& b) { return Binary("mul", Kind::kMul, a, b); }
Variable Div(const Variable& a, const Variable& b) { return Binary("div", Kind::kDiv, a, b); }

Variable AddScalar(const Variable& x, float s) { return Affine(x, 1.0f, s); }
Variable MulScalar(const Variable& x, float s) { return Affine(x, s, 0.0f); }
Variable RSubScalar(const Variable& x, float s) { return Affine(x, -1.0f, s); }
Variable DivScalar(const Variable& x, float s) { return Affine(x, 1.0f / s, 0.0f); }
Variable Neg(const Variable& x) { return Affine(x, -1.0f, 0.0f); }

Variable BroadcastTo(const Variable& x, const Shape& shape) {
  Tensor y = BroadcastTensorTo(x.value(), shape);
  return RecordOp("broadcast_to", {x}, y,
                  [x](const Tensor& dy) { x.AccumulateGrad(SumTensorTo(dy, x.shape())); });
}

}  // namespace siamese
