#include "framework/ops/linear.h"

#include <algorithm>

#include "framework/ops/frozen_weights.h"
#include "framework/ops/op_util.h"

namespace siamese {
namespace {

// ---------------------------------------------------------------------------
// Linear (oneDNN inner_product).

// The weight viewed with x's spatial dims ([O, C, H, W] for a 4-D x); the
// bytes are those of the row-major [O, F] parameter.
Shape WeightShapeFor(const Tensor& x, int64_t out) {
  Shape s = x.shape();
  s[0] = out;
  return s;
}

struct IpFwd {
  dnnl::inner_product_forward::primitive_desc pd;
  dnnl::inner_product_forward prim;
};

// The src descriptor the primitives are made with: x's own layout in
// float32 (consecutive layers hand data over without a reorder); in bf16 the
// primitive chooses (x is converted anyway).
dnnl::memory::desc SrcDescFor(const Tensor& x, MatrixPrecision mp) {
  return mp == MatrixPrecision::kFloat32 ? x.desc() : AnyDesc(x.shape(), OperandType(mp));
}

// The forward_training primitive: src (see SrcDescFor) and weights in mp's
// operand type, bias and dst in float32.
IpFwd& LinearForwardPrimitive(const dnnl::memory::desc& src, const Shape& w_shape, bool has_bias,
                              MatrixPrecision mp) {
  const int64_t out = w_shape[0];
  PrimitiveKey key("linear_fwd");
  key.Add(src).Add(w_shape).Add(static_cast<int64_t>(has_bias)).Add(static_cast<int64_t>(mp));
  return PrimitiveCache::GetOrCreate<IpFwd>(key, [&] {
        dnnl::memory::desc w = AnyDesc(w_shape, OperandType(mp));
        dnnl::memory::desc dst = AnyDesc({src.dims()[0], out});
        auto d = has_bias ? dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_training,
                                                              src, w, PlainDesc({out}), dst)
                          : dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_training,
                                                              src, w, dst);
        dnnl::inner_product_forward::primitive_desc pd(d, CpuEngine());
        return IpFwd{pd, dnnl::inner_product_forward(pd)};
      });
}

// act(x . W^T + b) on a forward_inference primitive with act as a post-op
// (on the kernel and layouts of the forward_training one, see
// UseImplementationOf), without a backward.
Tensor LinearInference(const Tensor& x, const Tensor& w, const Tensor& b, const Activation& act,
                       MatrixPrecision mp) {
  const Shape w_shape = WeightShapeFor(x, w.dim(0));
  const bool has_bias = b.defined();
  const dnnl::memory::desc src = SrcDescFor(x, mp);
  PrimitiveKey key("linear_fwd_inference");
  key.Add(src).Add(w_shape).Add(static_cast<int64_t>(has_bias)).Add(static_cast<int64_t>(mp));
  ops_internal::AddToKey(act, &key);
  IpFwd& p = PrimitiveCache::GetOrCreate<IpFwd>(key, [&] {
    const int64_t out = w_shape[0];
    const auto kind = dnnl::prop_kind::forward_inference;
    dnnl::memory::desc wd = AnyDesc(w_shape, OperandType(mp));
    dnnl::memory::desc dst = AnyDesc({src.dims()[0], out});
    auto d = has_bias ? dnnl::inner_product_forward::desc(kind, src, wd, PlainDesc({out}), dst)
                      : dnnl::inner_product_forward::desc(kind, src, wd, dst);
    dnnl::inner_product_forward::primitive_desc pd(d, ops_internal::PostOpAttr(act), CpuEngine());
    UseImplementationOf(LinearForwardPrimitive(src, w_shape, has_bias, mp).pd, &pd);
    return IpFwd{pd, dnnl::inner_product_forward(pd)};
  });
  Tensor xl = x.ToLayout(p.pd.src_desc());
  Tensor wl = ops_internal::WeightInLayout(w.Reshape(w_shape), p.pd.weights_desc());
  Tensor y = Tensor::EmptyWithLayout({x.dim(0), w.dim(0)}, p.pd.dst_desc());
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, xl.memory()}, {DNNL_ARG_WEIGHTS, wl.memory()}, {DNNL_ARG_DST, y.memory()}};
  if (has_bias) args[DNNL_ARG_BIAS] = b.memory();
  Execute(p.prim, args);
  return y.ToPlain();
}

