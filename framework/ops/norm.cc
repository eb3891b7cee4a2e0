#include "framework/ops/norm.h"

#include "framework/ops/op_util.h"

namespace siamese {
namespace {

using dnnl::normalization_flags;
using dnnl::prop_kind;

// use_scale / use_shift for the affine parameters that are present.
normalization_flags AffineFlags(const Variable& gamma, const Variable& beta) {
  normalization_flags f = normalization_flags::none;
  if (gamma.defined()) f |= normalization_flags::use_scale;
  if (beta.defined()) f |= normalization_flags::use_shift;
  return f;
}

bool Has(normalization_flags flags, normalization_flags bit) {
  return (static_cast<unsigned>(flags) & static_cast<unsigned>(bit)) != 0;
}

// With scale or shift the backward also yields their gradients ("backward");
// without, oneDNN only computes the data gradient ("backward_data").
prop_kind BackwardKind(normalization_flags flags) {
  return Has(flags, normalization_flags::use_scale) || Has(flags, normalization_flags::use_shift)
             ? prop_kind::backward
             : prop_kind::backward_data;
}

void CheckAffine(const char* op, const Variable& p, const char* name, int64_t size,
                 const Tensor& x) {
  if (!p.defined()) return;
  SIAMESE_CHECK(p.shape() == Shape{size})
      << op << ": " << name << " " << p.value().ShapeString() << " does not match input "
      << x.ShapeString() << " (expected [" << size << "])";
}

// The gradients of one normalization step; members for absent parameters
// stay undefined.
struct NormGrads {
  Tensor dx, dgamma, dbeta;
};

// Adds the affine arguments of a forward (SCALE, SHIFT) or a backward (also
// DIFF_SCALE, DIFF_SHIFT, whose tensors it allocates into *grads).
void AddAffineArgs(const Tensor& gamma, const Tensor& beta, bool backward, int64_t size,
                   std::unordered_map<int, dnnl::memory>* args, NormGrads* grads) {
  if (gamma.defined()) {
    (*args)[DNNL_ARG_SCALE] = gamma.memory();
    if (backward) {
      grads->dgamma = Tensor::Empty({size});
      (*args)[DNNL_ARG_DIFF_SCALE] = grads->dgamma.memory();
    }
  }
  if (beta.defined()) {
    // oneDNN 2.6 wants SHIFT on the backward too, although dx does not use it.
    (*args)[DNNL_ARG_SHIFT] = beta.memory();
    if (backward) {
      grads->dbeta = Tensor::Empty({size});
      (*args)[DNNL_ARG_DIFF_SHIFT] = grads->dbeta.memory();
    }
  }
}

// ---------------------------------------------------------------------------
// Layer normalization.

using LnFwd = CachedPrimitive<dnnl::layer_normalization_forward::primitive_desc,
                              dnnl::layer_normalization_forward>;
using LnBwd = CachedPrimitive<dnnl::layer_normalization_backward::primitive_desc,
                              dnnl::layer_normalization_backward>;

dnnl::layer_normalization_forward::primitive_desc LnForwardPd(prop_kind prop,
                                                              const dnnl::memory::desc& md,
                                                              float eps, normalization_flags f) {
  dnnl::layer_normalization_forward::desc d(prop, md, eps, f);
  return dnnl::layer_normalization_forward::primitive_desc(d, CpuEngine());
}

LnFwd& LnForwardPrimitive(prop_kind prop, const dnnl::memory::desc& md, float eps,
                          normalization_flags f) {
  return PrimitiveCache::GetOrCreate<LnFwd>(
      PrimitiveKey("layer_norm_fwd")
          .Add(static_cast<int64_t>(prop))
          .Add(md)
          .Add(eps)
          .Add(static_cast<int64_t>(f)),
      [&] {
        auto pd = LnForwardPd(prop, md, eps, f);
        return LnFwd{pd, dnnl::layer_normalization_forward(pd)};
      });
}

// dx, dgamma, dbeta from the plain input x (as [rows, D]), its row statistics
// and dy.
NormGrads LnBackward(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& gamma,
                     const Tensor& beta, const Tensor& dy_any, float eps, normalization_flags f) {
  const dnnl::memory::desc& md = x.desc();
  const prop_kind prop = BackwardKind(f);
  LnBwd& p = PrimitiveCache::GetOrCreate<LnBwd>(
      PrimitiveKey("layer_norm_bwd").Add(md).Add(eps).Add(static_cast<int64_t>(f)), [&] {
        dnnl::layer_normalization_backward::desc d(prop, md, md, eps, f);
        dnnl::layer_normalization_backward::primitive_desc pd(
            d, CpuEngine(), LnForwardPd(prop_kind::forward_training, md, eps, f));
        return LnBwd{pd, dnnl::layer_normalization_backward(pd)};
      });
  Tensor dy = dy_any.ToPlain().Reshape(x.shape());
  NormGrads g;
  g.dx = Tensor::Empty(x.shape());
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, x.memory()},
                                                {DNNL_ARG_MEAN, mean.memory()},
                                                {DNNL_ARG_VARIANCE, var.memory()},
                                                {DNNL_ARG_DIFF_DST, dy.memory()},
                                                {DNNL_ARG_DIFF_SRC, g.dx.memory()}};
  AddAffineArgs(gamma, beta, /*backward=*/true, x.dim(-1), &args, &g);
  Execute(p.prim, args);
  return g;
}

