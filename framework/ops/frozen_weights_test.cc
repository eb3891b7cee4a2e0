#include "framework/ops/frozen_weights.h"

#include "framework/autograd/gradient_check.h"
#include "framework/ops/conv.h"
#include "framework/ops/linear.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

Conv2dOptions Same() {
  Conv2dOptions o;
  o.pad_h = o.pad_w = 1;
  return o;
}

TEST(FrozenWeightsTest, ReordersEachWeightOncePerScope) {
  const Tensor x = RandomTensor({2, 16, 6, 6}, 1);
  const Variable w(RandomTensor({32, 16, 3, 3}, 2)), b(RandomTensor({32}, 3));
  const Variable fc(RandomTensor({10, 32 * 6 * 6}, 4));
  NoGradScope no_grad;
  auto forward = [&] { return Linear(Conv2d(Variable(x), w, b, Same()), fc, Variable()).value(); };
  const Tensor outside = forward();
  EXPECT_FALSE(WeightsFrozen());
  EXPECT_EQ(FrozenWeightCount(), 0);
  {
    FrozenWeightsScope frozen;
    EXPECT_TRUE(WeightsFrozen());
    const Tensor first = forward();
    EXPECT_EQ(FrozenWeightCount(), 2);  // the conv and the fc weight (blocked layouts)
    {
      FrozenWeightsScope nested;
      EXPECT_EQ(forward().ToVector(), first.ToVector());
    }
    EXPECT_EQ(FrozenWeightCount(), 2);  // a nested scope keeps the copies
    EXPECT_EQ(forward().ToVector(), first.ToVector());
    EXPECT_EQ(FrozenWeightCount(), 2);
    EXPECT_EQ(first.ToVector(), outside.ToVector());  // a reorder does not round
  }
  EXPECT_FALSE(WeightsFrozen());
  EXPECT_EQ(FrozenWeightCount(), 0);
}

// Outside a scope, and in a new scope, a weight changed in place is read
// again (the promise only covers the scope's lifetime).
TEST(FrozenWeightsTest, NewScopeSeesChangedWeights) {
  const Tensor x = RandomTensor({2, 16, 6, 6}, 1);
  Variable w(RandomTensor({32, 16, 3, 3}, 2));
  NoGradScope no_grad;
  Tensor before;
  {
    FrozenWeightsScope frozen;
    before = Conv2d(Variable(x), w, Variable(), Same()).value().ToPlain();
  }
  w.mutable_value().Fill(0.5f);
  const Tensor fresh = Conv2d(Variable(x), w, Variable(), Same()).value().ToPlain();
  EXPECT_NE(fresh.ToVector(), before.ToVector());
  FrozenWeightsScope frozen;
  EXPECT_EQ(Conv2d(Variable(x), w, Variable(), Same()).value().ToPlain().ToVector(),
            fresh.ToVector());
}

// Ops that record a backward never use the copies: training inside a scope
// reorders the live weight.
TEST(FrozenWeightsTest, OpsWithGradientIgnoreTheScope) {
  const Tensor x = RandomTensor({2, 16, 6, 6}, 1);
  Variable w(RandomTensor({32, 16, 3, 3}, 2), true);
  FrozenWeightsScope frozen;
  Conv2d(Variable(x), w, Variable(), Same()).Backward(Tensor::Full({2, 32, 6, 6}, 1.f));
  EXPECT_EQ(FrozenWeightCount(), 0);
}

}  // namespace
}  // namespace siamese
