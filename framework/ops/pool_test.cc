#include "framework/ops/pool.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/rng.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

enum class Kind { kMax, kAvgExclude, kAvgInclude };

// Plain reference over [N, C, H, W]: each output is the max or mean of its
// window, skipping padded positions (the mean divides by the real count, or
// by kh * kw when padding is included).
Tensor ReferencePool2d(const Tensor& x_any, Kind kind, const Pool2dOptions& o) {
  Tensor x = x_any.ToPlain();
  const int64_t nc = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  const int64_t oh = (h + 2 * o.pad_h - o.kernel_h) / o.stride_h + 1;
  const int64_t ow = (w + 2 * o.pad_w - o.kernel_w) / o.stride_w + 1;
  Tensor y = Tensor::Empty({x.dim(0), x.dim(1), oh, ow});
  for (int64_t m = 0; m < nc; ++m)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int64_t count = 0;
        for (int64_t p = 0; p < o.kernel_h; ++p)
          for (int64_t q = 0; q < o.kernel_w; ++q) {
            const int64_t r = i * o.stride_h - o.pad_h + p, s = j * o.stride_w - o.pad_w + q;
            if (r < 0 || r >= h || s < 0 || s >= w) continue;
            const double v = x.data()[(m * h + r) * w + s];
            best = std::max(best, v);
            sum += v;
            ++count;
          }
        const double out = kind == Kind::kMax          ? best
                           : kind == Kind::kAvgExclude ? sum / count
                                                       : sum / (o.kernel_h * o.kernel_w);
        y.data()[(m * oh + i) * ow + j] = static_cast<float>(out);
      }
  return y;
}

// 1-D pooling is the 2-D one with H = kernel_h = 1.
Tensor ReferencePool1d(const Tensor& x, Kind kind, int64_t k, int64_t s, int64_t p) {
  Tensor y = ReferencePool2d(x.Reshape({x.dim(0), x.dim(1), 1, x.dim(2)}), kind,
                             Pool2dOptions{1, k, 1, s, 0, p});
  return y.Reshape({y.dim(0), y.dim(1), y.dim(3)});
}

// Distinct values 0.05 apart in random order, so that no max-pooling window
// has a tie, even after the gradient checker's +-0.01 perturbation.
Tensor DistinctTensor(const Shape& shape, uint64_t seed) {
  Tensor t = Tensor::Empty(shape);
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) t.data()[i] = 0.05f * static_cast<float>(i - n / 2);
  Rng rng(seed);
  for (int64_t i = n - 1; i > 0; --i) std::swap(t.data()[i], t.data()[rng.UniformInt(i + 1)]);
  return t;
}

Tensor Blocked(const Tensor& x) {
  const auto tag =
      x.rank() == 4 ? dnnl::memory::format_tag::nChw16c : dnnl::memory::format_tag::nCw16c;
  return x.ToLayout(dnnl::memory::desc(dnnl::memory::dims(x.shape().begin(), x.shape().end()),
                                       dnnl::memory::data_type::f32, tag));
}

Variable Pool2d(Kind kind, const Variable& x, const Pool2dOptions& o) {
  switch (kind) {
    case Kind::kMax:
      return MaxPool2d(x, o);
    case Kind::kAvgExclude:
      return AvgPool2d(x, o, false);
    case Kind::kAvgInclude:
      return AvgPool2d(x, o, true);
  }
  return Variable();
}

struct Pool2dCase {
  Kind kind;
  Shape x;
  Pool2dOptions options;
};

class Pool2dTest : public ::testing::TestWithParam<Pool2dCase> {};

TEST_P(Pool2dTest, ForwardMatchesReference) {
  const Pool2dCase& c = GetParam();
  Tensor x = DistinctTensor(c.x, 1);
  Tensor y = Pool2d(c.kind, Variable(x), c.options).value();
  EXPECT_TRUE(TensorsNear(y, ReferencePool2d(x, c.kind, c.options), 1e-5f, 1e-5f));
}

TEST_P(Pool2dTest, GradientMatchesFiniteDifferences) {
  const Pool2dCase& c = GetParam();
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) { return Pool2d(c.kind, in[0], c.options); },
      {Variable(DistinctTensor(c.x, 2), true)}));
}

