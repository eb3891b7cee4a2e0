#include "framework/ops/conv.h"

#include <algorithm>

#include "framework/autograd/gradient_check.h"
#include "framework/ops/activation.h"
#include "framework/ops/pool.h"
#include "framework/tensor/dnnl_context.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Plain reference: the definition in conv.h as nested loops, in double.
Tensor ReferenceConv2d(const Tensor& x_any, const Tensor& w, const Tensor& b,
                       const Conv2dOptions& o) {
  Tensor x = x_any.ToPlain();
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t oc = w.dim(0), kh = w.dim(2), kw = w.dim(3);
  const int64_t oh = (h + 2 * o.pad_h - o.dilation_h * (kh - 1) - 1) / o.stride_h + 1;
  const int64_t ow = (wd + 2 * o.pad_w - o.dilation_w * (kw - 1) - 1) / o.stride_w + 1;
  Tensor y = Tensor::Empty({n, oc, oh, ow});
  for (int64_t in = 0; in < n; ++in)
    for (int64_t io = 0; io < oc; ++io)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double s = b.defined() ? b.data()[io] : 0.0;
          for (int64_t ic = 0; ic < c; ++ic)
            for (int64_t p = 0; p < kh; ++p)
              for (int64_t q = 0; q < kw; ++q) {
                const int64_t r = i * o.stride_h - o.pad_h + p * o.dilation_h;
                const int64_t s2 = j * o.stride_w - o.pad_w + q * o.dilation_w;
                if (r < 0 || r >= h || s2 < 0 || s2 >= wd) continue;
                s += static_cast<double>(x.data()[((in * c + ic) * h + r) * wd + s2]) *
                     w.data()[((io * c + ic) * kh + p) * kw + q];
              }
          y.data()[((in * oc + io) * oh + i) * ow + j] = static_cast<float>(s);
        }
  return y;
}

// A 1-D convolution is the 2-D one with H = KH = 1.
Tensor ReferenceConv1d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv1dOptions& o) {
  Conv2dOptions o2;
  o2.stride_w = o.stride;
  o2.pad_w = o.padding;
  o2.dilation_w = o.dilation;
  Tensor y = ReferenceConv2d(x.Reshape({x.dim(0), x.dim(1), 1, x.dim(2)}),
                             w.Reshape({w.dim(0), w.dim(1), 1, w.dim(2)}), b, o2);
  return y.Reshape({y.dim(0), y.dim(1), y.dim(3)});
}

Conv2dOptions Opts(int64_t stride, int64_t pad, int64_t dilation) {
  Conv2dOptions o;
  o.stride_h = o.stride_w = stride;
  o.pad_h = o.pad_w = pad;
  o.dilation_h = o.dilation_w = dilation;
  return o;
}

struct Conv2dCase {
  Shape x, w;
  Conv2dOptions options;
  bool bias;
};

class Conv2dTest : public ::testing::TestWithParam<Conv2dCase> {};

TEST_P(Conv2dTest, ForwardMatchesReference) {
  const Conv2dCase& c = GetParam();
  Tensor x = RandomTensor(c.x, 1), w = RandomTensor(c.w, 2);
  Tensor b = c.bias ? RandomTensor({c.w[0]}, 3) : Tensor();
  Tensor y = Conv2d(Variable(x), Variable(w), c.bias ? Variable(b) : Variable(), c.options).value();
  EXPECT_TRUE(TensorsNear(y, ReferenceConv2d(x, w, b, c.options), 1e-4f, 1e-4f));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Conv2dTest,
    ::testing::Values(Conv2dCase{{2, 3, 7, 6}, {5, 3, 3, 3}, Opts(1, 0, 1), true},
                      Conv2dCase{{2, 3, 7, 6}, {5, 3, 3, 3}, Opts(2, 1, 1), false},
                      Conv2dCase{{1, 3, 9, 8}, {5, 3, 3, 2}, Opts(1, 2, 2), true},
                      Conv2dCase{{2, 17, 6, 5}, {5, 17, 3, 3}, Opts(1, 1, 1), true},
                      Conv2dCase{{2, 16, 8, 8}, {32, 16, 3, 3}, Opts(2, 1, 1), true},
                      Conv2dCase{{1, 17, 6, 6}, {19, 17, 1, 1}, Opts(1, 0, 1), false},
                      Conv2dCase{{3, 1, 4, 4}, {1, 1, 4, 4}, Opts(1, 0, 1), true},
                      Conv2dCase{{1, 2, 5, 5}, {3, 2, 3, 3}, Opts(3, 1, 1), true}));

