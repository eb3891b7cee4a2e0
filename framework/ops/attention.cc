#include "framework/ops/attention.h"

#include <cmath>
#include <cstring>

#include "framework/ops/op_util.h"
#include "framework/tensor/parallel.h"

namespace siamese {
namespace {

struct Dims {
  int64_t b, s, h, dh, d;  // d = h * dh
};

// Copies between token-major rows (row b * S + s, `ld` floats wide, the
// heads side by side from column `col`) and a head-major [B * H, S, dh]
// buffer, in parallel over sequences (each writes only its own rows).
void Gather(const float* rows, int64_t ld, int64_t col, const Dims& d, float* heads) {
  ParallelRows(d.b, d.s * d.d, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      for (int64_t s = 0; s < d.s; ++s) {
        const float* src = rows + (b * d.s + s) * ld + col;
        for (int64_t h = 0; h < d.h; ++h) {
          std::memcpy(heads + ((b * d.h + h) * d.s + s) * d.dh, src + h * d.dh,
                      d.dh * sizeof(float));
        }
      }
    }
  });
}

void Scatter(const float* heads, const Dims& d, int64_t ld, int64_t col, float* rows) {
  ParallelRows(d.b, d.s * d.d, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      for (int64_t s = 0; s < d.s; ++s) {
        float* dst = rows + (b * d.s + s) * ld + col;
        for (int64_t h = 0; h < d.h; ++h) {
          std::memcpy(dst + h * d.dh, heads + ((b * d.h + h) * d.s + s) * d.dh,
                      d.dh * sizeof(float));
        }
      }
    }
  });
}

// [batch, rows, cols] over dense storage, read transposed when asked (the
// transpose is a stride, never a copy).
dnnl::memory::desc Batched(int64_t batch, int64_t rows, int64_t cols, bool transpose,
                           dnnl::memory::data_type type = dnnl::memory::data_type::f32) {
  const dnnl::memory::dims strides = transpose ? dnnl::memory::dims{rows * cols, 1, rows}
                                               : dnnl::memory::dims{rows * cols, cols, 1};
  return dnnl::memory::desc({batch, rows, cols}, type, strides);
}

// t as an operand of precision mp: t itself in float32, its bf16 copy
// (oneDNN's reorder, the rounding of every other bf16 operand) in bf16.
Tensor Operand(const Tensor& t, MatrixPrecision mp) {
  return mp == MatrixPrecision::kFloat32 ? t : t.ToLayout(WithDataType(t.desc(), OperandType(mp)));
}

// c[i] = scale * op(a[i]) op(b[i]) for i < batch: op(a) is [m, k] (a stored
// [k, m] when ta), op(b) is [k, n] (b stored [n, k] when tb), c [m, n], in
// float32; a and b are read in mp's operand type (precision.h).
void BatchedMatMul(const Tensor& a, bool ta, const Tensor& b, bool tb, float scale, int64_t batch,
                   int64_t m, int64_t k, int64_t n, float* c, MatrixPrecision mp) {
  const dnnl::memory::data_type t = OperandType(mp);
  const dnnl::memory::desc ad = Batched(batch, m, k, ta, t), bd = Batched(batch, k, n, tb, t);
  const dnnl::memory::desc cd = Batched(batch, m, n, false);
  using Mm = CachedPrimitive<dnnl::matmul::primitive_desc, dnnl::matmul>;
  Mm& p = PrimitiveCache::GetOrCreate<Mm>(
      PrimitiveKey("attention_matmul").Add(ad).Add(bd).Add(scale), [&] {
        dnnl::primitive_attr attr;
        if (scale != 1.0f) attr.set_output_scales(0, {scale});
        dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(ad, bd, cd), attr, CpuEngine());
        return Mm{pd, dnnl::matmul(pd)};
      });
  const dnnl::engine& e = CpuEngine();
  const Tensor a_op = Operand(a, mp), b_op = Operand(b, mp);
  Execute(p.prim, {{DNNL_ARG_SRC, dnnl::memory(ad, e, const_cast<float*>(a_op.raw()))},
                   {DNNL_ARG_WEIGHTS, dnnl::memory(bd, e, const_cast<float*>(b_op.raw()))},
                   {DNNL_ARG_DST, dnnl::memory(cd, e, c)}});
}

