#include "framework/ops/norm.h"

#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "framework/tensor/dnnl_context.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// ---------------------------------------------------------------------------
// Plain references (double precision).

Tensor ReferenceLayerNorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  const int64_t d = x.dim(-1), rows = x.numel() / d;
  Tensor y = Tensor::Empty(x.shape());
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x.data() + r * d;
    double mean = 0, var = 0;
    for (int64_t j = 0; j < d; ++j) mean += in[j];
    mean /= d;
    for (int64_t j = 0; j < d; ++j) var += (in[j] - mean) * (in[j] - mean);
    var /= d;
    for (int64_t j = 0; j < d; ++j) {
      double v = (in[j] - mean) / std::sqrt(var + eps);
      if (gamma.defined()) v *= gamma.data()[j];
      if (beta.defined()) v += beta.data()[j];
      y.data()[r * d + j] = static_cast<float>(v);
    }
  }
  return y;
}

// Per-channel mean and biased variance of a plain [N, C, ...] tensor.
void ReferenceBatchStats(const Tensor& x, std::vector<double>* mean, std::vector<double>* var) {
  const int64_t n = x.dim(0), c = x.dim(1), s = x.numel() / (n * c);
  mean->assign(c, 0.0);
  var->assign(c, 0.0);
  for (int64_t ch = 0; ch < c; ++ch) {
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < s; ++i) (*mean)[ch] += x.data()[(b * c + ch) * s + i];
    (*mean)[ch] /= n * s;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < s; ++i) {
        const double dv = x.data()[(b * c + ch) * s + i] - (*mean)[ch];
        (*var)[ch] += dv * dv;
      }
    (*var)[ch] /= n * s;
  }
}

Tensor ReferenceBatchNorm(const Tensor& x, const std::vector<double>& mean,
                          const std::vector<double>& var, const Tensor& gamma, const Tensor& beta,
                          float eps) {
  const int64_t n = x.dim(0), c = x.dim(1), s = x.numel() / (n * c);
  Tensor y = Tensor::Empty(x.shape());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < s; ++i) {
        const int64_t k = (b * c + ch) * s + i;
        double v = (x.data()[k] - mean[ch]) / std::sqrt(var[ch] + eps);
        if (gamma.defined()) v *= gamma.data()[ch];
        if (beta.defined()) v += beta.data()[ch];
        y.data()[k] = static_cast<float>(v);
      }
  return y;
}

Variable Maybe(bool present, const Tensor& t, bool requires_grad = false) {
  return present ? Variable(t, requires_grad) : Variable();
}

dnnl::memory::desc Blocked16(const Shape& s) {
  return dnnl::memory::desc(dnnl::memory::dims(s.begin(), s.end()), dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::nChw16c);
}

// ---------------------------------------------------------------------------
// LayerNorm.

TEST(LayerNormTest, ForwardMatchesReference) {
  for (const Shape& shape :
       {Shape{4, 7}, Shape{2, 3, 33}, Shape{7}, Shape{3, 1}, Shape{2, 2, 2, 16}}) {
    const int64_t d = shape.back();
    Tensor x = RandomTensor(shape, 1, -2.0f, 2.0f);
    Tensor g = RandomTensor({d}, 2, 0.5f, 1.5f), b = RandomTensor({d}, 3);
    for (int mask = 0; mask < 4; ++mask) {
      const bool hg = mask & 1, hb = mask & 2;
      Tensor y = LayerNorm(Variable(x), Maybe(hg, g), Maybe(hb, b), 1e-5f).value();
      EXPECT_TRUE(TensorsNear(y, ReferenceLayerNorm(x, hg ? g : Tensor(), hb ? b : Tensor(), 1e-5f),
                              1e-5f, 1e-4f))
          << ShapeToString(shape) << " gamma " << hg << " beta " << hb;
    }
  }
}

TEST(LayerNormTest, EpsIsUsed) {
  Tensor x = Tensor::FromVector({1, 2}, {0.0f, 0.2f});
  Tensor y = LayerNorm(Variable(x), Variable(), Variable(), 0.01f).value();
  // mean 0.1, var 0.01: (0.1) / sqrt(0.02).
  EXPECT_NEAR(y.data()[1], 0.1 / std::sqrt(0.02), 1e-5);
}