TEST(Conv2dTest, AnisotropicOptions) {
  Conv2dOptions o;
  o.stride_h = 2;
  o.stride_w = 1;
  o.pad_h = 0;
  o.pad_w = 2;
  o.dilation_h = 1;
  o.dilation_w = 2;
  Tensor x = RandomTensor({2, 4, 9, 7}, 1), w = RandomTensor({3, 4, 3, 2}, 2);
  Tensor b = RandomTensor({3}, 3);
  Tensor y = Conv2d(Variable(x), Variable(w), Variable(b), o).value();
  EXPECT_EQ(y.shape(), (Shape{2, 3, 4, 9}));
  EXPECT_TRUE(TensorsNear(y, ReferenceConv2d(x, w, b, o), 1e-4f, 1e-4f));
}

TEST(Conv2dTest, BlockedInputGivesSameValues) {
  Tensor x = RandomTensor({2, 16, 6, 6}, 1), w1 = RandomTensor({16, 16, 3, 3}, 2);
  Tensor w2 = RandomTensor({5, 16, 3, 3}, 3), b2 = RandomTensor({5}, 4);
  Tensor h = Conv2d(Variable(x), Variable(w1), Variable(), Opts(1, 1, 1)).value();
  EXPECT_FALSE(h.is_plain()) << "oneDNN chose a plain layout for C = 16";
  Tensor y = Conv2d(Variable(h), Variable(w2), Variable(b2), Opts(1, 1, 1)).value();
  EXPECT_TRUE(TensorsNear(y, ReferenceConv2d(h.ToPlain(), w2, b2, Opts(1, 1, 1)), 1e-4f, 1e-4f));
}

TEST(Conv2dTest, GradientSmallOddChannels) {
  Tensor x = RandomTensor({2, 3, 5, 5}, 1), w = RandomTensor({4, 3, 3, 3}, 2);
  Tensor b = RandomTensor({4}, 3);
  for (const Conv2dOptions& o : {Opts(1, 1, 1), Opts(2, 1, 1), Opts(1, 2, 2)}) {
    EXPECT_TRUE(CheckGradients(
        [&](const std::vector<Variable>& in) { return Conv2d(in[0], in[1], in[2], o); },
        {Variable(x, true), Variable(w, true), Variable(b, true)}));
  }
  EXPECT_TRUE(CheckGradients(
      [](const std::vector<Variable>& in) { return Conv2d(in[0], in[1], Variable()); },
      {Variable(x, true), Variable(w, true)}));
}

TEST(Conv2dTest, GradientBlockedChannels) {
  // C = 17 and O = 18 pad to blocks of 16 in nChw16c. The input and the
  // weight gradients are checked separately to keep the weight small.
  auto conv = [](const std::vector<Variable>& in) {
    return Conv2d(in[0], in[1], in[2], Opts(1, 1, 1));
  };
  Tensor x = RandomTensor({1, 17, 3, 4}, 1);
  EXPECT_TRUE(CheckGradients(conv, {Variable(x, true), Variable(RandomTensor({18, 17, 2, 2}, 2)),
                                    Variable(RandomTensor({18}, 3), true)}));
  EXPECT_TRUE(CheckGradients(conv, {Variable(x), Variable(RandomTensor({3, 17, 2, 2}, 4), true),
                                    Variable(RandomTensor({3}, 5), true)}));
}