// Softmax over the last axis of [rows, n] (oneDNN, as the Softmax op).
dnnl::softmax_forward::primitive_desc SoftmaxPd(const dnnl::memory::desc& md) {
  return {{dnnl::prop_kind::forward_training, md, 1}, CpuEngine()};
}

void SoftmaxForward(const Tensor& x, Tensor* y) {
  using Fwd = CachedPrimitive<dnnl::softmax_forward::primitive_desc, dnnl::softmax_forward>;
  const dnnl::memory::desc& md = x.desc();
  Fwd& p = PrimitiveCache::GetOrCreate<Fwd>(PrimitiveKey("attention_softmax_fwd").Add(md), [&] {
    auto pd = SoftmaxPd(md);
    return Fwd{pd, dnnl::softmax_forward(pd)};
  });
  Execute(p.prim, {{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, y->memory()}});
}

void SoftmaxBackward(const Tensor& y, const Tensor& dy, Tensor* dx) {
  using Bwd = CachedPrimitive<dnnl::softmax_backward::primitive_desc, dnnl::softmax_backward>;
  const dnnl::memory::desc& md = y.desc();
  Bwd& p = PrimitiveCache::GetOrCreate<Bwd>(PrimitiveKey("attention_softmax_bwd").Add(md), [&] {
    dnnl::softmax_backward::primitive_desc pd({md, md, 1}, CpuEngine(), SoftmaxPd(md));
    return Bwd{pd, dnnl::softmax_backward(pd)};
  });
  Execute(p.prim, {{DNNL_ARG_DST, y.memory()},
                   {DNNL_ARG_DIFF_DST, dy.memory()},
                   {DNNL_ARG_DIFF_SRC, dx->memory()}});
}

// scores[b, h, i, :] += mask[b, :].
void AddKeyMask(const Tensor& mask, const Dims& d, Tensor* scores) {
  const float* m = mask.data();
  float* x = scores->data();
  ParallelRows(d.b * d.h, d.s * d.s, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      const float* mb = m + (bh / d.h) * d.s;
      for (int64_t i = 0; i < d.s; ++i) {
        float* row = x + (bh * d.s + i) * d.s;
        for (int64_t j = 0; j < d.s; ++j) row[j] += mb[j];
      }
    }
  });
}

}  // namespace

