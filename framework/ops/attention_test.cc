#include "framework/ops/attention.h"

#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "framework/ops/dropout.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/linear.h"
#include "framework/ops/shape_ops.h"
#include "framework/ops/softmax.h"
#include "framework/tensor/parallel.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// The op spelled out in composed ops, as the transformer encoder did before.
Variable Composed(const Variable& qkv, const AttentionOptions& o) {
  const int64_t n = qkv.dim(0), s = n / o.batch, d = qkv.dim(1) / 3, dh = d / o.heads;
  auto heads = [&](int part) {
    Variable x = Slice(qkv, 1, part * d, (part + 1) * d);
    return Permute(Reshape(x, {o.batch, s, o.heads, dh}), {0, 2, 1, 3});
  };
  Variable q = MulScalar(heads(0), 1.0f / std::sqrt(static_cast<float>(dh)));
  Variable scores = MatMul(q, heads(1), false, true);
  if (o.key_mask.defined()) scores = Add(scores, Variable(o.key_mask.Reshape({o.batch, 1, 1, s})));
  Variable probs = Dropout(Softmax(scores, -1), o.dropout, o.training, o.rng);
  return Reshape(Permute(MatMul(probs, heads(2)), {0, 2, 1, 3}), {n, d});
}

// A [B, S] mask with a few keys masked (never a whole sequence).
Tensor SomeMask(int64_t b, int64_t s) {
  Tensor m = Tensor::Zeros({b, s});
  for (int64_t i = 0; i < b; ++i) m.data()[i * s + (i * 3 + 1) % s] = -1e9f;
  return m;
}

struct Case {
  int64_t b, s, heads, dh;
  bool mask;
};

class AttentionTest : public ::testing::TestWithParam<Case> {
 protected:
  AttentionOptions Options() const {
    AttentionOptions o;
    o.batch = GetParam().b;
    o.heads = GetParam().heads;
    if (GetParam().mask) o.key_mask = SomeMask(GetParam().b, GetParam().s);
    return o;
  }
  Tensor Input(uint64_t seed) const {
    const Case& c = GetParam();
    return RandomTensor({c.b * c.s, 3 * c.heads * c.dh}, seed, -2.0f, 2.0f);
  }
};

TEST_P(AttentionTest, ForwardAndGradientMatchComposedOps) {
  const AttentionOptions o = Options();
  const Tensor x = Input(1);
  const Tensor dy = RandomTensor({x.dim(0), x.dim(1) / 3}, 2);
  // One Backward() runs the whole tape: one graph at a time.
  Variable a(x, true), b(x, true);
  Variable ya = MultiHeadAttention(a, o);
  ya.Backward(dy);
  Variable yb = Composed(b, o);
  yb.Backward(dy);
  EXPECT_TRUE(TensorsNear(ya.value(), yb.value(), 1e-5f, 1e-4f));
  EXPECT_TRUE(TensorsNear(a.grad(), b.grad(), 1e-5f, 1e-4f));
}

TEST_P(AttentionTest, GradientsMatchFiniteDifferences) {
  const AttentionOptions o = Options();
  EXPECT_TRUE(
      CheckGradients([&](const std::vector<Variable>& in) { return MultiHeadAttention(in[0], o); },
                     {Variable(Input(3), true)}));
}

// The gathers and scatters split by sequence: the threaded path (every loop
// split) gives exactly the serial numbers.
TEST_P(AttentionTest, ThreadedCopiesGiveTheSameBits) {
  const AttentionOptions o = Options();
  const Tensor x = Input(4);
  const Tensor dy = RandomTensor({x.dim(0), x.dim(1) / 3}, 5);
  Variable a(x, true), b(x, true);
  Variable ya = MultiHeadAttention(a, o);
  ya.Backward(dy);
  SetMinParallelWork(1);
  Variable yb = MultiHeadAttention(b, o);
  yb.Backward(dy);
  SetMinParallelWork(kMinParallelWork);
  EXPECT_EQ(ya.value().ToVector(), yb.value().ToVector());
  EXPECT_EQ(a.grad().ToVector(), b.grad().ToVector());
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionTest,
                         ::testing::Values(Case{1, 1, 1, 1, false}, Case{2, 5, 1, 3, false},
                                           Case{3, 7, 2, 3, true}, Case{2, 4, 4, 2, true},
                                           Case{2, 9, 3, 5, false}));

TEST(AttentionDropoutTest, DrawsTheMaskOfDropoutOnTheProbabilities) {
  AttentionOptions o;
  o.batch = 2;
  o.heads = 2;
  o.dropout = 0.3f;
  o.training = true;
  const Tensor x = RandomTensor({2 * 6, 3 * 8}, 6, -2.0f, 2.0f);
  const Tensor dy = RandomTensor({2 * 6, 8}, 7);
  Rng ra(11), rb(11);
  Variable a(x, true), b(x, true);
  o.rng = &ra;
  Variable ya = MultiHeadAttention(a, o);
  ya.Backward(dy);
  o.rng = &rb;
  Variable yb = Composed(b, o);
  yb.Backward(dy);
  EXPECT_TRUE(TensorsNear(ya.value(), yb.value(), 1e-5f, 1e-4f));
  EXPECT_TRUE(TensorsNear(a.grad(), b.grad(), 1e-5f, 1e-4f));
  EXPECT_EQ(ra.Uniform(), rb.Uniform());  // both drew the same count

  // Evaluation draws nothing and drops nothing.
  o.training = false;
  Rng before = ra;
  o.rng = &ra;
  Variable e = MultiHeadAttention(Variable(x), o);
  o.dropout = 0.0f;
  EXPECT_EQ(e.value().ToVector(), MultiHeadAttention(Variable(x), o).value().ToVector());
  EXPECT_EQ(ra.Uniform(), before.Uniform());
}

TEST(AttentionDeathTest, BadShapesAbort) {
  AttentionOptions o;
  o.batch = 2;
  o.heads = 2;
  EXPECT_DEATH(MultiHeadAttention(Variable(Tensor::Zeros({5, 12})), o), "attention: qkv");
  EXPECT_DEATH(MultiHeadAttention(Variable(Tensor::Zeros({4, 9})), o), "attention: qkv");
  o.key_mask = Tensor::Zeros({2, 3});
  EXPECT_DEATH(MultiHeadAttention(Variable(Tensor::Zeros({4, 12})), o), "key_mask");
}

}  // namespace
}  // namespace siamese
