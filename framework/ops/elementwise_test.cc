#include "framework/ops/elementwise.h"

#include <functional>

#include "framework/autograd/gradient_check.h"
#include "framework/tensor/dnnl_context.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Reference: out[i] = f(a[i'], b[i'']) with NumPy broadcasting, computed one
// output index at a time (in double).
Tensor ReferenceBinary(const Tensor& a, const Tensor& b,
                       const std::function<double(double, double)>& f) {
  const int r = std::max(a.rank(), b.rank());
  auto padded = [r](const Shape& s) {
    Shape p(r - s.size(), 1);
    p.insert(p.end(), s.begin(), s.end());
    return p;
  };
  const Shape pa = padded(a.shape()), pb = padded(b.shape());
  Shape out(r);
  for (int i = 0; i < r; ++i) out[i] = std::max(pa[i], pb[i]);
  Tensor y = Tensor::Empty(out);
  for (int64_t flat = 0; flat < y.numel(); ++flat) {
    int64_t rem = flat, ia = 0, ib = 0, sa = 1, sb = 1;
    for (int i = r - 1; i >= 0; --i) {
      const int64_t idx = rem % out[i];
      rem /= out[i];
      ia += (pa[i] == 1 ? 0 : idx) * sa;
      ib += (pb[i] == 1 ? 0 : idx) * sb;
      sa *= pa[i];
      sb *= pb[i];
    }
    y.data()[flat] = static_cast<float>(f(a.data()[ia], b.data()[ib]));
  }
  return y;
}

struct OpCase {
  const char* name;
  std::function<Variable(const Variable&, const Variable&)> op;
  std::function<double(double, double)> reference;
};

const OpCase kOps[] = {
    {"add", Add, [](double a, double b) { return a + b; }},
    {"sub", Sub, [](double a, double b) { return a - b; }},
    {"mul", Mul, [](double a, double b) { return a * b; }},
    {"div", Div, [](double a, double b) { return a / b; }},
};

struct ShapeCase {
  Shape a, b;
};

class BinaryTest : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(BinaryTest, ForwardMatchesReference) {
  const ShapeCase& c = GetParam();
  Tensor a = RandomTensor(c.a, 1, -2.0f, 2.0f), b = RandomTensor(c.b, 2, 0.5f, 2.0f);
  for (const OpCase& op : kOps) {
    Tensor y = op.op(Variable(a), Variable(b)).value();
    EXPECT_TRUE(TensorsNear(y, ReferenceBinary(a, b, op.reference), 1e-6f, 1e-6f)) << op.name;
  }
}

TEST_P(BinaryTest, GradientsReduceOverBroadcastDims) {
  const ShapeCase& c = GetParam();
  // b stays in [0.5, 2] so that division is smooth.
  Tensor a = RandomTensor(c.a, 3, -2.0f, 2.0f), b = RandomTensor(c.b, 4, 0.5f, 2.0f);
  for (const OpCase& op : kOps) {
    EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return op.op(in[0], in[1]); },
                               {Variable(a.Clone(), true), Variable(b.Clone(), true)}))
        << op.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, BinaryTest,
                         ::testing::Values(ShapeCase{{2, 3}, {2, 3}},     // same shape
                                           ShapeCase{{2, 3}, {3}},        // row vector, lower rank
                                           ShapeCase{{3}, {2, 3}},        // lower rank first
                                           ShapeCase{{4, 3}, {4, 1}},     // column vector
                                           ShapeCase{{1, 5}, {3, 1}},     // outer product shape
                                           ShapeCase{{2, 1, 4}, {3, 1}},  // both broadcast
                                           ShapeCase{{}, {2, 3}},         // rank-0 scalar
                                           ShapeCase{{2, 3}, {1}},        // one-element
                                           ShapeCase{{2, 3, 1, 5},
                                                     {3, 4, 1}},  // rank 4 with rank 3
                                           ShapeCase{{1, 2, 1, 3, 2}, {2, 1, 3, 1}},  // rank 5
                                           ShapeCase{{1, 1}, {1}}));

TEST(BinaryTest, VariableUsedTwiceSumsBothPaths) {
  Tensor x = RandomTensor({3, 4}, 5, 0.5f, 2.0f);
  Variable v(x, true);
  Mul(v, v).Backward(Tensor::Full({3, 4}, 1.0f));
  Tensor twice = Tensor::Empty({3, 4});
  for (int64_t i = 0; i < x.numel(); ++i) twice.data()[i] = 2 * x.data()[i];
  EXPECT_TRUE(TensorsNear(v.grad(), twice));
  Variable w(x, true);
  Sub(w, w).Backward(Tensor::Full({3, 4}, 1.0f));
  EXPECT_TRUE(TensorsNear(w.grad(), Tensor::Zeros({3, 4})));
}

dnnl::memory::desc Blocked16c(const Shape& s) {
  return dnnl::memory::desc(dnnl::memory::dims(s.begin(), s.end()), dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::nChw16c);
}