TEST(LayerNormTest, GradientsMatchFiniteDifferences) {
  GradCheckOptions options;
  options.eps = 1e-3f;
  for (const Shape& shape : {Shape{3, 7}, Shape{2, 33}, Shape{7}, Shape{2, 1, 5}}) {
    const int64_t d = shape.back();
    Tensor x = RandomTensor(shape, 4, -2.0f, 2.0f);
    Tensor g = RandomTensor({d}, 5, 0.5f, 1.5f), b = RandomTensor({d}, 6);
    for (int mask = 0; mask < 4; ++mask) {
      const bool hg = mask & 1, hb = mask & 2;
      EXPECT_TRUE(CheckGradients(
          [](const std::vector<Variable>& in) { return LayerNorm(in[0], in[1], in[2]); },
          {Variable(x, true), Maybe(hg, g, true), Maybe(hb, b, true)}, options))
          << ShapeToString(shape) << " gamma " << hg << " beta " << hb;
    }
  }
}

// ---------------------------------------------------------------------------
// BatchNorm.

TEST(BatchNormTest, TrainingStatisticsAndRunningUpdateHandChecked) {
  // Channel 0: {1, 2, 3, 4}: mean 2.5, biased var 1.25, unbiased var 5/3.
  // Channel 1: {0, 0, 2, -2}: mean 0, biased var 2, unbiased var 8/3.
  Tensor x = Tensor::FromVector({4, 2}, {1, 0, 2, 0, 3, 2, 4, -2});
  Tensor gamma = Tensor::FromVector({2}, {2.0f, 0.5f});
  Tensor beta = Tensor::FromVector({2}, {1.0f, -1.0f});
  Tensor rm = Tensor::FromVector({2}, {0.0f, 1.0f});
  Tensor rv = Tensor::FromVector({2}, {1.0f, 2.0f});
  Tensor y =
      BatchNorm(Variable(x), Variable(gamma), Variable(beta), &rm, &rv, true, 0.1f, 0.0f).value();
  // y = (x - mean) / sqrt(biased var) * gamma + beta.
  const float s0 = 1.0f / std::sqrt(1.25f), s1 = 1.0f / std::sqrt(2.0f);
  EXPECT_TRUE(TensorsNear(y,
                          Tensor::FromVector({4, 2}, {-1.5f * s0 * 2 + 1, -1.0f, -0.5f * s0 * 2 + 1,
                                                      -1.0f, 0.5f * s0 * 2 + 1, 2 * s1 * 0.5f - 1,
                                                      1.5f * s0 * 2 + 1, -2 * s1 * 0.5f - 1}),
                          1e-5f, 1e-5f));
  // running = 0.9 * running + 0.1 * batch (unbiased variance).
  EXPECT_NEAR(rm.data()[0], 0.25f, 1e-6f);
  EXPECT_NEAR(rm.data()[1], 0.9f, 1e-6f);
  EXPECT_NEAR(rv.data()[0], 0.9f + 0.1f * 5.0f / 3.0f, 1e-6f);
  EXPECT_NEAR(rv.data()[1], 1.8f + 0.1f * 8.0f / 3.0f, 1e-6f);
}

TEST(BatchNormTest, TrainingForwardMatchesReference) {
  for (const Shape& shape : {Shape{5, 3}, Shape{3, 2, 5}, Shape{2, 3, 4, 5}, Shape{1, 17, 2, 3}}) {
    const int64_t c = shape[1];
    Tensor x = RandomTensor(shape, 7, -2.0f, 3.0f);
    Tensor g = RandomTensor({c}, 8, 0.5f, 1.5f), b = RandomTensor({c}, 9);
    std::vector<double> mean, var;
    ReferenceBatchStats(x, &mean, &var);
    const double n = static_cast<double>(x.numel() / c);
    for (int mask = 0; mask < 4; ++mask) {
      const bool hg = mask & 1, hb = mask & 2;
      Tensor rm = Tensor::Zeros({c}), rv = Tensor::Full({c}, 1.0f);
      Tensor y = BatchNorm(Variable(x), Maybe(hg, g), Maybe(hb, b), &rm, &rv, true, 0.2f).value();
      EXPECT_TRUE(TensorsNear(
          y, ReferenceBatchNorm(x, mean, var, hg ? g : Tensor(), hb ? b : Tensor(), 1e-5f), 1e-5f,
          1e-4f))
          << ShapeToString(shape) << " gamma " << hg << " beta " << hb;
      for (int64_t ch = 0; ch < c; ++ch) {
        EXPECT_NEAR(rm.data()[ch], 0.2 * mean[ch], 1e-5);
        EXPECT_NEAR(rv.data()[ch], 0.8 + 0.2 * var[ch] * n / (n - 1), 1e-5);
      }
    }
  }
}

