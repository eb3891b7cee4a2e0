#include "framework/ops/conv.h"

#include <string>
#include <vector>

#include "framework/ops/frozen_weights.h"
#include "framework/ops/op_util.h"

namespace siamese {
namespace {

using dnnl::algorithm;
using dnnl::memory;

// The spatial geometry of a 1-D or 2-D convolution. `dilation` is
// PyTorch-style (1 = dense); oneDNN wants dilation - 1.
struct ConvGeometry {
  std::vector<int64_t> stride, pad, dilation;

  memory::dims Strides() const { return memory::dims(stride.begin(), stride.end()); }
  memory::dims Pads() const { return memory::dims(pad.begin(), pad.end()); }
  memory::dims DnnlDilates() const {
    memory::dims d;
    for (int64_t v : dilation) d.push_back(v - 1);
    return d;
  }
};

std::string Join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "x" : "") + std::to_string(v[i]);
  return s;
}

// Checks the shapes and options and returns the output shape.
Shape ConvOutputShape(const char* op, const Shape& x, const Shape& w, const Variable& bias,
                      const ConvGeometry& g) {
  const size_t rank = g.stride.size() + 2;
  SIAMESE_CHECK(x.size() == rank && w.size() == rank && x[1] == w[1])
      << op << ": input " << ShapeToString(x) << " and weight " << ShapeToString(w)
      << " do not match (need input [N, C, spatial...] and weight [O, C, kernel...] of rank "
      << rank << ")";
  if (bias.defined()) {
    SIAMESE_CHECK(bias.shape() == Shape{w[0]})
        << op << ": bias " << bias.value().ShapeString() << " for weight " << ShapeToString(w);
  }
  Shape y = {x[0], w[0]};
  for (size_t i = 0; i < g.stride.size(); ++i) {
    SIAMESE_CHECK(g.stride[i] >= 1 && g.dilation[i] >= 1 && g.pad[i] >= 0)
        << op << ": stride " << Join(g.stride) << " and dilation " << Join(g.dilation)
        << " must be >= 1 and padding " << Join(g.pad) << " >= 0";
    const int64_t extent = g.dilation[i] * (w[i + 2] - 1) + 1;
    const int64_t padded = x[i + 2] + 2 * g.pad[i];
    SIAMESE_CHECK(extent <= padded)
        << op << ": kernel of weight " << ShapeToString(w) << " (dilation " << Join(g.dilation)
        << ") is larger than the padded input " << ShapeToString(x) << " (padding " << Join(g.pad)
        << ")";
    y.push_back((padded - extent) / g.stride[i] + 1);
  }
  return y;
}

// Everything that selects a convolution primitive: the src layout is "any",
// so dims suffice, with the operands' precision.
PrimitiveKey ConvKey(const char* name, const Shape& x, const Shape& w, bool has_bias,
                     const ConvGeometry& g, MatrixPrecision p) {
  PrimitiveKey key(name);
  key.Add(x).Add(w).Add(int64_t{has_bias}).Add(g.stride).Add(g.pad).Add(g.dilation);
  key.Add(static_cast<int64_t>(p));
  return key;
}

// The primitive descriptor of a forward convolution of kind `kind`: x and w
// in the operand type of precision p (float32 or bf16), b and y in float32.
dnnl::convolution_forward::desc ForwardDesc(dnnl::prop_kind kind, const Shape& x, const Shape& w,
                                            const Shape& y, bool has_bias, const ConvGeometry& g,
                                            MatrixPrecision p) {
  const memory::data_type t = OperandType(p);
  return has_bias ? dnnl::convolution_forward::desc(
                        kind, algorithm::convolution_direct, AnyDesc(x, t), AnyDesc(w, t),
                        PlainDesc({w[0]}), AnyDesc(y), g.Strides(), g.DnnlDilates(), g.Pads(),
                        g.Pads())
                  : dnnl::convolution_forward::desc(kind, algorithm::convolution_direct,
                                                    AnyDesc(x, t), AnyDesc(w, t), AnyDesc(y),
                                                    g.Strides(), g.DnnlDilates(), g.Pads(),
                                                    g.Pads());
}

