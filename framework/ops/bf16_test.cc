// bf16 mixed precision of the matrix ops (framework/tensor/precision.h).
//
// The contract is exact up to summation order: in bf16, conv / linear /
// matmul compute in float32 what the float32 op computes on operands rounded
// to bf16 (products of two bf16 numbers are exact in float32). So each case
// runs the op in bf16 on x, w and an output gradient g, and the float32 op on
// bf16(x), bf16(w) and a bf16-representable g, and asks for equality within
// float32 rounding; then checks the bf16 result is within bf16's precision
// of the float32 result on the unrounded inputs. (A finite-difference check
// cannot see bf16's 8-bit rounding; each op's float32 gradient check covers
// the formulas.)
#include <cstring>
#include <functional>
#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/ops/attention.h"
#include "framework/ops/conv.h"
#include "framework/ops/frozen_weights.h"
#include "framework/ops/linear.h"
#include "framework/tensor/precision.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Round to nearest even bf16, as oneDNN's float32 -> bf16 reorder does.
float RoundToBf16(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  bits &= 0xFFFF0000u;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

Tensor RoundToBf16(const Tensor& t) {
  std::vector<float> v = t.ToVector();
  for (float& x : v) x = RoundToBf16(x);
  return Tensor::FromVector(t.shape(), v);
}

using Op = std::function<Variable(const std::vector<Variable>&)>;

struct Result {
  Tensor y;
  std::vector<Tensor> grads;
};

// y = op(inputs) and the inputs' gradients for output gradient g.
Result RunOp(const Op& op, const std::vector<Tensor>& inputs, const Tensor& g) {
  std::vector<Variable> vars;
  for (const Tensor& t : inputs) vars.emplace_back(t.Clone(), true);
  Variable y = op(vars);
  Result r{y.value().ToPlain(), {}};
  y.Backward(g);
  for (const Variable& v : vars) r.grads.push_back(v.grad().ToPlain());
  return r;
}

// The checks of the file comment for one op. The first `operands` inputs are
// the product's operands (rounded in bf16), the rest (a bias) stay float32.
void ExpectBf16Contract(const Op& op, const std::vector<Tensor>& inputs, const Shape& y_shape,
                        size_t operands = 2) {
  const Tensor g = RoundToBf16(RandomTensor(y_shape, 99));
  Result bf16;
  {
    MatrixPrecisionScope scope(MatrixPrecision::kBfloat16);
    bf16 = RunOp(op, inputs, g);
  }
  std::vector<Tensor> rounded;
  for (size_t i = 0; i < inputs.size(); ++i) {
    rounded.push_back(i < operands ? RoundToBf16(inputs[i]) : inputs[i]);
  }
  const Result on_rounded = RunOp(op, rounded, g);
  const Result f32 = RunOp(op, inputs, g);

  EXPECT_TRUE(TensorsNear(bf16.y, on_rounded.y, 1e-5f, 1e-5f)) << "forward";
  // Each product of bf16-rounded operands is within 2^-8 of the exact one;
  // sums of tens to hundreds of them cancel to values near 0 (atol).
  EXPECT_TRUE(TensorsNear(bf16.y, f32.y, 0.1f, 3e-2f)) << "forward vs float32";
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_TRUE(TensorsNear(bf16.grads[i], on_rounded.grads[i], 1e-5f, 1e-5f)) << "input " << i;
    EXPECT_TRUE(TensorsNear(bf16.grads[i], f32.grads[i], 0.1f, 3e-2f))
        << "input " << i << " vs float32";
  }
  // Without a gradient (inference primitives, weights cached once), the same
  // forward.
  MatrixPrecisionScope scope(MatrixPrecision::kBfloat16);
  NoGradScope no_grad;
  FrozenWeightsScope frozen;
  std::vector<Variable> vars;
  for (const Tensor& t : inputs) vars.emplace_back(t);
  EXPECT_TRUE(TensorsNear(op(vars).value().ToPlain(), bf16.y, 1e-5f, 1e-5f)) << "inference";
}

TEST(Bf16Test, Conv2dWithBias) {
  Conv2dOptions o;
  o.pad_h = o.pad_w = 1;
  ExpectBf16Contract(
      [&](const std::vector<Variable>& in) { return Conv2d(in[0], in[1], in[2], o); },
      {RandomTensor({4, 3, 9, 9}, 1), RandomTensor({16, 3, 3, 3}, 2), RandomTensor({16}, 3)},
      {4, 16, 9, 9});
}

TEST(Bf16Test, Conv2dOneChannelStrided) {
  Conv2dOptions o;
  o.stride_h = o.stride_w = 2;
  ExpectBf16Contract(
      [&](const std::vector<Variable>& in) { return Conv2d(in[0], in[1], Variable(), o); },
      {RandomTensor({2, 1, 11, 11}, 4), RandomTensor({32, 1, 3, 3}, 5)}, {2, 32, 5, 5});
}

TEST(Bf16Test, Conv1dDilated) {
  Conv1dOptions o;
  o.padding = 2;
  o.dilation = 2;
  ExpectBf16Contract(
      [&](const std::vector<Variable>& in) { return Conv1d(in[0], in[1], in[2], o); },
      {RandomTensor({3, 8, 20}, 6), RandomTensor({16, 8, 3}, 7), RandomTensor({16}, 8)},
      {3, 16, 20});
}

