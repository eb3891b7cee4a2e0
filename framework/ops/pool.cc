#include "framework/ops/pool.h"

#include <string>
#include <vector>

#include "framework/ops/op_util.h"

namespace siamese {
namespace {

using dnnl::algorithm;
using dnnl::memory;

// The spatial geometry of a 1-D or 2-D pooling.
struct PoolGeometry {
  std::vector<int64_t> kernel, stride, pad;
};

std::string Join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "x" : "") + std::to_string(v[i]);
  return s;
}

// Resolves stride 0 to the kernel, checks the contract of pool.h and returns
// the output shape.
Shape PoolOutputShape(const char* op, const Shape& x, PoolGeometry* g) {
  const size_t spatial = g->kernel.size();
  SIAMESE_CHECK(x.size() == spatial + 2)
      << op << ": input " << ShapeToString(x) << " must have rank " << spatial + 2
      << (spatial == 2 ? " [N, C, H, W]" : " [N, C, L]");
  Shape y = {x[0], x[1]};
  for (size_t i = 0; i < spatial; ++i) {
    if (g->stride[i] == 0) g->stride[i] = g->kernel[i];
  }
  for (size_t i = 0; i < spatial; ++i) {
    SIAMESE_CHECK(g->kernel[i] >= 1 && g->stride[i] >= 1)
        << op << ": kernel " << Join(g->kernel) << " and stride " << Join(g->stride)
        << " must be >= 1";
    SIAMESE_CHECK(g->pad[i] >= 0 && 2 * g->pad[i] <= g->kernel[i])
        << op << ": padding " << Join(g->pad) << " must be in [0, kernel / 2] for kernel "
        << Join(g->kernel);
    const int64_t padded = x[i + 2] + 2 * g->pad[i];
    SIAMESE_CHECK(g->kernel[i] <= padded)
        << op << ": kernel " << Join(g->kernel) << " is larger than the padded input "
        << ShapeToString(x) << " (padding " << Join(g->pad) << ")";
    y.push_back((padded - g->kernel[i]) / g->stride[i] + 1);
  }
  return y;
}

PrimitiveKey PoolKey(const char* name, algorithm alg, const memory::desc& src,
                     const PoolGeometry& g) {
  PrimitiveKey key(name);
  key.Add(static_cast<int64_t>(alg)).Add(src).Add(g.kernel).Add(g.stride).Add(g.pad);
  return key;
}

using PoolFwd = CachedPrimitive<dnnl::pooling_forward::primitive_desc, dnnl::pooling_forward>;
using PoolBwd = CachedPrimitive<dnnl::pooling_backward::primitive_desc, dnnl::pooling_backward>;

memory::dims Dims(const std::vector<int64_t>& v) { return memory::dims(v.begin(), v.end()); }

// The forward primitive runs on src as it is; dst "any" follows src's layout.
// forward_training keeps max pooling's workspace for the backward;
// forward_inference has none.
PoolFwd& ForwardPrimitive(algorithm alg, const memory::desc& src, const Shape& y_shape,
                          const PoolGeometry& g, bool need_grad = true) {
  const dnnl::prop_kind prop = ForwardKind(need_grad);
  const char* name = need_grad ? "pool_fwd" : "pool_fwd_inference";
  return PrimitiveCache::GetOrCreate<PoolFwd>(PoolKey(name, alg, src, g), [&] {
    dnnl::pooling_forward::desc d(prop, alg, src, AnyDesc(y_shape), Dims(g.stride), Dims(g.kernel),
                                  Dims(g.pad), Dims(g.pad));
    dnnl::pooling_forward::primitive_desc pd(d, CpuEngine());
    return PoolFwd{pd, dnnl::pooling_forward(pd)};
  });
}

// A buffer for a oneDNN workspace (bytes of any type), taken from the tensor
// buffer pool; undefined when the primitive needs none.
Tensor WorkspaceFor(const memory::desc& md) {
  const size_t bytes = md.get_size();
  if (bytes == 0) return Tensor();
  return Tensor::Empty({static_cast<int64_t>((bytes + sizeof(float) - 1) / sizeof(float))});
}

memory WorkspaceMemory(const memory::desc& md, const Tensor& ws) {
  return memory(md, CpuEngine(), const_cast<float*>(ws.raw()));
}

// y = pool(x) in the primitive's dst layout; *workspace receives the max
// pooling workspace (undefined for average pooling and without need_grad).
Tensor PoolForward(algorithm alg, const Tensor& x, const Shape& y_shape, const PoolGeometry& g,
                   bool need_grad, Tensor* workspace) {
  PoolFwd& p = ForwardPrimitive(alg, x.desc(), y_shape, g, need_grad);
  Tensor y = Tensor::EmptyWithLayout(y_shape, p.pd.dst_desc());
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, y.memory()}};
  *workspace = WorkspaceFor(p.pd.workspace_desc());
  if (workspace->defined()) {
    args[DNNL_ARG_WORKSPACE] = WorkspaceMemory(p.pd.workspace_desc(), *workspace);
  }
  Execute(p.prim, args);
  return y;
}

