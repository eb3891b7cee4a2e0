#include "framework/ops/linear.h"

#include "framework/autograd/gradient_check.h"
#include "framework/ops/activation.h"
#include "framework/tensor/dnnl_context.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Plain reference: c[b, i, j] = sum_k op(a)[b, i, k] op(b)[b, k, j].
Tensor ReferenceMatMul(const Tensor& a, bool ta, const Tensor& b, bool tb) {
  const int r = a.rank();
  const int64_t batch = a.numel() / (a.dim(-1) * a.dim(-2));
  const int64_t m = ta ? a.dim(-1) : a.dim(-2), k = ta ? a.dim(-2) : a.dim(-1);
  const int64_t n = tb ? b.dim(-2) : b.dim(-1);
  const bool shared = b.rank() == 2 && r > 2;
  Shape cs = a.shape();
  cs[r - 2] = m;
  cs[r - 1] = n;
  Tensor c = Tensor::Zeros(cs);
  for (int64_t bi = 0; bi < batch; ++bi) {
    const float* pa = a.data() + bi * m * k;
    const float* pb = b.data() + (shared ? 0 : bi * k * n);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t q = 0; q < k; ++q) {
          float av = ta ? pa[q * m + i] : pa[i * k + q];
          float bv = tb ? pb[j * k + q] : pb[q * n + j];
          s += av * bv;
        }
        c.data()[bi * m * n + i * n + j] = static_cast<float>(s);
      }
  }
  return c;
}

struct MatMulCase {
  Shape a, b;
  bool ta, tb;
};

class MatMulTest : public ::testing::TestWithParam<MatMulCase> {};

TEST_P(MatMulTest, ForwardAndGradient) {
  const MatMulCase& c = GetParam();
  Tensor a = RandomTensor(c.a, 1), b = RandomTensor(c.b, 2);
  Tensor got = MatMul(Variable(a), Variable(b), c.ta, c.tb).value();
  EXPECT_TRUE(TensorsNear(got, ReferenceMatMul(a, c.ta, b, c.tb), 1e-5f, 1e-5f));
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) { return MatMul(in[0], in[1], c.ta, c.tb); },
      {Variable(a, true), Variable(b, true)}));
}

INSTANTIATE_TEST_SUITE_P(Shapes, MatMulTest,
                         ::testing::Values(MatMulCase{{3, 4}, {4, 5}, false, false},
                                           MatMulCase{{4, 3}, {4, 5}, true, false},
                                           MatMulCase{{3, 4}, {5, 4}, false, true},
                                           MatMulCase{{4, 3}, {5, 4}, true, true},
                                           MatMulCase{{2, 3, 4}, {2, 4, 5}, false, false},
                                           MatMulCase{{2, 2, 3, 4}, {2, 2, 5, 4}, false, true},
                                           MatMulCase{{2, 4, 3}, {2, 4, 5}, true, false},
                                           MatMulCase{{2, 3, 4}, {4, 5}, false, false},
                                           MatMulCase{{2, 4, 3}, {5, 4}, true, true}));

TEST(MatMulDeathTest, NamesOpAndShapes) {
  EXPECT_DEATH(MatMul(Variable(Tensor::Zeros({2, 3})), Variable(Tensor::Zeros({4, 5}))),
               "matmul: cannot multiply \\[2, 3\\] by \\[4, 5\\]");
}

Tensor ReferenceLinear(const Tensor& x, const Tensor& w, const Tensor& b) {
  const int64_t n = x.dim(0), f = w.dim(1), o = w.dim(0);
  Tensor y = Tensor::Empty({n, o});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < o; ++j) {
      double s = b.defined() ? b.data()[j] : 0.0;
      for (int64_t q = 0; q < f; ++q) s += x.data()[i * f + q] * w.data()[j * f + q];
      y.data()[i * o + j] = static_cast<float>(s);
    }
  return y;
}

TEST(LinearTest, ForwardMatchesReference2d) {
  Tensor x = RandomTensor({5, 7}, 1), w = RandomTensor({3, 7}, 2), b = RandomTensor({3}, 3);
  Tensor y = Linear(Variable(x), Variable(w), Variable(b)).value();
  EXPECT_TRUE(TensorsNear(y, ReferenceLinear(x, w, b), 1e-5f, 1e-5f));
  Tensor y_nobias = Linear(Variable(x), Variable(w), Variable()).value();
  EXPECT_TRUE(TensorsNear(y_nobias, ReferenceLinear(x, w, Tensor()), 1e-5f, 1e-5f));
}

TEST(LinearTest, FlattensFourDimensionalInputChannelMajor) {
  Tensor x = RandomTensor({2, 3, 2, 2}, 1), w = RandomTensor({4, 12}, 2), b = RandomTensor({4}, 3);
  Tensor y = Linear(Variable(x), Variable(w), Variable(b)).value();
  EXPECT_TRUE(TensorsNear(y, ReferenceLinear(x.Reshape({2, 12}), w, b), 1e-5f, 1e-5f));
}

