#include "framework/ops/reduce.h"

#include <cmath>
#include <limits>

#include "framework/autograd/gradient_check.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

enum class Mode { kSum, kMean, kMax };

// Reference: visits every element of x and folds it into the output element
// obtained by zeroing (keepdims) or dropping the reduced coordinates.
Tensor ReferenceReduce(const Tensor& x, std::vector<int> axes, bool keepdims, Mode mode) {
  const int r = x.rank();
  std::vector<bool> red(r, axes.empty());
  for (int a : axes) red[a < 0 ? a + r : a] = true;
  Shape keep, out;
  for (int i = 0; i < r; ++i) {
    keep.push_back(red[i] ? 1 : x.dim(i));
    if (!red[i] || keepdims) out.push_back(red[i] ? 1 : x.dim(i));
  }
  const int64_t n = NumElements(keep);
  std::vector<double> acc(n, mode == Mode::kMax ? -INFINITY : 0.0);
  std::vector<int64_t> count(n, 0);
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    int64_t rem = flat, o = 0, stride = 1;
    for (int i = r - 1; i >= 0; --i) {
      const int64_t idx = rem % x.dim(i);
      rem /= x.dim(i);
      if (!red[i]) o += idx * stride;
      stride *= keep[i];
    }
    const double v = x.data()[flat];
    acc[o] = mode == Mode::kMax ? std::max(acc[o], v) : acc[o] + v;
    ++count[o];
  }
  Tensor y = Tensor::Empty(out);
  for (int64_t o = 0; o < n; ++o) {
    y.data()[o] = static_cast<float>(mode == Mode::kMean ? acc[o] / count[o] : acc[o]);
  }
  return y;
}

Variable Apply(Mode mode, const Variable& x, const std::vector<int>& axes, bool keepdims) {
  switch (mode) {
    case Mode::kSum:
      return Sum(x, axes, keepdims);
    case Mode::kMean:
      return Mean(x, axes, keepdims);
    case Mode::kMax:
      return Max(x, axes, keepdims);
  }
  return Variable();
}

struct ReduceCase {
  Shape shape;
  std::vector<int> axes;
  bool keepdims;
};

class ReduceTest : public ::testing::TestWithParam<ReduceCase> {};

// Distinct values (a shuffled ramp) so that max has no ties and the finite
// difference never crosses a kink: neighbours differ by 0.05 > 2 * eps.
Tensor DistinctValues(const Shape& shape) {
  Tensor t = Tensor::Empty(shape);
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) t.data()[i] = 0.05f * static_cast<float>((i * 7 + 3) % n) - 1;
  return t;
}

TEST_P(ReduceTest, ForwardMatchesReference) {
  const ReduceCase& c = GetParam();
  Tensor x = RandomTensor(c.shape, 1);
  for (Mode mode : {Mode::kSum, Mode::kMean, Mode::kMax}) {
    Tensor y = Apply(mode, Variable(x), c.axes, c.keepdims).value();
    EXPECT_TRUE(TensorsNear(y, ReferenceReduce(x, c.axes, c.keepdims, mode), 1e-5f, 1e-5f))
        << static_cast<int>(mode);
  }
}