// The blocked path (as after a convolution) gives the same values and the
// same input gradient as the plain path, and keeps the layout.
TEST_P(Pool2dTest, BlockedInputMatchesPlain) {
  const Pool2dCase& c = GetParam();
  Tensor x = DistinctTensor(c.x, 3);
  Variable plain(x, true), blocked(Blocked(x), true);
  // Backward() consumes the whole tape, so run the two paths one after the other.
  Variable yp = Pool2d(c.kind, plain, c.options);
  Tensor dy = RandomTensor(yp.shape(), 4);
  yp.Backward(dy);
  Variable yb = Pool2d(c.kind, blocked, c.options);
  yb.Backward(dy);
  EXPECT_FALSE(yb.value().is_plain());
  EXPECT_TRUE(TensorsNear(yb.value(), yp.value(), 0.f, 0.f));
  EXPECT_FALSE(blocked.grad().is_plain());
  EXPECT_TRUE(TensorsNear(blocked.grad(), plain.grad(), 1e-6f, 1e-6f));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Pool2dTest,
    ::testing::Values(Pool2dCase{Kind::kMax, {2, 3, 6, 6}, {2, 2, 2, 2, 0, 0}},
                      Pool2dCase{Kind::kMax, {2, 3, 5, 5}, {3, 3, 2, 2, 1, 1}},
                      Pool2dCase{Kind::kMax, {1, 17, 5, 4}, {3, 2, 1, 2, 1, 0}},
                      Pool2dCase{Kind::kMax, {2, 2, 6, 7}, {2, 3, 1, 2, 0, 0}},
                      Pool2dCase{Kind::kAvgExclude, {2, 3, 6, 6}, {2, 2, 2, 2, 0, 0}},
                      Pool2dCase{Kind::kAvgExclude, {2, 3, 5, 5}, {3, 3, 2, 2, 1, 1}},
                      Pool2dCase{Kind::kAvgExclude, {1, 17, 5, 4}, {3, 2, 1, 2, 1, 1}},
                      Pool2dCase{Kind::kAvgInclude, {2, 3, 5, 5}, {3, 3, 2, 2, 1, 1}},
                      Pool2dCase{Kind::kAvgInclude, {1, 17, 5, 4}, {3, 2, 1, 2, 1, 1}}));

TEST(Pool2dTest, IncludeAndExcludePaddingDifferOnlyAtBorders) {
  Tensor x = Tensor::Full({1, 1, 4, 4}, 1.0f);
  Pool2dOptions o{3, 3, 1, 1, 1, 1};
  Tensor ex = AvgPool2d(Variable(x), o, false).value();
  Tensor in = AvgPool2d(Variable(x), o, true).value().ToPlain();
  EXPECT_TRUE(TensorsNear(ex, Tensor::Full({1, 1, 4, 4}, 1.0f), 1e-6f, 0.f));
  EXPECT_NEAR(in.data()[0], 4.0f / 9, 1e-6);  // corner: 4 real inputs of 9
  EXPECT_NEAR(in.data()[1], 6.0f / 9, 1e-6);  // edge: 6 of 9
  EXPECT_NEAR(in.data()[5], 1.0f, 1e-6);      // interior
}

TEST(GlobalAvgPoolTest, TwoDimensional) {
  Tensor x = RandomTensor({2, 17, 3, 5}, 1);
  Tensor y = GlobalAvgPool2d(Variable(Blocked(x))).value();
  ASSERT_EQ(y.shape(), (Shape{2, 17}));
  EXPECT_TRUE(y.is_plain());
  EXPECT_TRUE(TensorsNear(
      y, ReferencePool2d(x, Kind::kAvgExclude, {3, 5, 1, 1, 0, 0}).Reshape({2, 17}), 1e-5f, 1e-5f));
  EXPECT_TRUE(CheckGradients([](const std::vector<Variable>& in) { return GlobalAvgPool2d(in[0]); },
                             {Variable(RandomTensor({2, 3, 4, 5}, 2), true)}));
}

TEST(GlobalAvgPoolTest, OneDimensional) {
  Tensor x = RandomTensor({3, 5, 7}, 1);
  Tensor y = GlobalAvgPool1d(Variable(x)).value();
  ASSERT_EQ(y.shape(), (Shape{3, 5}));
  EXPECT_TRUE(
      TensorsNear(y, ReferencePool1d(x, Kind::kAvgExclude, 7, 7, 0).Reshape({3, 5}), 1e-5f, 1e-5f));
  EXPECT_TRUE(CheckGradients([](const std::vector<Variable>& in) { return GlobalAvgPool1d(in[0]); },
                             {Variable(RandomTensor({2, 3, 6}, 2), true)}));
}

TEST(GlobalAvgPoolTest, BlockedGradientMatchesPlain) {
  Tensor x = RandomTensor({2, 17, 3, 4}, 1);
  Variable plain(x, true), blocked(Blocked(x), true);
  Tensor dy = RandomTensor({2, 17}, 2);
  GlobalAvgPool2d(plain).Backward(dy);
  GlobalAvgPool2d(blocked).Backward(dy);
  EXPECT_TRUE(TensorsNear(blocked.grad(), plain.grad(), 1e-6f, 1e-6f));
}

struct Pool1dCase {
  Kind kind;
  Shape x;
  int64_t kernel, stride, padding;
};

class Pool1dTest : public ::testing::TestWithParam<Pool1dCase> {};

Variable Pool1d(const Pool1dCase& c, const Variable& x) {
  if (c.kind == Kind::kMax) return MaxPool1d(x, c.kernel, c.stride, c.padding);
  return AvgPool1d(x, c.kernel, c.stride, c.padding, c.kind == Kind::kAvgInclude);
}

