#include "framework/ops/shape_ops.h"

#include <algorithm>

#include "framework/autograd/gradient_check.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

std::vector<int64_t> Unflatten(int64_t flat, const Shape& shape) {
  std::vector<int64_t> idx(shape.size());
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    idx[i] = flat % shape[i];
    flat /= shape[i];
  }
  return idx;
}

int64_t Flat(const std::vector<int64_t>& idx, const Shape& shape) {
  int64_t f = 0;
  for (size_t i = 0; i < shape.size(); ++i) f = f * shape[i] + idx[i];
  return f;
}

// Reference permute: y[idx] = x[idx mapped back through perm].
Tensor ReferencePermute(const Tensor& x, const std::vector<int>& perm) {
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = x.dim(perm[i]);
  Tensor y = Tensor::Empty(out);
  for (int64_t f = 0; f < y.numel(); ++f) {
    std::vector<int64_t> yi = Unflatten(f, out), xi(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) xi[perm[i]] = yi[i];
    y.data()[f] = x.data()[Flat(xi, x.shape())];
  }
  return y;
}

TEST(ReshapeTest, IsAViewAndInfersOneDim) {
  Tensor x = RandomTensor({2, 3, 4}, 1);
  Variable y = Reshape(Variable(x), {4, -1});
  EXPECT_EQ(y.shape(), (Shape{4, 6}));
  EXPECT_EQ(y.value().data(), x.data());
  EXPECT_EQ(Reshape(Variable(x), {-1}).shape(), (Shape{24}));
  EXPECT_TRUE(CheckGradients(
      [](const std::vector<Variable>& in) {
        return Reshape(in[0], {3, -1, 2});
      },
      {Variable(RandomTensor({2, 3, 2}, 2), true)}));
}

TEST(FlattenTest, MergesTrailingAxes) {
  Tensor x = RandomTensor({2, 3, 4, 5}, 1);
  EXPECT_EQ(Flatten(Variable(x)).shape(), (Shape{2, 60}));
  EXPECT_EQ(Flatten(Variable(x), -2).shape(), (Shape{2, 3, 20}));
  EXPECT_EQ(Flatten(Variable(x), 0).shape(), (Shape{120}));
  EXPECT_EQ(Flatten(Variable(x)).value().ToVector(), x.ToVector());
  EXPECT_TRUE(CheckGradients([](const std::vector<Variable>& in) { return Flatten(in[0]); },
                             {Variable(RandomTensor({2, 3, 2}, 2), true)}));
}

struct PermuteCase {
  Shape shape;
  std::vector<int> perm;
};

class PermuteTest : public ::testing::TestWithParam<PermuteCase> {};

TEST_P(PermuteTest, ForwardMatchesReference) {
  const PermuteCase& c = GetParam();
  Tensor x = RandomTensor(c.shape, 1);
  EXPECT_TRUE(TensorsNear(Permute(Variable(x), c.perm).value(), ReferencePermute(x, c.perm), 0, 0));
}

TEST_P(PermuteTest, GradientIsInversePermutation) {
  const PermuteCase& c = GetParam();
  // The same permutation on a copy of the shape with dims capped at 3, to
  // keep the finite differences cheap.
  Shape small = c.shape;
  for (int64_t& d : small) d = std::min<int64_t>(d, 3);
  EXPECT_TRUE(
      CheckGradients([&](const std::vector<Variable>& in) { return Permute(in[0], c.perm); },
                     {Variable(RandomTensor(small, 2), true)}));
}

INSTANTIATE_TEST_SUITE_P(Perms, PermuteTest,
                         ::testing::Values(PermuteCase{{2, 3, 4, 5}, {0, 2, 3, 1}},  // NCHW -> NHWC
                                           PermuteCase{{2, 3, 4, 5}, {3, 1, 0, 2}},
                                           PermuteCase{{2, 3, 4, 5},
                                                       {0, 1, 3, 2}},  // batched transpose
                                           PermuteCase{{2, 3, 4, 5}, {0, 1, 2, 3}},  // identity
                                           PermuteCase{{2, 1, 3, 1}, {3, 2, 1, 0}},  // size-1 dims
                                           PermuteCase{{3, 5}, {1, 0}},
                                           PermuteCase{{37, 45}, {1, 0}},  // several 32 x 32 tiles
                                           PermuteCase{{3, 33, 34}, {0, 2, 1}}));

TEST(TransposeTest, SwapsTwoAxes) {
  Tensor x = RandomTensor({2, 3, 4}, 1);
  EXPECT_TRUE(
      TensorsNear(Transpose(Variable(x), 0, -1).value(), ReferencePermute(x, {2, 1, 0}), 0, 0));
  EXPECT_TRUE(CheckGradients([](const std::vector<Variable>& in) { return Transpose(in[0], 1, 2); },
                             {Variable(x, true)}));
}

TEST(PermuteTest, BlockedInputIsReordered) {
  const Shape s = {1, 3, 2, 2};
  Tensor x = RandomTensor(s, 4);
  dnnl::memory::desc md(dnnl::memory::dims(s.begin(), s.end()), dnnl::memory::data_type::f32,
                        dnnl::memory::format_tag::nChw16c);
  EXPECT_TRUE(TensorsNear(Permute(Variable(x.ToLayout(md)), {0, 2, 3, 1}).value(),
                          ReferencePermute(x, {0, 2, 3, 1}), 0, 0));
  EXPECT_EQ(Reshape(Variable(x.ToLayout(md)), {3, 4}).value().ToVector(), x.ToVector());
}