// y = x . W^T + b; *xs receives x as the primitive read it (x itself in
// float32, its bf16 copy in bf16), saved for the weight gradient.
Tensor LinearForward(const Tensor& x, const Tensor& w, const Tensor& b, MatrixPrecision mp,
                     Tensor* xs) {
  const Shape w_shape = WeightShapeFor(x, w.dim(0));
  IpFwd& p = LinearForwardPrimitive(SrcDescFor(x, mp), w_shape, b.defined(), mp);
  *xs = x.ToLayout(p.pd.src_desc());
  Tensor wl = w.Reshape(w_shape).ToLayout(p.pd.weights_desc());
  Tensor y = Tensor::EmptyWithLayout({x.dim(0), w.dim(0)}, p.pd.dst_desc());
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, xs->memory()}, {DNNL_ARG_WEIGHTS, wl.memory()}, {DNNL_ARG_DST, y.memory()}};
  if (b.defined()) args[DNNL_ARG_BIAS] = b.memory();
  Execute(p.prim, args);
  return y.ToPlain();
}

// The row-major descriptor of dy in mp's operand type.
dnnl::memory::desc DiffDstDesc(const Tensor& dy, MatrixPrecision mp) {
  return WithDataType(PlainDesc(dy.shape()), OperandType(mp));
}

// dx = dy . W in float32: in x's layout in float32, in the primitive's
// choice in bf16 (dy and W read as bf16).
Tensor LinearBackwardData(const Tensor& x, const Tensor& w, const Tensor& dy, bool has_bias,
                          MatrixPrecision mp) {
  const Shape w_shape = WeightShapeFor(x, w.dim(0));
  const dnnl::memory::desc src = SrcDescFor(x, mp);
  using Bwd = CachedPrimitive<dnnl::inner_product_backward_data::primitive_desc,
                              dnnl::inner_product_backward_data>;
  PrimitiveKey key("linear_bwd_data");
  key.Add(src).Add(w_shape).Add(int64_t{has_bias}).Add(static_cast<int64_t>(mp));
  Bwd& p = PrimitiveCache::GetOrCreate<Bwd>(key, [&] {
    IpFwd& f = LinearForwardPrimitive(src, w_shape, has_bias, mp);
    const dnnl::memory::desc diff_src =
        mp == MatrixPrecision::kFloat32 ? x.desc() : AnyDesc(x.shape());
    dnnl::inner_product_backward_data::desc d(diff_src, AnyDesc(w_shape, OperandType(mp)),
                                              DiffDstDesc(dy, mp));
    dnnl::inner_product_backward_data::primitive_desc pd(d, CpuEngine(), f.pd);
    return Bwd{pd, dnnl::inner_product_backward_data(pd)};
  });
  Tensor wl = w.Reshape(w_shape).ToLayout(p.pd.weights_desc());
  Tensor dyp = dy.ToLayout(p.pd.diff_dst_desc());
  Tensor dx = Tensor::EmptyWithLayout(x.shape(), p.pd.diff_src_desc());
  Execute(p.prim, {{DNNL_ARG_DIFF_DST, dyp.memory()},
                   {DNNL_ARG_WEIGHTS, wl.memory()},
                   {DNNL_ARG_DIFF_SRC, dx.memory()}});
  return dx;
}