TEST(Conv2dTest, GradientOnlyForSomeInputs) {
  Tensor x = RandomTensor({2, 3, 5, 5}, 1), w = RandomTensor({4, 3, 3, 3}, 2);
  Tensor b = RandomTensor({4}, 3);
  EXPECT_TRUE(
      CheckGradients([](const std::vector<Variable>& in) { return Conv2d(in[0], in[1], in[2]); },
                     {Variable(x, false), Variable(w, true), Variable(b, false)}));
  EXPECT_TRUE(
      CheckGradients([](const std::vector<Variable>& in) { return Conv2d(in[0], in[1], in[2]); },
                     {Variable(x, true), Variable(w, false), Variable(b, false)}));
}

TEST(Conv2dTest, WeightGradientIsPlain) {
  Tensor x = RandomTensor({2, 16, 6, 6}, 1), w = RandomTensor({16, 16, 3, 3}, 2);
  Variable wv(w, true);
  Conv2d(Variable(x), wv, Variable(), Opts(1, 1, 1)).Backward(Tensor::Full({2, 16, 6, 6}, 1.f));
  ASSERT_TRUE(wv.grad().defined());
  EXPECT_TRUE(wv.grad().is_plain());
}

TEST(Conv2dTest, SecondIdenticalCallCreatesNoPrimitive) {
  Tensor x = RandomTensor({2, 17, 6, 6}, 1), w = RandomTensor({16, 17, 3, 3}, 2);
  Tensor b = RandomTensor({16}, 3);
  auto step = [&] {
    Variable wv(w, true), bv(b, true);
    Conv2d(Variable(x, true), wv, bv, Opts(1, 1, 1)).Backward(Tensor::Full({2, 16, 6, 6}, 1.f));
  };
  step();
  const int64_t before = PrimitiveCache::creations();
  step();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

// The activation argument. With gradients: ReLU and leaky ReLU as a post-op
// of the training primitive, their gradient taken from the output (one
// recorded op), GELU as a second op; either way value and gradients are
// those of the two calls in a row, bit for bit. Without: one forward_inference primitive with the activation as
// a post-op, on the training primitive's kernel and layouts, so the values
// agree (relu, which does not round, bit for bit).
TEST(Conv2dTest, ActivationMatchesSeparateOps) {
  const Tensor x = RandomTensor({3, 17, 9, 9}, 1), w = RandomTensor({32, 17, 3, 3}, 2, -0.3f, 0.3f);
  const Tensor b = RandomTensor({32}, 3), dy = RandomTensor({3, 32, 9, 9}, 4);
  const Conv2dOptions o = Opts(1, 1, 1);
  for (const Activation& act :
       {Activation::Relu(), Activation::LeakyRelu(0.1f), Activation::Gelu(GeluApproximation::kErf),
        Activation::Gelu(GeluApproximation::kTanh)}) {
    Variable x1(x, true), w1(w, true), b1(b, true);
    Variable y1 = Activate(Conv2d(x1, w1, b1, o), act);
    y1.Backward(dy);
    Variable x2(x, true), w2(w, true), b2(b, true);
    Variable y2 = Conv2d(x2, w2, b2, o, act);
    EXPECT_EQ(TapeSize(), ops_internal::BackwardFromOutput(act) ? 1 : 2);
    y2.Backward(dy);
    EXPECT_EQ(y2.value().ToPlain().ToVector(), y1.value().ToPlain().ToVector());
    EXPECT_EQ(x2.grad().ToPlain().ToVector(), x1.grad().ToPlain().ToVector());
    EXPECT_EQ(w2.grad().ToVector(), w1.grad().ToVector());
    EXPECT_EQ(b2.grad().ToVector(), b1.grad().ToVector());

    NoGradScope no_grad;
    Variable y3 = Conv2d(Variable(x, true), Variable(w, true), Variable(b, true), o, act);
    EXPECT_EQ(TapeSize(), 0);
    EXPECT_FALSE(y3.requires_grad());
    EXPECT_EQ(y3.value().desc(), y1.value().desc());  // the same blocked layout
    if (act.kind == Activation::Kind::kRelu) {
      EXPECT_EQ(y3.value().ToPlain().ToVector(), y1.value().ToPlain().ToVector());
    } else {
      EXPECT_TRUE(TensorsNear(y3.value(), y1.value().ToPlain(), 1e-6f, 1e-6f));
    }
  }
}

// Inputs that require no gradient take the inference path too, also outside
// a NoGradScope; its values are those of the training path.
TEST(Conv2dTest, InferencePathMatchesTrainingPath) {
  const Tensor x = RandomTensor({2, 16, 7, 7}, 5), w = RandomTensor({16, 16, 3, 3}, 6);
  const Tensor b = RandomTensor({16}, 7);
  Variable trained = Conv2d(Variable(x, true), Variable(w), Variable(b), Opts(1, 1, 1));
  ASSERT_TRUE(trained.requires_grad());
  ClearTape();
  Variable inferred = Conv2d(Variable(x), Variable(w), Variable(b), Opts(1, 1, 1));
  EXPECT_FALSE(inferred.requires_grad());
  EXPECT_EQ(inferred.value().ToPlain().ToVector(), trained.value().ToPlain().ToVector());
}

TEST(Conv2dTest, SecondIdenticalInferenceCallCreatesNoPrimitive) {
  Tensor x = RandomTensor({2, 17, 6, 6}, 1), w = RandomTensor({16, 17, 3, 3}, 2);
  Tensor b = RandomTensor({16}, 3);
  NoGradScope no_grad;
  auto call = [&] {
    Variable h = Conv2d(Variable(x), Variable(w), Variable(b), Opts(1, 1, 1), Activation::Relu());
    Conv1d(Variable(RandomTensor({2, 16, 20}, 4)), Variable(RandomTensor({16, 16, 5}, 5)),
           Variable(), {1, 2, 1}, Activation::Gelu());
    return h;
  };
  call();
  const int64_t before = PrimitiveCache::creations();
  call();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

TEST(Conv1dTest, ActivationWithoutGradientMatchesSeparateOps) {
  const Tensor x = RandomTensor({2, 16, 20}, 1), w = RandomTensor({32, 16, 5}, 2);
  const Tensor b = RandomTensor({32}, 3);
  const Conv1dOptions o{1, 2, 1};
  Tensor separate = Relu(Conv1d(Variable(x, true), Variable(w), Variable(b), o)).value();
  ClearTape();
  NoGradScope no_grad;
  Tensor fused = Conv1d(Variable(x), Variable(w), Variable(b), o, Activation::Relu()).value();
  EXPECT_EQ(fused.ToPlain().ToVector(), separate.ToPlain().ToVector());
}

TEST(Conv2dDeathTest, MismatchedChannels) {
  EXPECT_DEATH(Conv2d(Variable(Tensor::Zeros({2, 3, 5, 5})), Variable(Tensor::Zeros({4, 2, 3, 3})),
                      Variable()),
               "conv2d: input \\[2, 3, 5, 5\\] and weight \\[4, 2, 3, 3\\]");
}

TEST(Conv2dDeathTest, KernelLargerThanPaddedInput) {
  Conv2dOptions o;
  o.pad_h = o.pad_w = 1;
  EXPECT_DEATH(Conv2d(Variable(Tensor::Zeros({1, 2, 3, 3})), Variable(Tensor::Zeros({4, 2, 6, 6})),
                      Variable(), o),
               "conv2d: kernel of weight \\[4, 2, 6, 6\\] \\(dilation 1x1\\) is larger than the "
               "padded input \\[1, 2, 3, 3\\] \\(padding 1x1\\)");
}

TEST(Conv2dDeathTest, BadBias) {
  EXPECT_DEATH(Conv2d(Variable(Tensor::Zeros({1, 2, 3, 3})), Variable(Tensor::Zeros({4, 2, 3, 3})),
                      Variable(Tensor::Zeros({3}))),
               "conv2d: bias \\[3\\] for weight \\[4, 2, 3, 3\\]");
}

// Plain references for the layers around a convolution in a CNN block.
Tensor ReferenceRelu(const Tensor& x) {
  Tensor y = x.ToPlain().Clone();
  for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] = std::max(y.data()[i], 0.0f);
  return y;
}

// k x k max pooling with stride k and no padding.
Tensor ReferenceMaxPool(const Tensor& x, int64_t k) {
  const int64_t nc = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  Tensor y = Tensor::Empty({x.dim(0), x.dim(1), h / k, w / k});
  for (int64_t m = 0; m < nc; ++m)
    for (int64_t i = 0; i < h / k; ++i)
      for (int64_t j = 0; j < w / k; ++j) {
        float best = x.data()[(m * h + i * k) * w + j * k];
        for (int64_t p = 0; p < k; ++p)
          for (int64_t q = 0; q < k; ++q)
            best = std::max(best, x.data()[(m * h + i * k + p) * w + j * k + q]);
        y.data()[(m * (h / k) + i) * (w / k) + j] = best;
      }
  return y;
}

bool SameBlocking(const Tensor& a, const Tensor& b) {
  const auto& ba = a.desc().data.format_desc.blocking;
  const auto& bb = b.desc().data.format_desc.blocking;
  if (ba.inner_nblks != bb.inner_nblks) return false;
  for (int i = 0; i < ba.inner_nblks; ++i) {
    if (ba.inner_blks[i] != bb.inner_blks[i] || ba.inner_idxs[i] != bb.inner_idxs[i]) return false;
  }
  return true;
}

// conv -> relu -> maxpool -> conv keeps oneDNN's blocked layout (nChw16c on
// AVX-512) from the first convolution's output to the second's input, gives
// the plain reference values, and repeats without creating primitives.
TEST(ConvBlockTest, StaysBlockedBetweenLayersAndMatchesReference) {
  Tensor x = RandomTensor({2, 16, 8, 8}, 1);
  Tensor w1 = RandomTensor({16, 16, 3, 3}, 2), b1 = RandomTensor({16}, 3);
  Tensor w2 = RandomTensor({32, 16, 3, 3}, 4), b2 = RandomTensor({32}, 5);
  const Conv2dOptions same = Opts(1, 1, 1);
  auto block = [&](const Variable& xv, const Variable& w1v, const Variable& w2v,
                   std::vector<Tensor>* layers) {
    Variable h = Conv2d(xv, w1v, Variable(b1), same);
    Variable r = Relu(h);
    Variable p = MaxPool2d(r, {2, 2, 2, 2});
    Variable y = Conv2d(p, w2v, Variable(b2), same);
    if (layers) *layers = {h.value(), r.value(), p.value(), y.value()};
    return y;
  };
  std::vector<Tensor> layers;
  block(Variable(x), Variable(w1), Variable(w2), &layers);
  for (const Tensor& t : layers) {
    EXPECT_FALSE(t.is_plain()) << t.ShapeString();
    EXPECT_TRUE(SameBlocking(t, layers[0])) << t.ShapeString();
  }
  EXPECT_EQ(layers[1].desc(), layers[0].desc());  // relu keeps the layout exactly
  Tensor expected = ReferenceConv2d(
      ReferenceMaxPool(ReferenceRelu(ReferenceConv2d(x, w1, b1, same)), 2), w2, b2, same);
  EXPECT_TRUE(TensorsNear(layers[3], expected, 1e-4f, 1e-4f));

  auto step = [&] {
    Variable xv(x, true), w1v(w1, true), w2v(w2, true);
    block(xv, w1v, w2v, nullptr).Backward(Tensor::Full({2, 32, 4, 4}, 1.f));
    EXPECT_TRUE(xv.grad().defined() && w1v.grad().defined() && w2v.grad().defined());
  };
  step();
  const int64_t before = PrimitiveCache::creations();
  step();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

struct Conv1dCase {
  Shape x, w;
  Conv1dOptions options;
  bool bias;
};

class Conv1dTest : public ::testing::TestWithParam<Conv1dCase> {};

TEST_P(Conv1dTest, ForwardMatchesReferenceAndGradient) {
  const Conv1dCase& c = GetParam();
  Tensor x = RandomTensor(c.x, 1), w = RandomTensor(c.w, 2);
  Tensor b = c.bias ? RandomTensor({c.w[0]}, 3) : Tensor();
  Tensor y = Conv1d(Variable(x), Variable(w), c.bias ? Variable(b) : Variable(), c.options).value();
  EXPECT_TRUE(TensorsNear(y, ReferenceConv1d(x, w, b, c.options), 1e-4f, 1e-4f));
  std::vector<Variable> inputs = {Variable(x, true), Variable(w, true)};
  if (c.bias) inputs.push_back(Variable(b, true));
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return Conv1d(in[0], in[1], c.bias ? in[2] : Variable(), c.options);
      },
      inputs));
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv1dTest,
                         ::testing::Values(Conv1dCase{{2, 3, 11}, {5, 3, 3}, {1, 0, 1}, true},
                                           Conv1dCase{{2, 3, 11}, {5, 3, 3}, {2, 1, 1}, false},
                                           Conv1dCase{{1, 4, 12}, {3, 4, 3}, {1, 2, 2}, true},
                                           Conv1dCase{{2, 17, 7}, {5, 17, 2}, {1, 1, 1}, true}));