TEST_P(Pool1dTest, ForwardGradientAndBlocked) {
  const Pool1dCase& c = GetParam();
  Tensor x = DistinctTensor(c.x, 1);
  Tensor y = Pool1d(c, Variable(x)).value();
  EXPECT_TRUE(
      TensorsNear(y, ReferencePool1d(x, c.kind, c.kernel, c.stride, c.padding), 1e-5f, 1e-5f));
  Tensor yb = Pool1d(c, Variable(Blocked(x))).value();
  EXPECT_FALSE(yb.is_plain());
  EXPECT_TRUE(TensorsNear(yb, y, 0.f, 0.f));
  EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return Pool1d(c, in[0]); },
                             {Variable(DistinctTensor(c.x, 2), true)}));
}

INSTANTIATE_TEST_SUITE_P(Shapes, Pool1dTest,
                         ::testing::Values(Pool1dCase{Kind::kMax, {2, 3, 10}, 2, 2, 0},
                                           Pool1dCase{Kind::kMax, {2, 17, 9}, 3, 2, 1},
                                           Pool1dCase{Kind::kAvgExclude, {2, 3, 9}, 3, 2, 1},
                                           Pool1dCase{Kind::kAvgInclude, {1, 5, 8}, 4, 3, 2}));

TEST(Pool2dTest, StrideZeroMeansKernel) {
  Tensor x = DistinctTensor({1, 2, 6, 6}, 1);
  Tensor y = MaxPool2d(Variable(x), Pool2dOptions{3, 2}).value();
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 3}));
  EXPECT_TRUE(TensorsNear(y, ReferencePool2d(x, Kind::kMax, {3, 2, 3, 2, 0, 0}), 0.f, 0.f));
}

TEST(PoolTest, SecondIdenticalCallCreatesNoPrimitive) {
  Tensor x = Blocked(DistinctTensor({2, 16, 6, 6}, 1));
  auto step = [&] {
    Variable xv(x, true);
    MaxPool2d(xv, {2, 2, 2, 2}).Backward(Tensor::Full({2, 16, 3, 3}, 1.f));
    AvgPool2d(xv, {3, 3, 1, 1, 1, 1}).Backward(Tensor::Full({2, 16, 6, 6}, 1.f));
    GlobalAvgPool2d(xv).Backward(Tensor::Full({2, 16}, 1.f));
  };
  step();
  const int64_t before = PrimitiveCache::creations();
  step();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

// Without a gradient the pooling runs forward_inference (max pooling keeps
// no workspace); the values are those of the training path.
TEST(PoolTest, InferenceMatchesTrainingPath) {
  Tensor x = Blocked(DistinctTensor({2, 16, 6, 6}, 1));
  auto all = [&](const Variable& xv) {
    return std::vector<Tensor>{MaxPool2d(xv, {2, 2, 2, 2}).value().ToPlain(),
                               AvgPool2d(xv, {3, 3, 1, 1, 1, 1}).value().ToPlain(),
                               GlobalAvgPool2d(xv).value().ToPlain()};
  };
  const std::vector<Tensor> trained = all(Variable(x, true));
  EXPECT_GT(TapeSize(), 0);
  ClearTape();
  NoGradScope no_grad;
  const std::vector<Tensor> inferred = all(Variable(x, true));
  EXPECT_EQ(TapeSize(), 0);
  for (size_t i = 0; i < trained.size(); ++i) {
    EXPECT_EQ(inferred[i].ToVector(), trained[i].ToVector()) << i;
  }
  const int64_t before = PrimitiveCache::creations();
  all(Variable(x));
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

TEST(PoolDeathTest, WrongRank) {
  EXPECT_DEATH(MaxPool2d(Variable(Tensor::Zeros({2, 3, 5})), {2, 2}),
               "maxpool2d: input \\[2, 3, 5\\] must have rank 4");
  EXPECT_DEATH(AvgPool1d(Variable(Tensor::Zeros({2, 3, 5, 5})), 2, 2),
               "avgpool1d: input \\[2, 3, 5, 5\\] must have rank 3");
}

TEST(PoolDeathTest, KernelLargerThanPaddedInput) {
  EXPECT_DEATH(MaxPool2d(Variable(Tensor::Zeros({1, 2, 3, 3})), {6, 6, 1, 1, 1, 1}),
               "maxpool2d: kernel 6x6 is larger than the padded input \\[1, 2, 3, 3\\] "
               "\\(padding 1x1\\)");
}

TEST(PoolDeathTest, PaddingAboveHalfKernel) {
  EXPECT_DEATH(AvgPool2d(Variable(Tensor::Zeros({1, 2, 5, 5})), {3, 3, 1, 1, 2, 2}),
               "avgpool2d: padding 2x2 must be in \\[0, kernel / 2\\] for kernel 3x3");
}

}  // namespace
}  // namespace siamese