// dW = dy^T . x and db = sum_n dy in float32, with dW returned as the plain
// [O, F]. xs: x as the forward read it (LinearForward).
void LinearBackwardWeights(const Tensor& xs, const Tensor& dy, int64_t out, bool has_bias,
                           MatrixPrecision mp, Tensor* dw, Tensor* db) {
  const Tensor& x = xs;
  const Shape w_shape = WeightShapeFor(x, out);
  using Bwd = CachedPrimitive<dnnl::inner_product_backward_weights::primitive_desc,
                              dnnl::inner_product_backward_weights>;
  PrimitiveKey key("linear_bwd_weights");
  key.Add(x.desc()).Add(w_shape).Add(int64_t{has_bias}).Add(static_cast<int64_t>(mp));
  Bwd& p = PrimitiveCache::GetOrCreate<Bwd>(key, [&] {
    // The forward's descriptor (in float32 xs is x itself, so its desc).
    IpFwd& f = LinearForwardPrimitive(SrcDescFor(x, mp), w_shape, has_bias, mp);
    const dnnl::memory::desc dd = DiffDstDesc(dy, mp);
    auto d = has_bias ? dnnl::inner_product_backward_weights::desc(x.desc(), AnyDesc(w_shape),
                                                                   PlainDesc({out}), dd)
                      : dnnl::inner_product_backward_weights::desc(x.desc(), AnyDesc(w_shape), dd);
    dnnl::inner_product_backward_weights::primitive_desc pd(d, CpuEngine(), f.pd);
    return Bwd{pd, dnnl::inner_product_backward_weights(pd)};
  });
  Tensor dyp = dy.ToLayout(p.pd.diff_dst_desc());
  Tensor dwl = Tensor::EmptyWithLayout(w_shape, p.pd.diff_weights_desc());
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, x.memory()},
                                                {DNNL_ARG_DIFF_DST, dyp.memory()},
                                                {DNNL_ARG_DIFF_WEIGHTS, dwl.memory()}};
  if (has_bias) {
    *db = Tensor::Empty({out});
    args[DNNL_ARG_DIFF_BIAS] = db->memory();
  }
  Execute(p.prim, args);
  *dw = dwl.ToPlain().Reshape({out, x.numel() / x.dim(0)});
}

// ---------------------------------------------------------------------------
// MatMul (oneDNN matmul; transposes are expressed as strides, never copied).

// Descriptor of op(t) as a [batch..., rows, cols] matrix over t's row-major
// storage of element type `type`.
dnnl::memory::desc MatrixDesc(const Tensor& t, bool transpose, dnnl::memory::data_type type) {
  dnnl::memory::dims dims = ToDims(t.shape());
  dnnl::memory::dims strides(dims.size());
  int64_t s = 1;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    strides[i] = s;
    s *= dims[i];
  }
  const int r = static_cast<int>(dims.size());
  if (transpose) {
    std::swap(dims[r - 1], dims[r - 2]);
    std::swap(strides[r - 1], strides[r - 2]);
  }
  return dnnl::memory::desc(dims, type, strides);
}

// Raw product op(a) . op(b) in float32; a 2-D operand is broadcast over the
// other's batch. In bf16 a and b are rounded to bf16 first (row-major copies).
Tensor MatMulForward(const Tensor& a_in, bool ta, const Tensor& b_in, bool tb,
                     MatrixPrecision mp) {
  Tensor a = a_in.ToPlain(), b = b_in.ToPlain();
  const int r = std::max(a.rank(), b.rank());
  // oneDNN wants equal ranks; a 2-D operand becomes [1, ..., rows, cols].
  auto pad = [r](const Tensor& t) {
    if (t.rank() == r) return t;
    Shape s(r - t.rank(), 1);
    s.insert(s.end(), t.shape().begin(), t.shape().end());
    return t.Reshape(s);
  };
  a = pad(a);
  b = pad(b);
  const dnnl::memory::data_type type = OperandType(mp);
  if (mp != MatrixPrecision::kFloat32) {
    a = a.ToLayout(WithDataType(a.desc(), type));
    b = b.ToLayout(WithDataType(b.desc(), type));
  }
  dnnl::memory::desc ad = MatrixDesc(a, ta, type), bd = MatrixDesc(b, tb, type);
  Shape c_shape(r);
  for (int i = 0; i < r - 2; ++i) c_shape[i] = std::max(a.dim(i), b.dim(i));
  c_shape[r - 2] = ad.dims()[r - 2];
  c_shape[r - 1] = bd.dims()[r - 1];
  using Mm = CachedPrimitive<dnnl::matmul::primitive_desc, dnnl::matmul>;
  Mm& p = PrimitiveCache::GetOrCreate<Mm>(PrimitiveKey("matmul").Add(ad).Add(bd), [&] {
    dnnl::matmul::desc d(ad, bd, PlainDesc(c_shape));
    dnnl::matmul::primitive_desc pd(d, CpuEngine());
    return Mm{pd, dnnl::matmul(pd)};
  });
  Tensor c = Tensor::Empty(c_shape);
  Execute(p.prim, {{DNNL_ARG_SRC, dnnl::memory(ad, CpuEngine(), const_cast<float*>(a.raw()))},
                   {DNNL_ARG_WEIGHTS, dnnl::memory(bd, CpuEngine(), const_cast<float*>(b.raw()))},
                   {DNNL_ARG_DST, c.memory()}});
  return c;
}