TEST(BinaryTest, SameBlockedLayoutStaysBlocked) {
  const Shape s = {2, 3, 2, 3};
  Tensor a = RandomTensor(s, 1), b = RandomTensor(s, 2, 0.5f, 2.0f);
  Tensor ab = a.ToLayout(Blocked16c(s)), bb = b.ToLayout(Blocked16c(s));
  for (const OpCase& op : kOps) {
    Variable va(ab, true), vb(bb, true);
    Variable y = op.op(va, vb);
    const bool div = std::string(op.name) == "div";
    EXPECT_EQ(y.value().is_plain(), div) << op.name;  // division goes plain
    EXPECT_TRUE(TensorsNear(y.value(), ReferenceBinary(a, b, op.reference), 1e-6f, 1e-6f))
        << op.name;
    // Gradients match those of the plain computation.
    Tensor w = RandomTensor(s, 9);
    y.Backward(w);
    Variable pa(a, true), pb(b, true);
    op.op(pa, pb).Backward(w);
    EXPECT_TRUE(TensorsNear(va.grad(), pa.grad(), 1e-6f, 1e-6f)) << op.name;
    EXPECT_TRUE(TensorsNear(vb.grad(), pb.grad(), 1e-6f, 1e-6f)) << op.name;
  }
}

TEST(BinaryTest, BlockedWithBroadcastGoesPlain) {
  const Shape s = {1, 3, 2, 2};
  Tensor a = RandomTensor(s, 1), b = RandomTensor({3, 1, 1}, 2);
  Variable y = Add(Variable(a.ToLayout(Blocked16c(s))), Variable(b));
  EXPECT_TRUE(y.value().is_plain());
  EXPECT_TRUE(TensorsNear(y.value(), ReferenceBinary(a, b, kOps[0].reference)));
}

struct ScalarCase {
  const char* name;
  std::function<Variable(const Variable&)> op;
  std::function<double(double)> reference;
};

TEST(ScalarOpsTest, ForwardAndGradient) {
  const ScalarCase cases[] = {
      {"add_scalar", [](const Variable& x) { return AddScalar(x, 1.5f); },
       [](double x) { return x + 1.5; }},
      {"mul_scalar", [](const Variable& x) { return MulScalar(x, -3.0f); },
       [](double x) { return -3.0 * x; }},
      {"rsub_scalar", [](const Variable& x) { return RSubScalar(x, 1.0f); },
       [](double x) { return 1.0 - x; }},
      {"div_scalar", [](const Variable& x) { return DivScalar(x, 4.0f); },
       [](double x) { return x / 4.0; }},
      {"neg", [](const Variable& x) { return Neg(x); }, [](double x) { return -x; }},
  };
  Tensor x = RandomTensor({3, 5}, 7);
  for (const ScalarCase& c : cases) {
    Tensor expected = Tensor::Empty(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) {
      expected.data()[i] = static_cast<float>(c.reference(x.data()[i]));
    }
    EXPECT_TRUE(TensorsNear(c.op(Variable(x)).value(), expected)) << c.name;
    EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return c.op(in[0]); },
                               {Variable(x.Clone(), true)}))
        << c.name;
  }
}

TEST(ScalarOpsTest, SecondIdenticalCallCreatesNoPrimitive) {
  Tensor x = RandomTensor({4, 6}, 1);
  auto step = [&] {
    Variable v(x, true);
    Neg(DivScalar(RSubScalar(MulScalar(AddScalar(v, 1.0f), 2.0f), 3.0f), 4.0f))
        .Backward(Tensor::Full({4, 6}, 1.0f));
  };
  step();
  const int64_t before = PrimitiveCache::creations();
  step();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

TEST(BinaryTest, ZeroSizedBroadcast) {
  Variable a(Tensor::Zeros({0, 3}), true), b(RandomTensor({3}, 1), true);
  Variable y = Mul(a, b);
  EXPECT_EQ(y.shape(), (Shape{0, 3}));
  y.Backward(Tensor::Zeros({0, 3}));
  EXPECT_EQ(b.grad().ToVector(), (std::vector<float>{0, 0, 0}));
}

TEST(BroadcastToTest, ForwardAndGradient) {
  Tensor x = RandomTensor({3, 1}, 1);
  Tensor y = BroadcastTo(Variable(x), {2, 3, 4}).value();
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k) EXPECT_EQ(y.data()[(i * 3 + j) * 4 + k], x.data()[j]);
  EXPECT_TRUE(CheckGradients(
      [](const std::vector<Variable>& in) {
        return BroadcastTo(in[0], {2, 3, 4});
      },
      {Variable(x, true)}));
}

TEST(SumTensorToTest, SumsOverBroadcastDims) {
  Tensor t = RandomTensor({2, 3, 4}, 1);
  Tensor s = SumTensorTo(t, {3, 1});
  ASSERT_EQ(s.shape(), (Shape{3, 1}));
  for (int64_t j = 0; j < 3; ++j) {
    double sum = 0;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t k = 0; k < 4; ++k) sum += t.data()[(i * 3 + j) * 4 + k];
    EXPECT_NEAR(s.data()[j], sum, 1e-5);
  }
}

TEST(ElementwiseDeathTest, NamesOpAndShapes) {
  EXPECT_DEATH(Add(Variable(Tensor::Zeros({2, 3})), Variable(Tensor::Zeros({4}))),
               "add: cannot broadcast \\[2, 3\\] with \\[4\\]");
  EXPECT_DEATH(Mul(Variable(Tensor::Zeros({2, 3, 1})), Variable(Tensor::Zeros({4, 1, 2}))),
               "mul: cannot broadcast \\[2, 3, 1\\] with \\[4, 1, 2\\]");
  EXPECT_DEATH(BroadcastTo(Variable(Tensor::Zeros({2, 3})), {3}),
               "broadcast_to: cannot broadcast \\[2, 3\\] to \\[3\\]");
}

}  // namespace
}  // namespace siamese