TEST_P(ReduceTest, GradientMatchesFiniteDifferences) {
  const ReduceCase& c = GetParam();
  // The shuffle needs n coprime to 7.
  ASSERT_NE(NumElements(c.shape) % 7, 0);
  Tensor x = DistinctValues(c.shape);
  GradCheckOptions options;
  options.eps = 1e-2f;
  for (Mode mode : {Mode::kSum, Mode::kMean, Mode::kMax}) {
    EXPECT_TRUE(CheckGradients(
        [&](const std::vector<Variable>& in) { return Apply(mode, in[0], c.axes, c.keepdims); },
        {Variable(x.Clone(), true)}, options))
        << static_cast<int>(mode);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Axes, ReduceTest,
    ::testing::Values(ReduceCase{{3, 5}, {1}, false},          // rows
                      ReduceCase{{3, 5}, {0}, false},          // columns
                      ReduceCase{{3, 5}, {-1}, true},          // negative, keepdims
                      ReduceCase{{3, 5}, {}, false},           // all -> rank 0
                      ReduceCase{{3, 5}, {}, true},            // all -> [1, 1]
                      ReduceCase{{2, 3, 4}, {0, 2}, false},    // outer and inner
                      ReduceCase{{2, 3, 4}, {-2}, true},       // middle
                      ReduceCase{{2, 3, 4}, {2, 1}, false},    // unsorted axes
                      ReduceCase{{2, 1, 3, 5}, {1, 3}, true},  // size-1 axis reduced
                      ReduceCase{{2, 1, 3, 5}, {0, -2}, false}, ReduceCase{{4}, {0}, false}));

TEST(ReduceTest, SumAllAndMeanAllAreScalars) {
  Tensor x = RandomTensor({3, 4, 5}, 2);
  Variable s = SumAll(Variable(x)), m = MeanAll(Variable(x));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(m.shape(), Shape{});
  double sum = 0;
  for (float v : x.ToVector()) sum += v;
  EXPECT_NEAR(s.value().item(), sum, 1e-5);
  EXPECT_NEAR(m.value().item(), sum / 60, 1e-6);
  Variable v(x, true);
  MeanAll(v).Backward();
  EXPECT_TRUE(TensorsNear(v.grad(), Tensor::Full({3, 4, 5}, 1.0f / 60)));
  EXPECT_TRUE(CheckGradients([](const std::vector<Variable>& in) { return SumAll(in[0]); },
                             {Variable(RandomTensor({2, 3}, 3), true)}));
}

TEST(ReduceTest, LongRowSumIsAccurate) {
  // 147456 = 384 * 384 values of 0.1: a float running sum drifts by ~1e-3.
  Tensor x = Tensor::Full({384, 384}, 0.1f);
  EXPECT_NEAR(SumAll(Variable(x)).value().item(), 384.0 * 384.0 * 0.1f, 1e-2);
}

TEST(MaxTest, GradientGoesToFirstMaximum) {
  // Row 0 has its maximum 5 at columns 1 and 3; row 1 is all equal.
  Tensor x = Tensor::FromVector({2, 4}, {1, 5, 2, 5, 7, 7, 7, 7});
  Variable v(x, true);
  Variable y = Max(v, {1});
  EXPECT_EQ(y.value().ToVector(), (std::vector<float>{5, 7}));
  y.Backward(Tensor::FromVector({2}, {2, 3}));
  EXPECT_EQ(v.grad().ToVector(), (std::vector<float>{0, 2, 0, 0, 3, 0, 0, 0}));
  // Along axis 0 the first row wins the ties.
  Variable w(Tensor::FromVector({2, 2}, {4, 1, 4, 1}), true);
  Max(w, {0}).Backward(Tensor::FromVector({2}, {1, 1}));
  EXPECT_EQ(w.grad().ToVector(), (std::vector<float>{1, 1, 0, 0}));
}

TEST(MaxTest, PropagatesNaNAndHandlesInfinities) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = Tensor::FromVector({2, 3}, {1, NAN, 3, -inf, -inf, -inf});
  Variable v(x, true);
  Variable y = Max(v, {-1});
  EXPECT_TRUE(std::isnan(y.value().ToVector()[0]));
  EXPECT_EQ(y.value().ToVector()[1], -inf);
  y.Backward(Tensor::FromVector({2}, {1, 1}));
  EXPECT_EQ(v.grad().ToVector(), (std::vector<float>{0, 1, 0, 1, 0, 0}));
}

TEST(ReduceTest, BlockedInputIsReordered) {
  const Shape s = {1, 3, 2, 2};
  Tensor x = RandomTensor(s, 4);
  dnnl::memory::desc md(dnnl::memory::dims(s.begin(), s.end()), dnnl::memory::data_type::f32,
                        dnnl::memory::format_tag::nChw16c);
  Variable y = Sum(Variable(x.ToLayout(md)), {1, 3}, false);
  EXPECT_TRUE(TensorsNear(y.value(), ReferenceReduce(x, {1, 3}, false, Mode::kSum)));
  Variable m = Max(Variable(x.ToLayout(md)), {1}, true);
  EXPECT_TRUE(TensorsNear(m.value(), ReferenceReduce(x, {1}, true, Mode::kMax)));
}

TEST(ReduceDeathTest, NamesOpAndShapes) {
  Variable x(Tensor::Zeros({2, 3}));
  EXPECT_DEATH(Sum(x, {2}), "sum: axis 2 out of range for rank 2");
  EXPECT_DEATH(Mean(x, {1, -1}), "mean: axis 1 repeated in \\[1, -1\\] for \\[2, 3\\]");
  EXPECT_DEATH(Max(Variable(Tensor::Zeros({0, 3})), {0}),
               "max: reduction over an empty axis of \\[0, 3\\]");
}

}  // namespace
}  // namespace siamese