// Sums a [B..., R, C] tensor over its batch dims into [R, C].
Tensor SumBatches(const Tensor& t) {
  const int64_t rows = t.dim(-2), cols = t.dim(-1);
  const int64_t batches = t.numel() / (rows * cols);
  Tensor out = Tensor::Zeros({rows, cols});
  const float* src = t.data();
  float* dst = out.data();
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t i = 0; i < rows * cols; ++i) dst[i] += src[b * rows * cols + i];
  }
  return out;
}

}  // namespace

Variable Linear(const Variable& x, const Variable& weight, const Variable& bias,
                const Activation& act) {
  const Tensor& xv = x.value();
  const Tensor& wv = weight.value();
  SIAMESE_CHECK(xv.rank() >= 2 && wv.rank() == 2 && wv.dim(1) == xv.numel() / xv.dim(0))
      << "linear: input " << xv.ShapeString() << " and weight " << wv.ShapeString()
      << " do not match (weight must be [out, prod(input.shape[1:])])";
  const bool has_bias = bias.defined();
  if (has_bias) {
    SIAMESE_CHECK(bias.shape() == Shape{wv.dim(0)})
        << "linear: bias " << bias.value().ShapeString() << " for weight " << wv.ShapeString();
  }
  const MatrixPrecision mp = CurrentMatrixPrecision();
  if (!NeedsGrad({x, weight, bias})) {
    return Variable(LinearInference(xv, wv, has_bias ? bias.value() : Tensor(), act, mp));
  }
  // A backward follows: the layer and the activation as two ops.
  if (!act.is_none()) return Activate(Linear(x, weight, bias, Activation::None()), act);
  Tensor xs;
  Tensor y = LinearForward(xv, wv, has_bias ? bias.value() : Tensor(), mp, &xs);
  std::vector<Variable> inputs = {x, weight};
  if (has_bias) inputs.push_back(bias);
  return RecordOp("linear", inputs, y, [x, weight, bias, has_bias, xs, mp](const Tensor& dy) {
    if (x.requires_grad()) {
      x.AccumulateGrad(LinearBackwardData(x.value(), weight.value(), dy, has_bias, mp));
    }
    if (weight.requires_grad() || (has_bias && bias.requires_grad())) {
      Tensor dw, db;
      LinearBackwardWeights(xs, dy, weight.dim(0), has_bias, mp, &dw, &db);
      weight.AccumulateGrad(dw);
      if (has_bias) bias.AccumulateGrad(db);
    }
  });
}

Variable MatMul(const Variable& a, const Variable& b, bool transpose_a, bool transpose_b) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const int r = static_cast<int>(as.size());
  bool ok = r >= 2 && r <= 4 && bs.size() >= 2 && (bs.size() == as.size() || bs.size() == 2);
  if (ok && bs.size() == as.size()) ok = std::equal(as.begin(), as.end() - 2, bs.begin());
  if (ok) {
    const int64_t ka = transpose_a ? as[r - 2] : as[r - 1];
    const int64_t kb = transpose_b ? bs[bs.size() - 1] : bs[bs.size() - 2];
    ok = ka == kb;
  }
  SIAMESE_CHECK(ok) << "matmul: cannot multiply " << ShapeToString(as) << (transpose_a ? "^T" : "")
                    << " by " << ShapeToString(bs) << (transpose_b ? "^T" : "");
  const bool b_shared = bs.size() < as.size();
  const MatrixPrecision mp = CurrentMatrixPrecision();
  Tensor c = MatMulForward(a.value(), transpose_a, b.value(), transpose_b, mp);
  return RecordOp("matmul", {a, b}, c,
                  [a, b, transpose_a, transpose_b, b_shared, mp](const Tensor& dc) {
                    const bool ta = transpose_a, tb = transpose_b;
                    // With C = op(A) op(B): d op(A) = dC op(B)^T and d op(B) = op(A)^T dC.
                    if (a.requires_grad()) {
                      a.AccumulateGrad(ta ? MatMulForward(b.value(), tb, dc, true, mp)
                                          : MatMulForward(dc, false, b.value(), !tb, mp));
                    }
                    if (b.requires_grad()) {
                      Tensor db = tb ? MatMulForward(dc, true, a.value(), ta, mp)
                                     : MatMulForward(a.value(), !ta, dc, false, mp);
                      b.AccumulateGrad(b_shared ? SumBatches(db) : db);
                    }
                  });
}

}  // namespace siamese