using ConvFwd =
    CachedPrimitive<dnnl::convolution_forward::primitive_desc, dnnl::convolution_forward>;
using ConvBwdData = CachedPrimitive<dnnl::convolution_backward_data::primitive_desc,
                                    dnnl::convolution_backward_data>;
using ConvBwdWeights = CachedPrimitive<dnnl::convolution_backward_weights::primitive_desc,
                                       dnnl::convolution_backward_weights>;

// The forward_training primitive (the backward primitives' hint).
ConvFwd& ForwardPrimitive(const Shape& x, const Shape& w, const Shape& y, bool has_bias,
                          const ConvGeometry& g, MatrixPrecision p) {
  return PrimitiveCache::GetOrCreate<ConvFwd>(ConvKey("conv_fwd", x, w, has_bias, g, p), [&] {
    dnnl::convolution_forward::primitive_desc pd(
        ForwardDesc(dnnl::prop_kind::forward_training, x, w, y, has_bias, g, p), CpuEngine());
    return ConvFwd{pd, dnnl::convolution_forward(pd)};
  });
}

// The forward_inference primitive with `act` as a post-op, on the kernel and
// layouts of the forward_training one (see UseImplementationOf).
ConvFwd& InferencePrimitive(const Shape& x, const Shape& w, const Shape& y, bool has_bias,
                            const ConvGeometry& g, const Activation& act, MatrixPrecision p) {
  PrimitiveKey key = ConvKey("conv_fwd_inference", x, w, has_bias, g, p);
  ops_internal::AddToKey(act, &key);
  return PrimitiveCache::GetOrCreate<ConvFwd>(key, [&] {
    dnnl::convolution_forward::primitive_desc pd(
        ForwardDesc(dnnl::prop_kind::forward_inference, x, w, y, has_bias, g, p),
        ops_internal::PostOpAttr(act), CpuEngine());
    UseImplementationOf(ForwardPrimitive(x, w, y, has_bias, g, p).pd, &pd);
    return ConvFwd{pd, dnnl::convolution_forward(pd)};
  });
}

// The forward_training primitive with `act` as a post-op (act's backward
// must follow from its output), on the kernel and layouts of the one
// without (see UseImplementationOf): the same y as the two ops in a row
// without a pass over y and without keeping conv(x, w) + b.
ConvFwd& TrainingPrimitiveWith(const Shape& x, const Shape& w, const Shape& y, bool has_bias,
                               const ConvGeometry& g, const Activation& act, MatrixPrecision p) {
  if (act.is_none()) return ForwardPrimitive(x, w, y, has_bias, g, p);
  PrimitiveKey key = ConvKey("conv_fwd_act", x, w, has_bias, g, p);
  ops_internal::AddToKey(act, &key);
  return PrimitiveCache::GetOrCreate<ConvFwd>(key, [&] {
    dnnl::convolution_forward::primitive_desc pd(
        ForwardDesc(dnnl::prop_kind::forward_training, x, w, y, has_bias, g, p),
        ops_internal::PostOpAttr(act), CpuEngine());
    UseImplementationOf(ForwardPrimitive(x, w, y, has_bias, g, p).pd, &pd);
    return ConvFwd{pd, dnnl::convolution_forward(pd)};
  });
}

// act(conv(x, w) + b) in the primitive's dst layout, without a backward.
Tensor ConvInference(const Tensor& x, const Tensor& w, const Tensor& b, const Shape& y_shape,
                     const ConvGeometry& g, const Activation& act, MatrixPrecision mp) {
  ConvFwd& p = InferencePrimitive(x.shape(), w.shape(), y_shape, b.defined(), g, act, mp);
  Tensor xl = x.ToLayout(p.pd.src_desc());
  Tensor wl = ops_internal::WeightInLayout(w, p.pd.weights_desc());
  Tensor y = Tensor::EmptyWithLayout(y_shape, p.pd.dst_desc());
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, xl.memory()}, {DNNL_ARG_WEIGHTS, wl.memory()}, {DNNL_ARG_DST, y.memory()}};
  if (b.defined()) args[DNNL_ARG_BIAS] = b.memory();
  Execute(p.prim, args);
  return y;
}