// ---------------------------------------------------------------------------
// Batch normalization.

using BnFwd = CachedPrimitive<dnnl::batch_normalization_forward::primitive_desc,
                              dnnl::batch_normalization_forward>;
using BnBwd = CachedPrimitive<dnnl::batch_normalization_backward::primitive_desc,
                              dnnl::batch_normalization_backward>;

dnnl::batch_normalization_forward::primitive_desc BnForwardPd(prop_kind prop,
                                                              const dnnl::memory::desc& md,
                                                              float eps, normalization_flags f) {
  dnnl::batch_normalization_forward::desc d(prop, md, eps, f);
  return dnnl::batch_normalization_forward::primitive_desc(d, CpuEngine());
}

BnFwd& BnForwardPrimitive(prop_kind prop, const dnnl::memory::desc& md, float eps,
                          normalization_flags f) {
  return PrimitiveCache::GetOrCreate<BnFwd>(
      PrimitiveKey("batch_norm_fwd")
          .Add(static_cast<int64_t>(prop))
          .Add(md)
          .Add(eps)
          .Add(static_cast<int64_t>(f)),
      [&] {
        auto pd = BnForwardPd(prop, md, eps, f);
        return BnFwd{pd, dnnl::batch_normalization_forward(pd)};
      });
}

// dx (in x's layout), dgamma, dbeta. With use_global_stats in f, mean and
// var are constants (evaluation mode); otherwise they are the batch
// statistics of x and the gradient flows through them.
NormGrads BnBackward(const Tensor& x, const Tensor& mean, const Tensor& var, const Tensor& gamma,
                     const Tensor& beta, const Tensor& dy_any, float eps, normalization_flags f) {
  const dnnl::memory::desc& md = x.desc();
  const prop_kind prop = BackwardKind(f);
  BnBwd& p = PrimitiveCache::GetOrCreate<BnBwd>(
      PrimitiveKey("batch_norm_bwd").Add(md).Add(eps).Add(static_cast<int64_t>(f)), [&] {
        dnnl::batch_normalization_backward::desc d(prop, md, md, eps, f);
        dnnl::batch_normalization_backward::primitive_desc pd(
            d, CpuEngine(), BnForwardPd(prop_kind::forward_training, md, eps, f));
        return BnBwd{pd, dnnl::batch_normalization_backward(pd)};
      });
  Tensor dy = dy_any.ToLayout(md);
  NormGrads g;
  g.dx = Tensor::EmptyWithLayout(x.shape(), md);
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, x.memory()},
                                                {DNNL_ARG_MEAN, mean.memory()},
                                                {DNNL_ARG_VARIANCE, var.memory()},
                                                {DNNL_ARG_DIFF_DST, dy.memory()},
                                                {DNNL_ARG_DIFF_SRC, g.dx.memory()}};
  AddAffineArgs(gamma, beta, /*backward=*/true, x.dim(1), &args, &g);
  Execute(p.prim, args);
  return g;
}