TEST(Bf16Test, LinearWithBias) {
  ExpectBf16Contract(
      [](const std::vector<Variable>& in) { return Linear(in[0], in[1], in[2]); },
      {RandomTensor({5, 37}, 9), RandomTensor({19, 37}, 10), RandomTensor({19}, 11)}, {5, 19});
}

TEST(Bf16Test, LinearOnBlockedInput) {
  // The layer a CNN ends with: a 4-D input in a convolution's blocked
  // layout, flattened by the product.
  Conv2dOptions o;
  o.pad_h = o.pad_w = 1;
  const Tensor x = Conv2d(Variable(RandomTensor({2, 4, 5, 5}, 12)),
                          Variable(RandomTensor({16, 4, 3, 3}, 13)), Variable(), o)
                       .value();
  ASSERT_FALSE(x.is_plain());
  ExpectBf16Contract(
      [](const std::vector<Variable>& in) { return Linear(in[0], in[1], Variable()); },
      {x, RandomTensor({10, 16 * 5 * 5}, 14)}, {2, 10});
}

TEST(Bf16Test, MatMulTransposedAndBatched) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "ta " << ta << " tb " << tb);
      const Shape a = ta ? Shape{2, 3, 7, 5} : Shape{2, 3, 5, 7};
      const Shape b = tb ? Shape{2, 3, 6, 7} : Shape{2, 3, 7, 6};
      ExpectBf16Contract(
          [&](const std::vector<Variable>& in) { return MatMul(in[0], in[1], ta, tb); },
          {RandomTensor(a, 15), RandomTensor(b, 16)}, {2, 3, 5, 6});
    }
  }
}

TEST(Bf16Test, MatMulSharedRightOperand) {
  ExpectBf16Contract(
      [](const std::vector<Variable>& in) { return MatMul(in[0], in[1], false, true); },
      {RandomTensor({4, 6, 9}, 17), RandomTensor({11, 9}, 18)}, {4, 6, 11});
}

TEST(Bf16Test, AttentionCloseToFloat32) {
  // Attention's two products read bf16 operands (q, k, the probabilities,
  // v), so its intermediate probabilities are rounded too: no exact
  // reference, but bf16's precision of the float32 result.
  AttentionOptions o;
  o.batch = 2;
  o.heads = 2;
  const Tensor qkv = RandomTensor({2 * 5, 3 * 8}, 22);
  const Tensor g = RandomTensor({2 * 5, 8}, 23);
  const Op op = [&](const std::vector<Variable>& in) { return MultiHeadAttention(in[0], o); };
  Result bf16;
  {
    MatrixPrecisionScope scope(MatrixPrecision::kBfloat16);
    bf16 = RunOp(op, {qkv}, g);
  }
  const Result f32 = RunOp(op, {qkv}, g);
  EXPECT_TRUE(TensorsNear(bf16.y, f32.y, 2e-2f, 2e-2f));
  EXPECT_TRUE(TensorsNear(bf16.grads[0], f32.grads[0], 2e-2f, 2e-2f));
  EXPECT_NE(bf16.y.ToVector(), f32.y.ToVector());  // bf16 did run
}

TEST(Bf16Test, BackwardUsesTheForwardsPrecision) {
  // Forward in bf16, Backward() after the scope ended: still the bf16
  // backward (the gradient of the computation that ran).
  const Tensor x = RandomTensor({6, 13}, 19), w = RandomTensor({7, 13}, 20);
  const Tensor g = RoundToBf16(RandomTensor({6, 7}, 21));
  const Op op = [](const std::vector<Variable>& in) { return Linear(in[0], in[1], Variable()); };
  Result inside;
  {
    MatrixPrecisionScope scope(MatrixPrecision::kBfloat16);
    inside = RunOp(op, {x, w}, g);
  }
  Variable xv(x, true), wv(w, true);
  Variable y;
  {
    MatrixPrecisionScope scope(MatrixPrecision::kBfloat16);
    y = op({xv, wv});
  }
  y.Backward(g);
  EXPECT_TRUE(TensorsNear(xv.grad().ToPlain(), inside.grads[0], 0, 0));
  EXPECT_TRUE(TensorsNear(wv.grad().ToPlain(), inside.grads[1], 0, 0));
}

TEST(Bf16Test, ResolveFallsBackWithoutBf16Instructions) {
  std::string why;
  const MatrixPrecision got = ResolveMatrixPrecision(MatrixPrecision::kBfloat16, &why);
  if (CpuHasBf16Instructions()) {
    EXPECT_EQ(got, MatrixPrecision::kBfloat16);
    EXPECT_EQ(why, "");
  } else {
    EXPECT_EQ(got, MatrixPrecision::kFloat32);
    EXPECT_NE(why.find("neither AVX512-BF16 nor AMX"), std::string::npos) << why;
  }
  EXPECT_EQ(ResolveMatrixPrecision(MatrixPrecision::kFloat32, nullptr), MatrixPrecision::kFloat32);
  EXPECT_STREQ(MatrixPrecisionName(MatrixPrecision::kBfloat16), "bf16");
}

}  // namespace
}  // namespace siamese