// y = act(conv(x, w) + b) in the primitive's dst layout; *xs receives x in
// the primitive's src layout and type (saved for the weight gradient).
// REQUIRES: act is none or ops_internal::BackwardFromOutput(act).
Tensor ConvForward(const Tensor& x, const Tensor& w, const Tensor& b, const Shape& y_shape,
                   const ConvGeometry& g, const Activation& act, MatrixPrecision mp, Tensor* xs) {
  ConvFwd& p = TrainingPrimitiveWith(x.shape(), w.shape(), y_shape, b.defined(), g, act, mp);
  *xs = x.ToLayout(p.pd.src_desc());
  Tensor wl = w.ToLayout(p.pd.weights_desc());
  Tensor y = Tensor::EmptyWithLayout(y_shape, p.pd.dst_desc());
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, xs->memory()}, {DNNL_ARG_WEIGHTS, wl.memory()}, {DNNL_ARG_DST, y.memory()}};
  if (b.defined()) args[DNNL_ARG_BIAS] = b.memory();
  Execute(p.prim, args);
  return y;
}

// dx = conv_transpose(dy, w), in the layout the backward-data primitive
// prefers, in float32 (dy and w read in mp's operand type).
Tensor ConvBackwardData(const Shape& x_shape, const Tensor& w, const Tensor& dy, bool has_bias,
                        const ConvGeometry& g, MatrixPrecision mp) {
  ConvBwdData& p = PrimitiveCache::GetOrCreate<ConvBwdData>(
      ConvKey("conv_bwd_data", x_shape, w.shape(), has_bias, g, mp), [&] {
        ConvFwd& f = ForwardPrimitive(x_shape, w.shape(), dy.shape(), has_bias, g, mp);
        const memory::data_type t = OperandType(mp);
        dnnl::convolution_backward_data::desc d(algorithm::convolution_direct, AnyDesc(x_shape),
                                                AnyDesc(w.shape(), t), AnyDesc(dy.shape(), t),
                                                g.Strides(), g.DnnlDilates(), g.Pads(), g.Pads());
        dnnl::convolution_backward_data::primitive_desc pd(d, CpuEngine(), f.pd);
        return ConvBwdData{pd, dnnl::convolution_backward_data(pd)};
      });
  Tensor wl = w.ToLayout(p.pd.weights_desc());
  Tensor dyl = dy.ToLayout(p.pd.diff_dst_desc());
  Tensor dx = Tensor::EmptyWithLayout(x_shape, p.pd.diff_src_desc());
  Execute(p.prim, {{DNNL_ARG_DIFF_DST, dyl.memory()},
                   {DNNL_ARG_WEIGHTS, wl.memory()},
                   {DNNL_ARG_DIFF_SRC, dx.memory()}});
  return dx;
}

// dW[o, c, k] = sum_{n, i} dy[n, o, i] * x[n, c, i*s - p + k*d] (returned plain)
// and db[o] = sum_{n, i} dy[n, o, i], in float32 (x and dy read in mp's
// operand type).
void ConvBackwardWeights(const Tensor& xs, const Shape& w_shape, const Tensor& dy, bool has_bias,
                         const ConvGeometry& g, MatrixPrecision mp, Tensor* dw, Tensor* db) {
  ConvBwdWeights& p = PrimitiveCache::GetOrCreate<ConvBwdWeights>(
      ConvKey("conv_bwd_weights", xs.shape(), w_shape, has_bias, g, mp), [&] {
        ConvFwd& f = ForwardPrimitive(xs.shape(), w_shape, dy.shape(), has_bias, g, mp);
        const auto alg = algorithm::convolution_direct;
        const memory::data_type t = OperandType(mp);
        auto d = has_bias ? dnnl::convolution_backward_weights::desc(
                                alg, AnyDesc(xs.shape(), t), AnyDesc(w_shape),
                                PlainDesc({w_shape[0]}), AnyDesc(dy.shape(), t), g.Strides(),
                                g.DnnlDilates(), g.Pads(), g.Pads())
                          : dnnl::convolution_backward_weights::desc(
                                alg, AnyDesc(xs.shape(), t), AnyDesc(w_shape),
                                AnyDesc(dy.shape(), t), g.Strides(), g.DnnlDilates(), g.Pads(),
                                g.Pads());
        dnnl::convolution_backward_weights::primitive_desc pd(d, CpuEngine(), f.pd);
        return ConvBwdWeights{pd, dnnl::convolution_backward_weights(pd)};
      });
  Tensor xl = xs.ToLayout(p.pd.src_desc());
  Tensor dyl = dy.ToLayout(p.pd.diff_dst_desc());
  Tensor dwl = Tensor::EmptyWithLayout(w_shape, p.pd.diff_weights_desc());
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, xl.memory()},
                                          {DNNL_ARG_DIFF_DST, dyl.memory()},
                                          {DNNL_ARG_DIFF_WEIGHTS, dwl.memory()}};
  if (has_bias) {
    *db = Tensor::Empty({w_shape[0]});
    args[DNNL_ARG_DIFF_BIAS] = db->memory();
  }
  Execute(p.prim, args);
  *dw = dwl.ToPlain();
}

