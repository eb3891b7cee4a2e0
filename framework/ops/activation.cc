#include "framework/ops/activation.h"

#include "framework/ops/gelu_kernel.h"
#include "framework/ops/op_util.h"

namespace siamese {
namespace {

using dnnl::algorithm;
using EltwiseFwd = CachedPrimitive<dnnl::eltwise_forward::primitive_desc, dnnl::eltwise_forward>;
using EltwiseBwd = CachedPrimitive<dnnl::eltwise_backward::primitive_desc, dnnl::eltwise_backward>;

// y = f(x), in x's layout. forward_inference when no backward will run
// (same values: the prop kind only tells oneDNN whether to keep anything for
// a backward).
Tensor EltwiseForward(algorithm alg, float alpha, float beta, const Tensor& x, bool need_grad) {
  const dnnl::memory::desc& md = x.desc();
  const dnnl::prop_kind prop = ForwardKind(need_grad);
  EltwiseFwd& p = PrimitiveCache::GetOrCreate<EltwiseFwd>(
      PrimitiveKey("eltwise_fwd")
          .Add(static_cast<int64_t>(prop))
          .Add(static_cast<int64_t>(alg))
          .Add(alpha)
          .Add(beta)
          .Add(md),
      [&] {
        dnnl::eltwise_forward::desc d(prop, alg, md, alpha, beta);
        dnnl::eltwise_forward::primitive_desc pd(d, CpuEngine());
        return EltwiseFwd{pd, dnnl::eltwise_forward(pd)};
      });
  Tensor y = Tensor::EmptyWithLayout(x.shape(), md);
  Execute(p.prim, {{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, y.memory()}});
  return y;
}

// dx = f'(x) * dy, in x's layout.
Tensor EltwiseBackward(algorithm alg, float alpha, float beta, const Tensor& x,
                       const Tensor& dy_any) {
  const dnnl::memory::desc& md = x.desc();
  Tensor dy = dy_any.ToLayout(md);
  EltwiseBwd& p = PrimitiveCache::GetOrCreate<EltwiseBwd>(
      PrimitiveKey("eltwise_bwd").Add(static_cast<int64_t>(alg)).Add(alpha).Add(beta).Add(md), [&] {
        dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training, alg, md, alpha, beta);
        dnnl::eltwise_forward::primitive_desc fpd(fd, CpuEngine());
        dnnl::eltwise_backward::desc d(alg, md, md, alpha, beta);
        dnnl::eltwise_backward::primitive_desc pd(d, CpuEngine(), fpd);
        return EltwiseBwd{pd, dnnl::eltwise_backward(pd)};
      });
  Tensor dx = Tensor::EmptyWithLayout(x.shape(), md);
  Execute(p.prim, {{DNNL_ARG_SRC, x.memory()},
                   {DNNL_ARG_DIFF_DST, dy.memory()},
                   {DNNL_ARG_DIFF_SRC, dx.memory()}});
  return dx;
}

Variable Eltwise(const char* op, algorithm alg, float alpha, float beta, const Variable& x) {
  Tensor y = EltwiseForward(alg, alpha, beta, x.value(), NeedsGrad({x}));
  return RecordOp(op, {x}, y, [x, alg, alpha, beta](const Tensor& dy) {
    x.AccumulateGrad(EltwiseBackward(alg, alpha, beta, x.value(), dy));
  });
}

// The algorithm, alpha and beta of an activation, as the ops below pass them.
struct EltwiseParams {
  algorithm alg;
  float alpha, beta;
};

EltwiseParams ParamsOf(const Activation& act) {
  switch (act.kind) {
    case Activation::Kind::kRelu:
      return {algorithm::eltwise_relu, 0.f, 0.f};
    case Activation::Kind::kLeakyRelu:
      return {algorithm::eltwise_relu, act.slope, 0.f};
    case Activation::Kind::kGelu:
      return {act.gelu == GeluApproximation::kErf ? algorithm::eltwise_gelu_erf
                                                  : algorithm::eltwise_gelu_tanh,
              0.f, 0.f};
    case Activation::Kind::kNone:
      break;
  }
  SIAMESE_CHECK(false) << "activation: no eltwise algorithm for Activation::None()";
  return {};
}

// GELU (erf) on the framework's own loops (gelu_kernel.h says why), over
// the raw storage in x's layout: blocked padding stays 0 (GELU(0) = 0) and
// its gradient too (the padding of dy is 0).
Variable GeluErf(const Variable& x) {
  const Tensor& xv = x.value();
  Tensor y = Tensor::EmptyWithLayout(xv.shape(), xv.desc());
  ops_internal::GeluErfForward(xv.raw(), xv.raw_size(), y.raw());
  return RecordOp("gelu_erf", {x}, y, [x](const Tensor& dy_any) {
    const Tensor& xv = x.value();
    const Tensor dy = dy_any.ToLayout(xv.desc());
    Tensor dx = Tensor::EmptyWithLayout(xv.shape(), xv.desc());
    ops_internal::GeluErfBackward(xv.raw(), dy.raw(), xv.raw_size(), dx.raw());
    x.AccumulateGrad(dx);
  });
}

}  // namespace