TEST(LinearTest, GradientWithAndWithoutBias) {
  Tensor x = RandomTensor({4, 6}, 1), w = RandomTensor({3, 6}, 2), b = RandomTensor({3}, 3);
  EXPECT_TRUE(
      CheckGradients([](const std::vector<Variable>& in) { return Linear(in[0], in[1], in[2]); },
                     {Variable(x, true), Variable(w, true), Variable(b, true)}));
  EXPECT_TRUE(CheckGradients(
      [](const std::vector<Variable>& in) { return Linear(in[0], in[1], Variable()); },
      {Variable(x, true), Variable(w, true)}));
}

TEST(LinearTest, GradientFourDimensionalInput) {
  Tensor x = RandomTensor({2, 3, 2, 2}, 1), w = RandomTensor({5, 12}, 2), b = RandomTensor({5}, 3);
  EXPECT_TRUE(
      CheckGradients([](const std::vector<Variable>& in) { return Linear(in[0], in[1], in[2]); },
                     {Variable(x, true), Variable(w, true), Variable(b, true)}));
}

TEST(LinearTest, SecondIdenticalCallCreatesNoPrimitive) {
  Tensor x = RandomTensor({8, 10}, 1), w = RandomTensor({4, 10}, 2), b = RandomTensor({4}, 3);
  auto step = [&] {
    Variable wv(w, true), bv(b, true);
    Linear(Variable(x, true), wv, bv).Backward(Tensor::Full({8, 4}, 1.0f));
  };
  step();
  const int64_t before = PrimitiveCache::creations();
  step();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

// The activation argument: with gradients, the layer and the activation as
// two recorded ops; without, one forward_inference primitive with the
// activation as a post-op, on the training primitive's kernel (relu, which
// does not round, bit for bit).
TEST(LinearTest, ActivationMatchesSeparateOps) {
  // A blocked 4-D input, as the conv encoders hand to their first fc layer.
  const Tensor x = RandomTensor({8, 32, 3, 3}, 1)
                       .ToLayout(dnnl::memory::desc({8, 32, 3, 3}, dnnl::memory::data_type::f32,
                                                    dnnl::memory::format_tag::nChw16c));
  const Tensor w = RandomTensor({24, 288}, 2, -0.2f, 0.2f), b = RandomTensor({24}, 3);
  const Tensor dy = RandomTensor({8, 24}, 4);
  for (const Activation& act :
       {Activation::Relu(), Activation::LeakyRelu(0.1f), Activation::Gelu()}) {
    Variable x1(x, true), w1(w, true), b1(b, true);
    Variable y1 = Activate(Linear(x1, w1, b1), act);
    y1.Backward(dy);
    Variable x2(x, true), w2(w, true), b2(b, true);
    Variable y2 = Linear(x2, w2, b2, act);
    EXPECT_EQ(TapeSize(), 2);
    y2.Backward(dy);
    EXPECT_EQ(y2.value().ToVector(), y1.value().ToVector());
    EXPECT_EQ(x2.grad().ToPlain().ToVector(), x1.grad().ToPlain().ToVector());
    EXPECT_EQ(w2.grad().ToVector(), w1.grad().ToVector());
    EXPECT_EQ(b2.grad().ToVector(), b1.grad().ToVector());

    NoGradScope no_grad;
    Variable y3 = Linear(Variable(x, true), Variable(w, true), Variable(b, true), act);
    EXPECT_EQ(TapeSize(), 0);
    EXPECT_FALSE(y3.requires_grad());
    ASSERT_TRUE(y3.value().is_plain());
    if (act.kind == Activation::Kind::kRelu) {
      EXPECT_EQ(y3.value().ToVector(), y1.value().ToVector());
    } else {
      EXPECT_TRUE(TensorsNear(y3.value(), y1.value(), 1e-6f, 1e-6f));
    }
  }
}

TEST(LinearTest, SecondIdenticalInferenceCallCreatesNoPrimitive) {
  Tensor x = RandomTensor({8, 10}, 1), w = RandomTensor({4, 10}, 2), b = RandomTensor({4}, 3);
  NoGradScope no_grad;
  Linear(Variable(x), Variable(w), Variable(b), Activation::Relu());
  const int64_t before = PrimitiveCache::creations();
  Linear(Variable(x), Variable(w), Variable(b), Activation::Relu());
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

TEST(LinearDeathTest, NamesOpAndShapes) {
  EXPECT_DEATH(Linear(Variable(Tensor::Zeros({2, 3})), Variable(Tensor::Zeros({4, 5})), Variable()),
               "linear: input \\[2, 3\\] and weight \\[4, 5\\]");
}

}  // namespace
}  // namespace siamese
