// The one finite-difference gradient checker every op, layer and plugin test
// uses (in the spirit of Caffe's GradientChecker).
//
// CheckGradients(fn, inputs) evaluates y = fn(inputs), reduces it to the
// scalar L = sum(y * W) with fixed random weights W (so every output element
// contributes with a different weight), and compares dL/dx from Backward()
// with central differences (L(x + eps) - L(x - eps)) / (2 eps) for every
// element of every input that requires a gradient. An element passes when
//   |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|).
// Inputs are leaves; pass requires_grad = false for inputs not to check.
// Choose inputs away from kinks (relu at 0, ties in max) so that the central
// difference is meaningful.
#ifndef SIAMESE_FRAMEWORK_AUTOGRAD_GRADIENT_CHECK_H_
#define SIAMESE_FRAMEWORK_AUTOGRAD_GRADIENT_CHECK_H_

#include <functional>
#include <vector>

#include "framework/autograd/variable.h"
#include "gtest/gtest.h"

namespace siamese {

struct GradCheckOptions {
  float eps = 1e-2f;     // central-difference step
  float atol = 2e-3f;    // absolute tolerance
  float rtol = 2e-2f;    // relative tolerance
  uint64_t seed = 7;     // for the output weights W
  int max_reported = 5;  // mismatching elements listed in the failure
};

using VariableFn = std::function<Variable(const std::vector<Variable>&)>;

::testing::AssertionResult CheckGradients(const VariableFn& fn, const std::vector<Variable>& inputs,
                                          const GradCheckOptions& options = GradCheckOptions());

// A tensor of `shape` with values uniform in [lo, hi) from `seed`.
Tensor RandomTensor(const Shape& shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

// Forward-value comparison: max |a - b| <= atol + rtol * |b| element-wise.
::testing::AssertionResult TensorsNear(const Tensor& actual, const Tensor& expected,
                                       float atol = 1e-5f, float rtol = 1e-5f);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_AUTOGRAD_GRADIENT_CHECK_H_