Variable Activate(const Variable& x, const Activation& act) {
  switch (act.kind) {
    case Activation::Kind::kNone:
      return x;
    case Activation::Kind::kRelu:
      return Relu(x);
    case Activation::Kind::kLeakyRelu:
      return LeakyRelu(x, act.slope);
    case Activation::Kind::kGelu:
      return Gelu(x, act.gelu);
  }
  return x;
}

namespace ops_internal {

dnnl::primitive_attr PostOpAttr(const Activation& act) {
  dnnl::primitive_attr attr;
  if (act.is_none()) return attr;
  const EltwiseParams e = ParamsOf(act);
  dnnl::post_ops ops;
  ops.append_eltwise(1.0f, e.alg, e.alpha, e.beta);
  attr.set_post_ops(ops);
  return attr;
}

bool BackwardFromOutput(const Activation& act) {
  return act.kind == Activation::Kind::kRelu ||
         (act.kind == Activation::Kind::kLeakyRelu && act.slope > 0.0f);
}

Tensor ActivationBackwardFromOutput(const Activation& act, const Tensor& y, const Tensor& dy_any) {
  SIAMESE_CHECK(BackwardFromOutput(act))
      << "activation: the gradient of kind " << static_cast<int>(act.kind)
      << " does not follow from its output";
  const float slope = act.kind == Activation::Kind::kLeakyRelu ? act.slope : 0.0f;
  const dnnl::memory::desc& md = y.desc();
  const Tensor dy = dy_any.ToLayout(md);
  const algorithm alg = algorithm::eltwise_relu_use_dst_for_bwd;
  EltwiseBwd& p = PrimitiveCache::GetOrCreate<EltwiseBwd>(
      PrimitiveKey("eltwise_bwd_from_dst").Add(slope).Add(md), [&] {
        dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training, alg, md, slope, 0.f);
        dnnl::eltwise_forward::primitive_desc fpd(fd, CpuEngine());
        dnnl::eltwise_backward::desc d(alg, md, md, slope, 0.f);
        dnnl::eltwise_backward::primitive_desc pd(d, CpuEngine(), fpd);
        return EltwiseBwd{pd, dnnl::eltwise_backward(pd)};
      });
  Tensor dx = Tensor::EmptyWithLayout(y.shape(), md);
  Execute(p.prim, {{DNNL_ARG_DST, y.memory()},
                   {DNNL_ARG_DIFF_DST, dy.memory()},
                   {DNNL_ARG_DIFF_SRC, dx.memory()}});
  return dx;
}

void AddToKey(const Activation& act, PrimitiveKey* key) {
  key->Add(static_cast<int64_t>(act.kind));
  if (act.is_none()) return;
  const EltwiseParams e = ParamsOf(act);
  key->Add(static_cast<int64_t>(e.alg)).Add(e.alpha).Add(e.beta);
}

}  // namespace ops_internal

Variable Relu(const Variable& x) { return Eltwise("relu", algorithm::eltwise_relu, 0.f, 0.f, x); }

Variable LeakyRelu(const Variable& x, float slope) {
  return Eltwise("leaky_relu", algorithm::eltwise_relu, slope, 0.f, x);
}

Variable Gelu(const Variable& x, GeluApproximation approximation) {
  return approximation == GeluApproximation::kErf
             ? GeluErf(x)
             : Eltwise("gelu_tanh", algorithm::eltwise_gelu_tanh, 0.f, 0.f, x);
}

Variable Tanh(const Variable& x) { return Eltwise("tanh", algorithm::eltwise_tanh, 0.f, 0.f, x); }

Variable Sigmoid(const Variable& x) {
  return Eltwise("sigmoid", algorithm::eltwise_logistic, 0.f, 0.f, x);
}

Variable Softplus(const Variable& x) {
  return Eltwise("softplus", algorithm::eltwise_soft_relu, 0.f, 0.f, x);
}

Variable Exp(const Variable& x) { return Eltwise("exp", algorithm::eltwise_exp, 0.f, 0.f, x); }

Variable Log(const Variable& x) { return Eltwise("log", algorithm::eltwise_log, 0.f, 0.f, x); }

Variable Sqrt(const Variable& x) { return Eltwise("sqrt", algorithm::eltwise_sqrt, 0.f, 0.f, x); }

Variable Square(const Variable& x) {
  return Eltwise("square", algorithm::eltwise_square, 0.f, 0.f, x);
}

Variable Clamp(const Variable& x, float lo, float hi) {
  SIAMESE_CHECK(lo <= hi) << "clamp: lo " << lo << " > hi " << hi;
  return Eltwise("clamp", algorithm::eltwise_clip_v2, lo, hi, x);
}

Variable Affine(const Variable& x, float alpha, float beta) {
  return Eltwise("affine", algorithm::eltwise_linear, alpha, beta, x);
}

}  // namespace siamese