TEST(BatchNormTest, EvaluationUsesRunningStatisticsAndLeavesThem) {
  Tensor x = RandomTensor({3, 4, 2, 2}, 10, -2.0f, 2.0f);
  Tensor g = RandomTensor({4}, 11, 0.5f, 1.5f), b = RandomTensor({4}, 12);
  Tensor rm = RandomTensor({4}, 13), rv = RandomTensor({4}, 14, 0.5f, 2.0f);
  const std::vector<float> rm0 = rm.ToVector(), rv0 = rv.ToVector();
  const std::vector<double> mean(rm0.begin(), rm0.end()), var(rv0.begin(), rv0.end());
  Tensor expected = ReferenceBatchNorm(x, mean, var, g, b, 1e-5f);
  {
    NoGradScope no_grad;  // forward_inference
    Tensor y = BatchNorm(Variable(x), Variable(g), Variable(b), &rm, &rv, false).value();
    EXPECT_TRUE(TensorsNear(y, expected, 1e-5f, 1e-4f));
  }
  // With gradients (forward_training with global statistics).
  Tensor y = BatchNorm(Variable(x, true), Variable(g), Variable(b), &rm, &rv, false).value();
  ClearTape();
  EXPECT_TRUE(TensorsNear(y, expected, 1e-5f, 1e-4f));
  EXPECT_EQ(rm.ToVector(), rm0);
  EXPECT_EQ(rv.ToVector(), rv0);
}

TEST(BatchNormTest, EvaluationGradientIsPerChannelScale) {
  Tensor x = RandomTensor({2, 3}, 15);
  Tensor g = Tensor::FromVector({3}, {1.0f, 2.0f, -1.0f});
  Tensor rm = Tensor::Zeros({3}), rv = Tensor::FromVector({3}, {1.0f, 4.0f, 0.25f});
  Variable xv(x, true);
  BatchNorm(xv, Variable(g), Variable(), &rm, &rv, false, 0.1f, 0.0f)
      .Backward(Tensor::Full({2, 3}, 1.0f));
  EXPECT_TRUE(
      TensorsNear(xv.grad(), Tensor::FromVector({2, 3}, {1, 1, -2, 1, 1, -2}), 1e-6f, 1e-6f));
}

TEST(BatchNormTest, BlockedInputMatchesPlainPath) {
  const Shape shape = {2, 16, 3, 3};
  Tensor x = RandomTensor(shape, 16, -2.0f, 2.0f);
  Tensor xb = x.ToLayout(Blocked16(shape));
  ASSERT_FALSE(xb.is_plain());
  Tensor g = RandomTensor({16}, 17, 0.5f, 1.5f), b = RandomTensor({16}, 18);
  Tensor dy = RandomTensor(shape, 19);
  for (bool training : {true, false}) {
    Tensor rm_p = RandomTensor({16}, 20), rv_p = RandomTensor({16}, 21, 0.5f, 2.0f);
    Tensor rm_b = rm_p.Clone(), rv_b = rv_p.Clone();
    Variable xp(x, true), gp(g, true), bp(b, true);
    Variable xbv(xb, true), gb(g, true), bb(b, true);
    Variable yp = BatchNorm(xp, gp, bp, &rm_p, &rv_p, training);
    yp.Backward(dy);
    Variable yb = BatchNorm(xbv, gb, bb, &rm_b, &rv_b, training);
    EXPECT_TRUE(yb.value().desc() == xb.desc()) << "output keeps the blocked layout";
    yb.Backward(dy);
    EXPECT_TRUE(TensorsNear(yb.value(), yp.value(), 1e-5f, 1e-5f)) << training;
    EXPECT_TRUE(TensorsNear(rm_b, rm_p, 1e-6f, 1e-5f));
    EXPECT_TRUE(TensorsNear(rv_b, rv_p, 1e-6f, 1e-5f));
    EXPECT_TRUE(TensorsNear(xbv.grad(), xp.grad(), 1e-5f, 1e-4f)) << training;
    EXPECT_TRUE(TensorsNear(gb.grad(), gp.grad(), 1e-5f, 1e-4f)) << training;
    EXPECT_TRUE(TensorsNear(bb.grad(), bp.grad(), 1e-5f, 1e-4f)) << training;
  }
}

