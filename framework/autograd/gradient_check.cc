#include "framework/autograd/gradient_check.h"

#include <cmath>
#include <sstream>

#include "framework/base/check.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace {

double WeightedSum(const Tensor& y, const Tensor& w) {
  Tensor p = y.ToPlain();
  const float* a = p.data();
  const float* b = w.data();
  double s = 0;
  for (int64_t i = 0; i < p.numel(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

}  // namespace

Tensor RandomTensor(const Shape& shape, uint64_t seed, float lo, float hi) {
  Rng rng(seed);
  Tensor t = Tensor::Empty(shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng.Uniform(lo, hi);
  return t;
}

::testing::AssertionResult CheckGradients(const VariableFn& fn, const std::vector<Variable>& inputs,
                                          const GradCheckOptions& options) {
  // Analytic gradients.
  for (const Variable& v : inputs) {
    if (v.requires_grad()) const_cast<Variable&>(v).ZeroGrad();
  }
  Variable y = fn(inputs);
  Tensor w = RandomTensor(y.shape(), options.seed, 0.5f, 1.5f);
  if (!y.requires_grad()) {
    return ::testing::AssertionFailure() << "output does not require a gradient";
  }
  y.Backward(w);

  std::ostringstream failures;
  int failed = 0;
  int64_t checked = 0;
  NoGradScope no_grad;
  for (size_t k = 0; k < inputs.size(); ++k) {
    Variable x = inputs[k];
    if (!x.requires_grad()) continue;
    if (!x.grad().defined()) {
      return ::testing::AssertionFailure() << "input " << k << " received no gradient";
    }
    Tensor analytic = x.grad().ToPlain();
    SIAMESE_CHECK(x.value().is_plain()) << "gradient check: inputs must be plain";
    float* xv = x.mutable_value().data();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float saved = xv[i];
      xv[i] = saved + options.eps;
      const double lp = WeightedSum(fn(inputs).value(), w);
      xv[i] = saved - options.eps;
      const double lm = WeightedSum(fn(inputs).value(), w);
      xv[i] = saved;
      const double numeric = (lp - lm) / (2.0 * options.eps);
      const double a = analytic.data()[i];
      const double tol = options.atol + options.rtol * std::max(std::fabs(a), std::fabs(numeric));
      ++checked;
      if (!(std::fabs(a - numeric) <= tol)) {
        if (failed < options.max_reported) {
          failures << "\n  input " << k << " " << x.value().ShapeString() << " element " << i
                   << ": analytic " << a << " numeric " << numeric;
        }
        ++failed;
      }
    }
  }
  if (failed > 0) {
    return ::testing::AssertionFailure()
           << failed << " of " << checked << " gradient elements differ:" << failures.str();
  }
  if (checked == 0) return ::testing::AssertionFailure() << "no input requires a gradient";
  return ::testing::AssertionSuccess() << checked << " gradient elements match";
}

::testing::AssertionResult TensorsNear(const Tensor& actual, const Tensor& expected, float atol,
                                       float rtol) {
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure()
           << "shape " << actual.ShapeString() << " vs expected " << expected.ShapeString();
  }
  Tensor a = actual.ToPlain(), e = expected.ToPlain();
  int bad = 0;
  std::ostringstream msg;
  for (int64_t i = 0; i < a.numel(); ++i) {
    float d = std::fabs(a.data()[i] - e.data()[i]);
    if (!(d <= atol + rtol * std::fabs(e.data()[i]))) {
      if (bad < 5) msg << "\n  element " << i << ": " << a.data()[i] << " vs " << e.data()[i];
      ++bad;
    }
  }
  if (bad) return ::testing::AssertionFailure() << bad << " elements differ:" << msg.str();
  return ::testing::AssertionSuccess();
}

}  // namespace siamese