TEST(Conv1dTest, SecondIdenticalCallCreatesNoPrimitive) {
  Tensor x = RandomTensor({2, 16, 20}, 1), w = RandomTensor({16, 16, 5}, 2);
  auto step = [&] {
    Variable wv(w, true);
    Conv1d(Variable(x, true), wv, Variable(), {1, 2, 1}).Backward(Tensor::Full({2, 16, 20}, 1.f));
  };
  step();
  const int64_t before = PrimitiveCache::creations();
  step();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

TEST(Conv1dDeathTest, MismatchedChannels) {
  EXPECT_DEATH(
      Conv1d(Variable(Tensor::Zeros({2, 3, 8})), Variable(Tensor::Zeros({4, 5, 3})), Variable()),
      "conv1d: input \\[2, 3, 8\\] and weight \\[4, 5, 3\\]");
}

// The conv encoders apply ReLU / leaky ReLU after a max pool when training
// (conv_encoder.cc): the same values and input gradients as before it, also
// for windows that are all negative, hold zeros, or tie.
TEST(MaxPoolCommutesWithRelu, SameValuesAndGradients) {
  Tensor x = RandomTensor({2, 17, 6, 8}, 21, -1.0f, 1.0f);
  for (int64_t i = 0; i < x.numel(); i += 5) x.data()[i] = 0.0f;
  for (int64_t i = 1; i < x.numel(); i += 7) x.data()[i] = x.data()[i - 1];
  const Tensor blocked = x.ToLayout(dnnl::memory::desc({2, 17, 6, 8}, dnnl::memory::data_type::f32,
                                                       dnnl::memory::format_tag::nChw16c));
  const Tensor dy = RandomTensor({2, 17, 3, 4}, 22);
  Pool2dOptions o;
  o.kernel_h = o.kernel_w = 2;
  for (const Tensor& in : {x, blocked}) {
    for (const Activation& act : {Activation::Relu(), Activation::LeakyRelu(0.01f)}) {
      Variable a(in, true), b(in, true);
      Variable ya = MaxPool2d(Activate(a, act), o);
      ya.Backward(dy);
      Variable yb = Activate(MaxPool2d(b, o), act);
      yb.Backward(dy);
      EXPECT_EQ(ya.value().ToPlain().ToVector(), yb.value().ToPlain().ToVector());
      EXPECT_EQ(a.grad().ToPlain().ToVector(), b.grad().ToPlain().ToVector());
    }
  }
}

}  // namespace
}  // namespace siamese