TEST(BatchNormTest, TrainingGradientsMatchFiniteDifferences) {
  GradCheckOptions options;
  options.eps = 1e-3f;
  for (const Shape& shape : {Shape{4, 3}, Shape{2, 3, 5}, Shape{2, 2, 3, 3}, Shape{3, 2, 1, 1}}) {
    const int64_t c = shape[1];
    Tensor x = RandomTensor(shape, 22, -2.0f, 2.0f);
    Tensor g = RandomTensor({c}, 23, 0.5f, 1.5f), b = RandomTensor({c}, 24);
    for (int mask = 0; mask < 4; ++mask) {
      const bool hg = mask & 1, hb = mask & 2;
      EXPECT_TRUE(CheckGradients(
          [](const std::vector<Variable>& in) {
            return BatchNorm(in[0], in[1], in[2], nullptr, nullptr, true);
          },
          {Variable(x, true), Maybe(hg, g, true), Maybe(hb, b, true)}, options))
          << ShapeToString(shape) << " gamma " << hg << " beta " << hb;
    }
  }
}

TEST(BatchNormTest, EvaluationGradientsMatchFiniteDifferences) {
  Tensor x = RandomTensor({3, 5, 2}, 25, -2.0f, 2.0f);
  Tensor g = RandomTensor({5}, 26, 0.5f, 1.5f), b = RandomTensor({5}, 27);
  Tensor rm = RandomTensor({5}, 28), rv = RandomTensor({5}, 29, 0.5f, 2.0f);
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return BatchNorm(in[0], in[1], in[2], &rm, &rv, false);
      },
      {Variable(x, true), Variable(g, true), Variable(b, true)}));
}

TEST(NormTest, SecondIdenticalCallCreatesNoPrimitive) {
  Tensor x = RandomTensor({4, 3, 2, 2}, 1), g = RandomTensor({3}, 2), b = RandomTensor({3}, 3);
  Tensor lx = RandomTensor({4, 9}, 4), lg = RandomTensor({9}, 5), lb = RandomTensor({9}, 6);
  Tensor rm = Tensor::Zeros({3}), rv = Tensor::Full({3}, 1.0f);
  auto step = [&] {
    for (bool training : {true, false}) {
      Variable xv(x, true), gv(g, true), bv(b, true);
      BatchNorm(xv, gv, bv, &rm, &rv, training).Backward(Tensor::Full(x.shape(), 1.0f));
    }
    Variable lxv(lx, true), lgv(lg, true), lbv(lb, true);
    LayerNorm(lxv, lgv, lbv).Backward(Tensor::Full(lx.shape(), 1.0f));
    NoGradScope no_grad;
    BatchNorm(Variable(x), Variable(g), Variable(b), &rm, &rv, false);
    LayerNorm(Variable(lx), Variable(lg), Variable(lb));
  };
  step();
  const int64_t before = PrimitiveCache::creations();
  step();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

TEST(NormDeathTest, NamesOpAndShapes) {
  Variable x(Tensor::Zeros({2, 7}));
  EXPECT_DEATH(LayerNorm(x, Variable(Tensor::Zeros({5})), Variable()),
               "layer_norm: gamma \\[5\\] does not match input \\[2, 7\\] \\(expected \\[7\\]\\)");
  EXPECT_DEATH(LayerNorm(Variable(Tensor::Scalar(1.0f)), Variable(), Variable()),
               "layer_norm: needs rank 1 to 5, got \\[\\]");
  Tensor rm = Tensor::Zeros({7}), rv = Tensor::Full({7}, 1.0f), bad = Tensor::Zeros({3});
  EXPECT_DEATH(BatchNorm(x, Variable(), Variable(Tensor::Zeros({4})), &rm, &rv, true),
               "batch_norm: beta \\[4\\] does not match input \\[2, 7\\] \\(expected \\[7\\]\\)");
  EXPECT_DEATH(BatchNorm(x, Variable(), Variable(), &bad, &rv, true),
               "batch_norm: running_mean \\[3\\] does not match input \\[2, 7\\]");
  EXPECT_DEATH(
      BatchNorm(x, Variable(), Variable(), nullptr, nullptr, false),
      "batch_norm: evaluation mode needs running_mean and running_var \\(input \\[2, 7\\]\\)");
  EXPECT_DEATH(
      BatchNorm(Variable(Tensor::Zeros({7})), Variable(), Variable(), nullptr, nullptr, true),
      "batch_norm: needs \\[N, C, ...\\] of rank 2 to 5, got \\[7\\]");
  EXPECT_DEATH(
      BatchNorm(Variable(Tensor::Zeros({1, 7})), Variable(), Variable(), nullptr, nullptr, true),
      "batch_norm: training needs more than one value per channel, got input \\[1, 7\\]");
}

}  // namespace
}  // namespace siamese