void CheckRunningStat(const Tensor* t, const char* name, int64_t c, const Tensor& x) {
  if (t == nullptr) return;
  SIAMESE_CHECK(t->defined() && t->is_plain() && t->shape() == Shape{c})
      << "batch_norm: " << name << " "
      << (t->defined() ? t->ShapeString() : std::string("(undefined)")) << " does not match input "
      << x.ShapeString() << " (expected plain [" << c << "])";
}

}  // namespace

Variable LayerNorm(const Variable& x, const Variable& gamma, const Variable& beta, float eps) {
  const Tensor& xv = x.value();
  SIAMESE_CHECK(xv.rank() >= 1 && xv.rank() <= kMaxRank)
      << "layer_norm: needs rank 1 to 5, got " << xv.ShapeString();
  const int64_t d = xv.dim(-1);
  CheckAffine("layer_norm", gamma, "gamma", d, xv);
  CheckAffine("layer_norm", beta, "beta", d, xv);
  const normalization_flags f = AffineFlags(gamma, beta);
  // oneDNN wants rank >= 2: a [D] input is normalized as [1, D].
  Tensor xp = xv.ToPlain().Reshape(xv.rank() == 1 ? Shape{1, d} : xv.shape());
  Shape stat_shape(xp.shape().begin(), xp.shape().end() - 1);
  const bool need_grad =
      GradEnabled() && (x.requires_grad() || gamma.requires_grad() || beta.requires_grad());
  const prop_kind prop = need_grad ? prop_kind::forward_training : prop_kind::forward_inference;

  // y = (x - mean) / sqrt(var + eps) * gamma + beta, row by row.
  LnFwd& p = LnForwardPrimitive(prop, xp.desc(), eps, f);
  Tensor y = Tensor::Empty(xp.shape());
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, xp.memory()},
                                                {DNNL_ARG_DST, y.memory()}};
  Tensor gp = gamma.defined() ? gamma.value().ToPlain() : Tensor();
  Tensor bp = beta.defined() ? beta.value().ToPlain() : Tensor();
  NormGrads unused;
  AddAffineArgs(gp, bp, /*backward=*/false, d, &args, &unused);
  Tensor mean, var;
  if (need_grad) {
    mean = Tensor::EmptyWithLayout(stat_shape, p.pd.mean_desc());
    var = Tensor::EmptyWithLayout(stat_shape, p.pd.variance_desc());
    args[DNNL_ARG_MEAN] = mean.memory();
    args[DNNL_ARG_VARIANCE] = var.memory();
  }
  Execute(p.prim, args);
  return RecordOp("layer_norm", {x, gamma, beta}, y.Reshape(xv.shape()),
                  [x, gamma, beta, xp, mean, var, gp, bp, eps, f](const Tensor& dy) {
                    NormGrads g = LnBackward(xp, mean, var, gp, bp, dy, eps, f);
                    x.AccumulateGrad(g.dx.Reshape(x.shape()));
                    if (gamma.defined()) gamma.AccumulateGrad(g.dgamma);
                    if (beta.defined()) beta.AccumulateGrad(g.dbeta);
                  });
}

