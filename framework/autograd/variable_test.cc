#include "framework/autograd/variable.h"

#include "framework/autograd/gradient_check.h"
#include "framework/ops/activation.h"
#include "framework/ops/linear.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(VariableTest, BackwardThroughChainAndFreesTape) {
  Variable x(Tensor::FromVector({1, 2}, {1.0f, 2.0f}), true);
  Variable w(Tensor::FromVector({1, 2}, {3.0f, -1.0f}), true);
  Variable y = Affine(MatMul(x, w, false, true), 2.0f, 0.0f);  // 2 * (x . w)
  EXPECT_GT(TapeSize(), 0);
  y.Backward();
  EXPECT_EQ(TapeSize(), 0);
  EXPECT_EQ(x.grad().ToVector(), (std::vector<float>{6.0f, -2.0f}));
  EXPECT_EQ(w.grad().ToVector(), (std::vector<float>{2.0f, 4.0f}));
}

TEST(VariableTest, LeafGradientsAccumulateUntilZeroGrad) {
  Variable x(Tensor::FromVector({1}, {3.0f}), true);
  Square(x).Backward();
  Square(x).Backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 12.0f);  // 2 * (2x)
  x.ZeroGrad();
  EXPECT_FALSE(x.grad().defined());
  Square(x).Backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 6.0f);
}

TEST(VariableTest, VariableUsedTwiceSumsBothPaths) {
  Variable x(Tensor::FromVector({1, 1}, {2.0f}), true);
  // y = x * x through matmul (x used as both operands): dy/dx = 2x.
  MatMul(x, x).Backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 4.0f);
}

TEST(VariableTest, NoGradScopeRecordsNothing) {
  Variable x(Tensor::FromVector({2}, {1.0f, 2.0f}), true);
  {
    NoGradScope no_grad;
    Variable y = Square(x);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(TapeSize(), 0);
  }
  EXPECT_TRUE(Square(x).requires_grad());
  ClearTape();
}

TEST(VariableTest, InputsWithoutGradRecordNothing) {
  Variable x(Tensor::FromVector({2}, {1.0f, 2.0f}), false);
  Variable y = Square(x);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(TapeSize(), 0);
}

TEST(VariableTest, BackwardIsDeterministic) {
  auto run = [] {
    Variable x(RandomTensor({16, 32}, 1), true), w(RandomTensor({8, 32}, 2), true);
    Variable b(RandomTensor({8}, 3), true);
    Variable y = Tanh(Linear(Gelu(x), w, b));
    y.Backward(RandomTensor({16, 8}, 4));
    return std::make_pair(x.grad().ToVector(), w.grad().ToVector());
  };
  EXPECT_EQ(run(), run());
}

TEST(VariableDeathTest, BackwardOfNonScalarNeedsGradOutput) {
  Variable x(Tensor::Zeros({3}), true);
  EXPECT_DEATH(Square(x).Backward(), "backward: called on a variable of shape \\[3\\]");
}

TEST(GradientCheckTest, DetectsAWrongGradient) {
  // A deliberately wrong backward (factor 3 instead of 2) must fail the check.
  auto wrong_square = [](const std::vector<Variable>& in) {
    const Variable& x = in[0];
    Tensor y = Tensor::Empty(x.shape());
    for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] = x.value().data()[i] * x.value().data()[i];
    return RecordOp("wrong_square", {x}, y, [x](const Tensor& dy) {
      Tensor dx = Tensor::Empty(x.shape());
      for (int64_t i = 0; i < dx.numel(); ++i)
        dx.data()[i] = 3.0f * x.value().data()[i] * dy.data()[i];
      x.AccumulateGrad(dx);
    });
  };
  EXPECT_FALSE(CheckGradients(wrong_square, {Variable(RandomTensor({4}, 1, 0.5f, 1.0f), true)}));
}

}  // namespace
}  // namespace siamese