Variable MultiHeadAttention(const Variable& qkv, const AttentionOptions& o) {
  const Shape& shape = qkv.shape();
  const bool ok = shape.size() == 2 && o.batch >= 1 && o.heads >= 1 && shape[0] % o.batch == 0 &&
                  shape[1] % (3 * o.heads) == 0 && shape[1] > 0;
  SIAMESE_CHECK(ok) << "attention: qkv " << ShapeToString(shape)
                    << " is not [B * S, 3 * D] for B = " << o.batch
                    << " and a D divisible by H = " << o.heads;
  const int64_t d_model = shape[1] / 3;
  const Dims d{o.batch, shape[0] / o.batch, o.heads, d_model / o.heads, d_model};
  if (o.key_mask.defined()) {
    SIAMESE_CHECK(o.key_mask.shape() == (Shape{d.b, d.s}))
        << "attention: key_mask " << o.key_mask.ShapeString() << " is not [B, S] = [" << d.b << ", "
        << d.s << "]";
  }
  const bool drop = o.training && o.dropout > 0.0f;
  SIAMESE_CHECK(o.dropout >= 0.0f && o.dropout < 1.0f && (!drop || o.rng != nullptr))
      << "attention: dropout must be in [0, 1) and needs an rng when training, got " << o.dropout;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d.dh));
  const int64_t bh = d.b * d.h;
  const MatrixPrecision mp = CurrentMatrixPrecision();

  const Tensor x = qkv.value().ToPlain();
  const Shape head_shape = {bh, d.s, d.dh};
  Tensor q = Tensor::Empty(head_shape), k = Tensor::Empty(head_shape),
         v = Tensor::Empty(head_shape);
  Gather(x.data(), 3 * d.d, 0, d, q.data());
  Gather(x.data(), 3 * d.d, d.d, d, k.data());
  Gather(x.data(), 3 * d.d, 2 * d.d, d, v.data());

  // probs = softmax(scale * q k^T + mask), in place of the scores.
  Tensor probs = Tensor::Empty({bh * d.s, d.s});
  BatchedMatMul(q, false, k, true, scale, bh, d.s, d.dh, d.s, probs.data(), mp);
  if (o.key_mask.defined()) AddKeyMask(o.key_mask.ToPlain(), d, &probs);
  SoftmaxForward(probs, &probs);

  // Dropout as Dropout() draws it: mask 1 / (1 - p) or 0 per element.
  Tensor keep, used = probs;
  if (drop) {
    const float keep_scale = 1.0f / (1.0f - o.dropout);
    keep = Tensor::Empty(probs.shape());
    used = Tensor::Empty(probs.shape());
    for (int64_t i = 0; i < probs.numel(); ++i) {
      keep.data()[i] = o.rng->Uniform() >= o.dropout ? keep_scale : 0.0f;
      used.data()[i] = probs.data()[i] * keep.data()[i];
    }
  }

  Tensor heads_out = Tensor::Empty(head_shape);
  BatchedMatMul(used, false, v, false, 1.0f, bh, d.s, d.s, d.dh, heads_out.data(), mp);
  Tensor y = Tensor::Empty({shape[0], d.d});
  Scatter(heads_out.data(), d, d.d, 0, y.data());

  return RecordOp("attention", {qkv}, y, [=](const Tensor& dy_any) {
    const Tensor dy = dy_any.ToPlain();
    Tensor g_out = Tensor::Empty(head_shape);
    Gather(dy.data(), d.d, 0, d, g_out.data());
    // out = used v: d used = g_out v^T, dv = used^T g_out.
    Tensor g_v = Tensor::Empty(head_shape);
    BatchedMatMul(used, true, g_out, false, 1.0f, bh, d.s, d.s, d.dh, g_v.data(), mp);
    Tensor g_probs = Tensor::Empty(probs.shape());
    BatchedMatMul(g_out, false, v, true, 1.0f, bh, d.s, d.dh, d.s, g_probs.data(), mp);
    if (keep.defined()) {
      float* g = g_probs.data();
      const float* m = keep.data();
      for (int64_t i = 0; i < g_probs.numel(); ++i) g[i] *= m[i];
    }
    Tensor g_scores = Tensor::Empty(probs.shape());
    SoftmaxBackward(probs, g_probs, &g_scores);
    // scores = scale q k^T: dq = scale g_scores k, dk = scale g_scores^T q.
    Tensor g_q = Tensor::Empty(head_shape), g_k = Tensor::Empty(head_shape);
    BatchedMatMul(g_scores, false, k, false, scale, bh, d.s, d.s, d.dh, g_q.data(), mp);
    BatchedMatMul(g_scores, true, q, false, scale, bh, d.s, d.s, d.dh, g_k.data(), mp);
    Tensor g = Tensor::Empty(qkv.shape());
    Scatter(g_q.data(), d, 3 * d.d, 0, g.data());
    Scatter(g_k.data(), d, 3 * d.d, d.d, g.data());
    Scatter(g_v.data(), d, 3 * d.d, 2 * d.d, g.data());
    qkv.AccumulateGrad(g);
  });
}

}  // namespace siamese