Variable ConvNd(const char* op, const Variable& x, const Variable& weight, const Variable& bias,
                const ConvGeometry& g, const Activation& act) {
  const Shape y_shape = ConvOutputShape(op, x.shape(), weight.shape(), bias, g);
  const bool has_bias = bias.defined();
  const MatrixPrecision mp = CurrentMatrixPrecision();
  if (!NeedsGrad({x, weight, bias})) {
    return Variable(ConvInference(x.value(), weight.value(), has_bias ? bias.value() : Tensor(),
                                  y_shape, g, act, mp));
  }
  // A backward follows. An activation whose gradient needs its input (GELU)
  // runs as a second op; ReLU is a post-op, its gradient taken from y.
  if (!act.is_none() && !ops_internal::BackwardFromOutput(act)) {
    return Activate(ConvNd(op, x, weight, bias, g, Activation::None()), act);
  }
  Tensor xs;
  Tensor y = ConvForward(x.value(), weight.value(), has_bias ? bias.value() : Tensor(), y_shape,
                         g, act, mp, &xs);
  std::vector<Variable> inputs = {x, weight};
  if (has_bias) inputs.push_back(bias);
  // Both backward primitives normally want dy in y's layout, as operands of
  // the forward's precision: reorder (and round) once.
  const memory::desc dy_md = WithDataType(y.desc(), OperandType(mp));
  return RecordOp(op, inputs, y, [x, weight, bias, has_bias, g, xs, dy_md, mp, act,
                                  y](const Tensor& dy_out) {
    // Through the activation first, when it is fused.
    const Tensor dy = (act.is_none() ? dy_out : ops_internal::ActivationBackwardFromOutput(
                                                    act, y, dy_out))
                          .ToLayout(dy_md);
    if (x.requires_grad()) {
      x.AccumulateGrad(ConvBackwardData(x.shape(), weight.value(), dy, has_bias, g, mp));
    }
    if (weight.requires_grad() || (has_bias && bias.requires_grad())) {
      Tensor dw, db;
      ConvBackwardWeights(xs, weight.shape(), dy, has_bias, g, mp, &dw, &db);
      weight.AccumulateGrad(dw);
      if (has_bias) bias.AccumulateGrad(db);
    }
  });
}

}  // namespace

Variable Conv2d(const Variable& x, const Variable& weight, const Variable& bias,
                const Conv2dOptions& o, const Activation& activation) {
  return ConvNd(
      "conv2d", x, weight, bias,
      ConvGeometry{{o.stride_h, o.stride_w}, {o.pad_h, o.pad_w}, {o.dilation_h, o.dilation_w}},
      activation);
}

Variable Conv1d(const Variable& x, const Variable& weight, const Variable& bias,
                const Conv1dOptions& o, const Activation& activation) {
  return ConvNd("conv1d", x, weight, bias, ConvGeometry{{o.stride}, {o.padding}, {o.dilation}},
                activation);
}

}  // namespace siamese
