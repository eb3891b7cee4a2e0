#include "framework/ops/softmax.h"

#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "framework/tensor/dnnl_context.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Plain reference: softmax (or log-softmax) of a row-major tensor along axis.
Tensor ReferenceSoftmax(const Tensor& x, int axis, bool log) {
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= x.dim(i);
  for (int i = axis + 1; i < x.rank(); ++i) inner *= x.dim(i);
  const int64_t n = x.dim(axis);
  Tensor y = Tensor::Empty(x.shape());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t k) { return (o * n + k) * inner + in; };
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) sum += std::exp(static_cast<double>(x.data()[at(k)]));
      for (int64_t k = 0; k < n; ++k) {
        const double v = x.data()[at(k)];
        y.data()[at(k)] = static_cast<float>(log ? v - std::log(sum) : std::exp(v) / sum);
      }
    }
  return y;
}

class SoftmaxAxisTest : public ::testing::TestWithParam<int> {};

TEST_P(SoftmaxAxisTest, ForwardMatchesReferenceAndSlicesSumToOne) {
  const int axis = GetParam();
  const int a = axis < 0 ? axis + 3 : axis;
  Tensor x = RandomTensor({3, 4, 5}, 5, -3.0f, 3.0f);
  Tensor y = Softmax(Variable(x), axis).value();
  EXPECT_TRUE(TensorsNear(y, ReferenceSoftmax(x, a, false), 1e-6f, 1e-5f));
  Tensor ly = LogSoftmax(Variable(x), axis).value();
  EXPECT_TRUE(TensorsNear(ly, ReferenceSoftmax(x, a, true), 1e-5f, 1e-5f));

  // Every slice along the axis sums to 1 (also exp of log-softmax).
  Tensor yp = y.ToPlain(), lp = ly.ToPlain();
  int64_t inner = 1;
  for (int i = a + 1; i < 3; ++i) inner *= x.dim(i);
  const int64_t n = x.dim(a), outer = x.numel() / (n * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      double s = 0, ls = 0;
      for (int64_t k = 0; k < n; ++k) {
        s += yp.data()[(o * n + k) * inner + in];
        ls += std::exp(lp.data()[(o * n + k) * inner + in]);
      }
      EXPECT_NEAR(s, 1.0, 1e-5);
      EXPECT_NEAR(ls, 1.0, 1e-5);
    }
}

TEST_P(SoftmaxAxisTest, GradientsMatchFiniteDifferences) {
  const int axis = GetParam();
  Tensor x = RandomTensor({3, 4, 5}, 9, -2.0f, 2.0f);
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(
      CheckGradients([axis](const std::vector<Variable>& in) { return Softmax(in[0], axis); },
                     {Variable(x, true)}, options));
  EXPECT_TRUE(
      CheckGradients([axis](const std::vector<Variable>& in) { return LogSoftmax(in[0], axis); },
                     {Variable(x, true)}, options));
}

INSTANTIATE_TEST_SUITE_P(Axes, SoftmaxAxisTest, ::testing::Values(0, 1, 2, -1, -3));

TEST(SoftmaxTest, OddShapesAndSizeOneAxis) {
  // Rank 1, and an axis of size 1 (softmax is 1, log-softmax is 0, gradient 0).
  Tensor x1 = RandomTensor({7}, 1, -2.0f, 2.0f);
  EXPECT_TRUE(
      TensorsNear(Softmax(Variable(x1)).value(), ReferenceSoftmax(x1, 0, false), 1e-6f, 1e-5f));
  Tensor x = RandomTensor({2, 1, 3}, 2, -2.0f, 2.0f);
  EXPECT_TRUE(TensorsNear(Softmax(Variable(x), 1).value(), Tensor::Full({2, 1, 3}, 1.0f)));
  EXPECT_TRUE(TensorsNear(LogSoftmax(Variable(x), 1).value(), Tensor::Zeros({2, 1, 3})));
  Tensor x17 = RandomTensor({2, 17}, 3, -2.0f, 2.0f);
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients([](const std::vector<Variable>& in) { return LogSoftmax(in[0]); },
                             {Variable(x17, true)}, options));
}

TEST(SoftmaxTest, LogSoftmaxIsStableForLargeInputs) {
  Tensor x = Tensor::FromVector({1, 3}, {1000.0f, 0.0f, -1000.0f});
  Tensor ly = LogSoftmax(Variable(x)).value();
  EXPECT_NEAR(ly.data()[0], 0.0f, 1e-5f);
  EXPECT_NEAR(ly.data()[1], -1000.0f, 1e-2f);
  EXPECT_NEAR(ly.data()[2], -2000.0f, 1e-1f);
}

TEST(SoftmaxTest, BlockedInputMatchesPlainAndKeepsLayout) {
  Tensor x = RandomTensor({2, 16, 3, 3}, 4, -2.0f, 2.0f);
  dnnl::memory::desc blocked(dnnl::memory::dims{2, 16, 3, 3}, dnnl::memory::data_type::f32,
                             dnnl::memory::format_tag::nChw16c);
  Tensor xb = x.ToLayout(blocked);
  Tensor y = Softmax(Variable(xb), 1).value();
  EXPECT_TRUE(y.desc() == blocked);
  EXPECT_TRUE(TensorsNear(y, ReferenceSoftmax(x, 1, false), 1e-6f, 1e-5f));
  // The backward of a blocked input matches that of the plain one.
  Tensor dy = RandomTensor(x.shape(), 8);
  Variable vp(x, true), vb(xb, true);
  Softmax(vp, 1).Backward(dy);
  Softmax(vb, 1).Backward(dy);
  EXPECT_TRUE(TensorsNear(vb.grad(), vp.grad(), 1e-6f, 1e-5f));
}

TEST(SoftmaxTest, SecondIdenticalCallCreatesNoPrimitive) {
  Tensor x = RandomTensor({4, 6}, 1);
  auto step = [&] {
    Variable v(x, true);
    Softmax(v, 1).Backward(Tensor::Full({4, 6}, 1.0f));
    LogSoftmax(v, 0).Backward(Tensor::Full({4, 6}, 1.0f));
  };
  step();
  const int64_t before = PrimitiveCache::creations();
  step();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

TEST(SoftmaxDeathTest, NamesOpAndShape) {
  EXPECT_DEATH(Softmax(Variable(Tensor::Zeros({2, 3})), 2),
               "softmax: axis 2 out of range for rank 2");
  EXPECT_DEATH(LogSoftmax(Variable(Tensor::Scalar(1.0f))),
               "log_softmax: needs rank >= 1, got \\[\\]");
}

}  // namespace
}  // namespace siamese
