#include "framework/ops/softmax.h"

#include "framework/ops/op_util.h"

namespace siamese {
namespace {

// Forward and backward of softmax (Fwd = softmax_forward) or log-softmax
// (Fwd = logsoftmax_forward); oneDNN 2.6 has them as two primitives with the
// same interface. Both backwards need only y = forward(x):
//   softmax:     dx = y * (dy - sum_axis(dy * y))
//   log-softmax: dx = dy - exp(y) * sum_axis(dy)
template <typename Fwd, typename Bwd, const char* kFwdKey, const char* kBwdKey>
struct SoftmaxKind {
  using FwdPrim = CachedPrimitive<typename Fwd::primitive_desc, Fwd>;
  using BwdPrim = CachedPrimitive<typename Bwd::primitive_desc, Bwd>;

  static typename Fwd::primitive_desc ForwardPd(const dnnl::memory::desc& md, int axis) {
    typename Fwd::desc d(dnnl::prop_kind::forward_training, md, axis);
    return typename Fwd::primitive_desc(d, CpuEngine());
  }

  // y = forward(x), in x's layout.
  static Tensor Forward(const Tensor& x, int axis) {
    const dnnl::memory::desc& md = x.desc();
    FwdPrim& p =
        PrimitiveCache::GetOrCreate<FwdPrim>(PrimitiveKey(kFwdKey).Add(md).Add(int64_t{axis}), [&] {
          typename Fwd::primitive_desc pd = ForwardPd(md, axis);
          return FwdPrim{pd, Fwd(pd)};
        });
    Tensor y = Tensor::EmptyWithLayout(x.shape(), md);
    Execute(p.prim, {{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, y.memory()}});
    return y;
  }

  // dx from y and dy, in y's layout.
  static Tensor Backward(const Tensor& y, const Tensor& dy_any, int axis) {
    const dnnl::memory::desc& md = y.desc();
    Tensor dy = dy_any.ToLayout(md);
    BwdPrim& p =
        PrimitiveCache::GetOrCreate<BwdPrim>(PrimitiveKey(kBwdKey).Add(md).Add(int64_t{axis}), [&] {
          typename Bwd::desc d(md, md, axis);
          typename Bwd::primitive_desc pd(d, CpuEngine(), ForwardPd(md, axis));
          return BwdPrim{pd, Bwd(pd)};
        });
    Tensor dx = Tensor::EmptyWithLayout(y.shape(), md);
    Execute(p.prim, {{DNNL_ARG_DST, y.memory()},
                     {DNNL_ARG_DIFF_DST, dy.memory()},
                     {DNNL_ARG_DIFF_SRC, dx.memory()}});
    return dx;
  }
};

template <typename Kind>
Variable SoftmaxOp(const char* name, const Variable& x, int axis) {
  SIAMESE_CHECK(x.rank() >= 1) << name << ": needs rank >= 1, got " << x.value().ShapeString();
  const int a = NormalizeAxis(name, axis, x.rank());
  Tensor y = Kind::Forward(x.value(), a);
  return RecordOp(name, {x}, y,
                  [x, y, a](const Tensor& dy) { x.AccumulateGrad(Kind::Backward(y, dy, a)); });
}

constexpr char kSoftmaxFwd[] = "softmax_fwd";
constexpr char kSoftmaxBwd[] = "softmax_bwd";
constexpr char kLogSoftmaxFwd[] = "log_softmax_fwd";
constexpr char kLogSoftmaxBwd[] = "log_softmax_bwd";
using SoftmaxImpl =
    SoftmaxKind<dnnl::softmax_forward, dnnl::softmax_backward, kSoftmaxFwd, kSoftmaxBwd>;
using LogSoftmaxImpl = SoftmaxKind<dnnl::logsoftmax_forward, dnnl::logsoftmax_backward,
                                   kLogSoftmaxFwd, kLogSoftmaxBwd>;

}  // namespace

Variable Softmax(const Variable& x, int axis) { return SoftmaxOp<SoftmaxImpl>("softmax", x, axis); }

Variable LogSoftmax(const Variable& x, int axis) {
  return SoftmaxOp<LogSoftmaxImpl>("log_softmax", x, axis);
}

}  // namespace siamese