// dx (in x's layout): each output gradient goes back to its window's argmax
// (max, read from the workspace) or is spread over the window (average).
Tensor PoolBackward(algorithm alg, const Tensor& x, const Tensor& dy, const Tensor& workspace,
                    const PoolGeometry& g) {
  const memory::desc& src = x.desc();
  PoolBwd& p = PrimitiveCache::GetOrCreate<PoolBwd>(PoolKey("pool_bwd", alg, src, g), [&] {
    PoolFwd& f = ForwardPrimitive(alg, src, dy.shape(), g);
    dnnl::pooling_backward::desc d(alg, src, f.pd.dst_desc(), Dims(g.stride), Dims(g.kernel),
                                   Dims(g.pad), Dims(g.pad));
    dnnl::pooling_backward::primitive_desc pd(d, CpuEngine(), f.pd);
    return PoolBwd{pd, dnnl::pooling_backward(pd)};
  });
  Tensor dyl = dy.ToLayout(p.pd.diff_dst_desc());
  Tensor dx = Tensor::EmptyWithLayout(x.shape(), p.pd.diff_src_desc());
  std::unordered_map<int, memory> args = {{DNNL_ARG_DIFF_DST, dyl.memory()},
                                          {DNNL_ARG_DIFF_SRC, dx.memory()}};
  if (workspace.defined()) {
    args[DNNL_ARG_WORKSPACE] = WorkspaceMemory(p.pd.workspace_desc(), workspace);
  }
  Execute(p.prim, args);
  return dx;
}

Variable PoolNd(const char* op, algorithm alg, const Variable& x, PoolGeometry g) {
  const Shape y_shape = PoolOutputShape(op, x.shape(), &g);
  const bool need_grad = NeedsGrad({x});
  Tensor workspace;
  Tensor y = PoolForward(alg, x.value(), y_shape, g, need_grad, &workspace);
  if (!need_grad) return Variable(y);
  return RecordOp(op, {x}, y, [x, alg, g, workspace](const Tensor& dy) {
    x.AccumulateGrad(PoolBackward(alg, x.value(), dy, workspace, g));
  });
}

algorithm AvgAlgorithm(bool count_include_pad) {
  return count_include_pad ? algorithm::pooling_avg_include_padding
                           : algorithm::pooling_avg_exclude_padding;
}

// Average over all spatial positions, as one pooling window, reshaped to
// plain [N, C].
Variable GlobalAvgPoolNd(const char* op, const Variable& x, size_t spatial) {
  SIAMESE_CHECK(x.rank() == static_cast<int>(spatial) + 2)
      << op << ": input " << x.value().ShapeString() << " must have rank " << spatial + 2
      << (spatial == 2 ? " [N, C, H, W]" : " [N, C, L]");
  const algorithm alg = algorithm::pooling_avg_exclude_padding;
  PoolGeometry g;
  g.kernel.assign(x.shape().begin() + 2, x.shape().end());
  g.stride = g.kernel;
  g.pad.assign(spatial, 0);
  const Shape y_shape = PoolOutputShape(op, x.shape(), &g);  // [N, C, 1(, 1)]
  const bool need_grad = NeedsGrad({x});
  Tensor workspace;
  Tensor y = PoolForward(alg, x.value(), y_shape, g, need_grad, &workspace).ToPlain();
  Tensor out = y.Reshape({x.dim(0), x.dim(1)});
  return RecordOp(op, {x}, out, [x, alg, g, y_shape](const Tensor& dout) {
    Tensor dy = dout.ToPlain().Reshape(y_shape);
    x.AccumulateGrad(PoolBackward(alg, x.value(), dy, Tensor(), g));
  });
}

}  // namespace

Variable MaxPool2d(const Variable& x, const Pool2dOptions& o) {
  return PoolNd(
      "maxpool2d", algorithm::pooling_max, x,
      PoolGeometry{{o.kernel_h, o.kernel_w}, {o.stride_h, o.stride_w}, {o.pad_h, o.pad_w}});
}

Variable AvgPool2d(const Variable& x, const Pool2dOptions& o, bool count_include_pad) {
  return PoolNd(
      "avgpool2d", AvgAlgorithm(count_include_pad), x,
      PoolGeometry{{o.kernel_h, o.kernel_w}, {o.stride_h, o.stride_w}, {o.pad_h, o.pad_w}});
}

Variable GlobalAvgPool2d(const Variable& x) { return GlobalAvgPoolNd("globalavgpool2d", x, 2); }

Variable MaxPool1d(const Variable& x, int64_t kernel, int64_t stride, int64_t padding) {
  return PoolNd("maxpool1d", algorithm::pooling_max, x,
                PoolGeometry{{kernel}, {stride}, {padding}});
}

Variable AvgPool1d(const Variable& x, int64_t kernel, int64_t stride, int64_t padding,
                   bool count_include_pad) {
  return PoolNd("avgpool1d", AvgAlgorithm(count_include_pad), x,
                PoolGeometry{{kernel}, {stride}, {padding}});
}

Variable GlobalAvgPool1d(const Variable& x) { return GlobalAvgPoolNd("globalavgpool1d", x, 1); }

}  // namespace siamese
