#include "framework/ops/activation.h"

#include <cmath>
#include <functional>

#include "framework/autograd/gradient_check.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Inputs in [-2, 2] but at least 0.05 away from 0, the kink of relu/clamp.
Tensor AwayFromZero(const Shape& shape, uint64_t seed) {
  Tensor t = RandomTensor(shape, seed, -2.0f, 2.0f);
  for (int64_t i = 0; i < t.numel(); ++i) {
    float& v = t.data()[i];
    if (std::fabs(v) < 0.05f) v = v < 0 ? -0.05f - v : 0.05f + v;
  }
  return t;
}

struct Case {
  const char* name;
  std::function<Variable(const Variable&)> op;
  std::function<double(double)> reference;
  float lo = -2.0f, hi = 2.0f;
};

class ActivationTest : public ::testing::TestWithParam<Case> {};

TEST_P(ActivationTest, ForwardMatchesReference) {
  const Case& c = GetParam();
  Tensor x = RandomTensor({3, 5, 7}, 11, c.lo, c.hi);
  Tensor y = c.op(Variable(x)).value();
  Tensor expected = Tensor::Empty(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) {
    expected.data()[i] = static_cast<float>(c.reference(x.data()[i]));
  }
  EXPECT_TRUE(TensorsNear(y, expected, 1e-5f, 1e-4f)) << c.name;
}

TEST_P(ActivationTest, GradientMatchesFiniteDifferences) {
  const Case& c = GetParam();
  Tensor x = c.lo < 0 ? AwayFromZero({2, 3, 5}, 3) : RandomTensor({2, 3, 5}, 3, c.lo, c.hi);
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return c.op(in[0]); },
                             {Variable(x, true)}, options))
      << c.name;
}

double GeluErf(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double GeluTanh(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

// Without a gradient the op runs a forward_inference primitive; the values
// are those of the forward_training one.
TEST_P(ActivationTest, InferencePathMatchesTrainingPath) {
  const Case& c = GetParam();
  Tensor x = RandomTensor({3, 5, 7}, 12, c.lo, c.hi);
  Tensor trained = c.op(Variable(x, true)).value();
  ClearTape();
  NoGradScope no_grad;
  EXPECT_EQ(c.op(Variable(x, true)).value().ToVector(), trained.ToVector()) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    All, ActivationTest,
    ::testing::Values(
        Case{"relu", [](const Variable& x) { return Relu(x); },
             [](double x) { return x > 0 ? x : 0; }},
        Case{"leaky_relu", [](const Variable& x) { return LeakyRelu(x, 0.1f); },
             [](double x) { return x > 0 ? x : 0.1 * x; }},
        Case{"gelu_erf", [](const Variable& x) { return Gelu(x, GeluApproximation::kErf); },
             GeluErf},
        Case{"gelu_tanh", [](const Variable& x) { return Gelu(x, GeluApproximation::kTanh); },
             GeluTanh},
        Case{"tanh", [](const Variable& x) { return Tanh(x); },
             [](double x) { return std::tanh(x); }},
        Case{"sigmoid", [](const Variable& x) { return Sigmoid(x); },
             [](double x) { return 1 / (1 + std::exp(-x)); }},
        Case{"softplus", [](const Variable& x) { return Softplus(x); },
             [](double x) { return std::log1p(std::exp(x)); }},
        Case{"exp", [](const Variable& x) { return Exp(x); }, [](double x) { return std::exp(x); }},
        Case{"log", [](const Variable& x) { return Log(x); }, [](double x) { return std::log(x); },
             0.5f, 3.0f},
        Case{"sqrt", [](const Variable& x) { return Sqrt(x); },
             [](double x) { return std::sqrt(x); }, 0.5f, 3.0f},
        Case{"square", [](const Variable& x) { return Square(x); }, [](double x) { return x * x; }},
        Case{"clamp", [](const Variable& x) { return Clamp(x, -0.5f, 1.0f); },
             [](double x) { return std::min(std::max(x, -0.5), 1.0); }},
        Case{"affine", [](const Variable& x) { return Affine(x, -1.5f, 0.25f); },
             [](double x) { return -1.5 * x + 0.25; }}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(ActivationTest, ActivateAppliesTheNamedOp) {
  Tensor x = RandomTensor({4, 6}, 13, -2.0f, 2.0f);
  const Variable v(x);
  EXPECT_TRUE(Activate(v, Activation::None()).SameAs(v));
  EXPECT_EQ(Activate(v, Activation::Relu()).value().ToVector(), Relu(v).value().ToVector());
  EXPECT_EQ(Activate(v, Activation::LeakyRelu(0.2f)).value().ToVector(),
            LeakyRelu(v, 0.2f).value().ToVector());
  EXPECT_EQ(Activate(v, Activation::Gelu(GeluApproximation::kTanh)).value().ToVector(),
            Gelu(v, GeluApproximation::kTanh).value().ToVector());
}

TEST(ClampTest, KinksAwayFromBoundsForGradCheck) {
  // Clamp's bounds must not coincide with test points; make sure the
  // away-from-zero inputs never sit on -0.5 or 1.0 within eps.
  Tensor x = AwayFromZero({2, 3, 5}, 3);
  for (int64_t i = 0; i < x.numel(); ++i) {
    EXPECT_GT(std::fabs(x.data()[i] + 0.5f), 1e-3f);
    EXPECT_GT(std::fabs(x.data()[i] - 1.0f), 1e-3f);
  }
}

TEST(ClampDeathTest, RejectsInvertedBounds) {
  EXPECT_DEATH(Clamp(Variable(Tensor::Zeros({2})), 1.0f, 0.0f), "clamp: lo 1 > hi 0");
}

}  // namespace
}  // namespace siamese
