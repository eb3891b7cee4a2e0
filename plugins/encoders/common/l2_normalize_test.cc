#include "plugins/encoders/common/l2_normalize.h"

#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "gtest/gtest.h"

namespace siamese {
namespace encoders {
namespace {

// Plain reference: y = x / max(||x||, eps) per row.
Tensor Reference(const Tensor& x, float eps) {
  Tensor y = Tensor::Empty(x.shape());
  const int64_t n = x.dim(0), d = x.dim(1);
  for (int64_t i = 0; i < n; ++i) {
    double sq = 0;
    for (int64_t j = 0; j < d; ++j) sq += x.data()[i * d + j] * x.data()[i * d + j];
    const double div = std::max(std::sqrt(sq), static_cast<double>(eps));
    for (int64_t j = 0; j < d; ++j)
      y.data()[i * d + j] = static_cast<float>(x.data()[i * d + j] / div);
  }
  return y;
}

TEST(L2NormalizeRowsTest, ForwardMatchesReference) {
  for (Shape s : {Shape{4, 7}, Shape{1, 1}, Shape{3, 17}}) {
    Tensor x = RandomTensor(s, 3);
    EXPECT_TRUE(TensorsNear(L2NormalizeRows(Variable(x)).value(), Reference(x, 1e-12f)));
  }
}

TEST(L2NormalizeRowsTest, RowsHaveUnitNorm) {
  Tensor y = L2NormalizeRows(Variable(RandomTensor({5, 9}, 4, -3.0f, 3.0f))).value();
  for (int64_t i = 0; i < 5; ++i) {
    double sq = 0;
    for (int64_t j = 0; j < 9; ++j) sq += y.data()[i * 9 + j] * y.data()[i * 9 + j];
    EXPECT_NEAR(sq, 1.0, 1e-5);
  }
}

TEST(L2NormalizeRowsTest, Gradient) {
  for (Shape s : {Shape{3, 5}, Shape{1, 1}, Shape{2, 17}}) {
    EXPECT_TRUE(
        CheckGradients([](const std::vector<Variable>& in) { return L2NormalizeRows(in[0]); },
                       {Variable(RandomTensor(s, 5, 0.5f, 2.0f), true)}, GradCheckOptions{1e-3f}));
  }
}

TEST(L2NormalizeRowsTest, TinyRowsAreDividedByEps) {
  // ||x|| = 5e-4 <= eps = 1e-3: y = x / eps, and dx = dy / eps.
  Tensor x = Tensor::FromVector({1, 2}, {3e-4f, 4e-4f});
  EXPECT_TRUE(TensorsNear(L2NormalizeRows(Variable(x), 1e-3f).value(),
                          Tensor::FromVector({1, 2}, {0.3f, 0.4f})));
  Variable v(x, true);
  L2NormalizeRows(v, 1e-3f).Backward(Tensor::FromVector({1, 2}, {1.0f, -2.0f}));
  EXPECT_TRUE(TensorsNear(v.grad(), Tensor::FromVector({1, 2}, {1000.0f, -2000.0f}), 1e-5f, 1e-5f));
}

TEST(L2NormalizeRowsDeathTest, RejectsNon2dInput) {
  EXPECT_DEATH(L2NormalizeRows(Variable(Tensor::Zeros({2, 3, 4}))),
               "l2_normalize_rows: input \\[2, 3, 4\\] must be \\[N, D\\]");
}

}  // namespace
}  // namespace encoders
}  // namespace siamese