TEST(ConcatTest, AxisZeroAndOne) {
  Tensor a = RandomTensor({2, 3}, 1), b = RandomTensor({1, 3}, 2), c = RandomTensor({3, 3}, 3);
  Tensor y0 = Concat({Variable(a), Variable(b), Variable(c)}, 0).value();
  ASSERT_EQ(y0.shape(), (Shape{6, 3}));
  std::vector<float> expected = a.ToVector();
  for (float v : b.ToVector()) expected.push_back(v);
  for (float v : c.ToVector()) expected.push_back(v);
  EXPECT_EQ(y0.ToVector(), expected);

  Tensor d = RandomTensor({2, 1}, 4), e = RandomTensor({2, 4}, 5);
  Tensor y1 = Concat({Variable(a), Variable(d), Variable(e)}, -1).value();
  ASSERT_EQ(y1.shape(), (Shape{2, 8}));
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 8; ++j) {
      const float want = j < 3   ? a.data()[i * 3 + j]
                         : j < 4 ? d.data()[i]
                                 : e.data()[i * 4 + j - 4];
      EXPECT_EQ(y1.data()[i * 8 + j], want);
    }
  }
}

TEST(ConcatTest, Gradients) {
  auto fn0 = [](const std::vector<Variable>& in) { return Concat(in, 0); };
  EXPECT_TRUE(CheckGradients(
      fn0, {Variable(RandomTensor({2, 3}, 1), true), Variable(RandomTensor({1, 3}, 2), false),
            Variable(RandomTensor({3, 3}, 3), true)}));
  auto fn1 = [](const std::vector<Variable>& in) { return Concat(in, 1); };
  EXPECT_TRUE(CheckGradients(fn1, {Variable(RandomTensor({2, 3, 2}, 1), true),
                                   Variable(RandomTensor({2, 1, 2}, 2), true)}));
}

TEST(SliceTest, ForwardAndGradient) {
  Tensor x = RandomTensor({3, 5, 2}, 1);
  Tensor y = Slice(Variable(x), 1, 1, 4).value();
  ASSERT_EQ(y.shape(), (Shape{3, 3, 2}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 2; ++k)
        EXPECT_EQ(y.data()[(i * 3 + j) * 2 + k], x.data()[(i * 5 + j + 1) * 2 + k]);
  EXPECT_EQ(Slice(Variable(x), -1, 1, 1).shape(), (Shape{3, 5, 0}));
  EXPECT_TRUE(CheckGradients([](const std::vector<Variable>& in) { return Slice(in[0], 1, 1, 4); },
                             {Variable(x, true)}));
  EXPECT_TRUE(CheckGradients([](const std::vector<Variable>& in) { return Slice(in[0], 0, 2, 3); },
                             {Variable(x.Clone(), true)}));
}

TEST(GatherRowsTest, RepeatedRowsScatterAdd) {
  Tensor x = RandomTensor({4, 3}, 1);
  const std::vector<int64_t> rows = {2, 0, 2, 2, 3};
  Variable v(x, true);
  Variable y = GatherRows(v, rows);
  ASSERT_EQ(y.shape(), (Shape{5, 3}));
  for (size_t i = 0; i < rows.size(); ++i)
    for (int64_t k = 0; k < 3; ++k)
      EXPECT_EQ(y.value().data()[i * 3 + k], x.data()[rows[i] * 3 + k]);
  y.Backward(Tensor::Full({5, 3}, 1.0f));
  // Row 2 was gathered three times, row 1 never.
  EXPECT_EQ(v.grad().ToVector(), (std::vector<float>{1, 1, 1, 0, 0, 0, 3, 3, 3, 1, 1, 1}));
  EXPECT_TRUE(
      CheckGradients([&](const std::vector<Variable>& in) { return GatherRows(in[0], rows); },
                     {Variable(RandomTensor({4, 2, 3}, 2), true)}));
  EXPECT_EQ(GatherRows(Variable(x), {}).shape(), (Shape{0, 3}));
}

TEST(ShapeOpsDeathTest, NamesOpAndShapes) {
  Variable x(Tensor::Zeros({2, 3}));
  EXPECT_DEATH(Reshape(x, {4, -1}), "reshape: cannot view \\[2, 3\\] as \\[4, -1\\]");
  EXPECT_DEATH(Permute(x, {0, 0}), "permute: bad permutation \\[0, 0\\] for \\[2, 3\\]");
  EXPECT_DEATH(Permute(x, {1, 0, 2}), "permute: bad permutation \\[1, 0, 2\\] for \\[2, 3\\]");
  EXPECT_DEATH(Slice(x, 1, 1, 5), "slice: \\[1, 5\\) out of range for axis 1 of \\[2, 3\\]");
  EXPECT_DEATH(Slice(x, 0, 2, 1), "slice: \\[2, 1\\) out of range for axis 0 of \\[2, 3\\]");
  EXPECT_DEATH(GatherRows(x, {0, 2}), "gather_rows: row 2 out of range for \\[2, 3\\]");
  EXPECT_DEATH(GatherRows(x, {-1}), "gather_rows: row -1 out of range for \\[2, 3\\]");
  EXPECT_DEATH(Concat({x, Variable(Tensor::Zeros({3, 3}))}, 1),
               "concat: cannot concatenate \\[2, 3\\] with \\[3, 3\\] along axis 1");
}

}  // namespace
}  // namespace siamese