Variable BatchNorm(const Variable& x, const Variable& gamma, const Variable& beta,
                   Tensor* running_mean, Tensor* running_var, bool training, float momentum,
                   float eps) {
  const Tensor& xv = x.value();
  SIAMESE_CHECK(xv.rank() >= 2 && xv.rank() <= kMaxRank)
      << "batch_norm: needs [N, C, ...] of rank 2 to 5, got " << xv.ShapeString();
  const int64_t c = xv.dim(1);
  const int64_t n = xv.numel() / c;  // values per channel
  CheckAffine("batch_norm", gamma, "gamma", c, xv);
  CheckAffine("batch_norm", beta, "beta", c, xv);
  CheckRunningStat(running_mean, "running_mean", c, xv);
  CheckRunningStat(running_var, "running_var", c, xv);
  SIAMESE_CHECK((running_mean == nullptr) == (running_var == nullptr))
      << "batch_norm: give both running_mean and running_var or neither (input " << xv.ShapeString()
      << ")";
  SIAMESE_CHECK(training || running_mean != nullptr)
      << "batch_norm: evaluation mode needs running_mean and running_var (input "
      << xv.ShapeString() << ")";
  SIAMESE_CHECK(!training || n > 1)
      << "batch_norm: training needs more than one value per channel, got input "
      << xv.ShapeString();

  normalization_flags f = AffineFlags(gamma, beta);
  if (!training) f |= normalization_flags::use_global_stats;
  const bool need_grad =
      GradEnabled() && (x.requires_grad() || gamma.requires_grad() || beta.requires_grad());
  // Training must output the batch statistics, hence forward_training even
  // without gradients.
  const prop_kind prop =
      training || need_grad ? prop_kind::forward_training : prop_kind::forward_inference;

  // y = (x - mean) / sqrt(var + eps) * gamma + beta, channel by channel.
  const dnnl::memory::desc& md = xv.desc();
  BnFwd& p = BnForwardPrimitive(prop, md, eps, f);
  Tensor y = Tensor::EmptyWithLayout(xv.shape(), md);
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, xv.memory()},
                                                {DNNL_ARG_DST, y.memory()}};
  Tensor gp = gamma.defined() ? gamma.value().ToPlain() : Tensor();
  Tensor bp = beta.defined() ? beta.value().ToPlain() : Tensor();
  NormGrads unused;
  AddAffineArgs(gp, bp, /*backward=*/false, c, &args, &unused);
  Tensor mean, var;
  if (training) {
    mean = Tensor::EmptyWithLayout({c}, p.pd.mean_desc());
    var = Tensor::EmptyWithLayout({c}, p.pd.variance_desc());
  } else if (need_grad) {
    // Snapshot: the running statistics may change before the backward runs.
    mean = running_mean->Clone();
    var = running_var->Clone();
  } else {
    mean = *running_mean;
    var = *running_var;
  }
  args[DNNL_ARG_MEAN] = mean.memory();
  args[DNNL_ARG_VARIANCE] = var.memory();
  Execute(p.prim, args);

  if (training && running_mean != nullptr) {
    // PyTorch's update; running_var tracks the unbiased variance.
    const float unbias = static_cast<float>(n) / static_cast<float>(n - 1);
    float* rm = running_mean->data();
    float* rv = running_var->data();
    const float* bm = mean.data();
    const float* bv = var.data();
    for (int64_t i = 0; i < c; ++i) {
      rm[i] = (1.0f - momentum) * rm[i] + momentum * bm[i];
      rv[i] = (1.0f - momentum) * rv[i] + momentum * bv[i] * unbias;
    }
  }
  return RecordOp("batch_norm", {x, gamma, beta}, y,
                  [x, gamma, beta, xv, mean, var, gp, bp, eps, f](const Tensor& dy) {
                    NormGrads g = BnBackward(xv, mean, var, gp, bp, dy, eps, f);
                    x.AccumulateGrad(g.dx);
                    if (gamma.defined()) gamma.AccumulateGrad(g.dgamma);
                    if (beta.defined()) beta.AccumulateGrad(g.dbeta);
                  });
}

}  // namespace siamese
