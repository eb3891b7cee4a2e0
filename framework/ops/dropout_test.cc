#include "framework/ops/dropout.h"

#include "framework/autograd/gradient_check.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/rng.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(DropoutTest, ForwardMatchesReferenceMask) {
  // Reference: the same Rng stream, one Uniform per element, kept if >= p.
  const float p = 0.3f;
  Tensor x = RandomTensor({3, 5, 7}, 2);
  Rng rng(42), ref_rng(42);
  Tensor y = Dropout(Variable(x), p, true, &rng).value();
  Tensor expected = Tensor::Empty(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) {
    expected.data()[i] = ref_rng.Uniform() >= p ? x.data()[i] / (1.0f - p) : 0.0f;
  }
  EXPECT_TRUE(TensorsNear(y, expected, 0.0f, 1e-6f));
}

TEST(DropoutTest, FractionDroppedIsAboutP) {
  for (float p : {0.1f, 0.5f, 0.9f}) {
    Rng rng(1);
    Tensor y = Dropout(Variable(Tensor::Full({100, 1000}, 1.0f)), p, true, &rng).value();
    int64_t dropped = 0;
    double sum = 0;
    for (int64_t i = 0; i < y.numel(); ++i) {
      dropped += y.data()[i] == 0.0f;
      sum += y.data()[i];
    }
    EXPECT_NEAR(static_cast<double>(dropped) / y.numel(), p, 0.01) << "p = " << p;
    // Inverted dropout keeps the mean.
    EXPECT_NEAR(sum / y.numel(), 1.0, 0.05) << "p = " << p;
  }
}

TEST(DropoutTest, SameSeedSameMaskWhateverTheThreadCount) {
  Tensor x = RandomTensor({64, 33}, 3);
  SetNumThreads(1);
  Rng a(9);
  Tensor y1 = Dropout(Variable(x), 0.5f, true, &a).value();
  SetNumThreads(2);
  Rng b(9);
  Tensor y2 = Dropout(Variable(x), 0.5f, true, &b).value();
  EXPECT_EQ(y1.ToVector(), y2.ToVector());
  // The stream moves on: a second call draws a different mask.
  Tensor y3 = Dropout(Variable(x), 0.5f, true, &b).value();
  EXPECT_NE(y1.ToVector(), y3.ToVector());
}

TEST(DropoutTest, IdentityInEvaluationAndForZeroP) {
  Variable x(RandomTensor({4, 5}, 4), true);
  Rng rng(1);
  EXPECT_TRUE(Dropout(x, 0.5f, false, &rng).SameAs(x));
  EXPECT_TRUE(Dropout(x, 0.5f, false, nullptr).SameAs(x));
  EXPECT_TRUE(Dropout(x, 0.0f, true, &rng).SameAs(x));
  // Nothing was drawn.
  Rng fresh(1);
  EXPECT_EQ(rng.NextU64(), fresh.NextU64());
}

TEST(DropoutTest, GradientMatchesFiniteDifferences) {
  // The checker calls fn many times; a fresh Rng from a fixed seed per call
  // keeps the mask fixed, so the op is a fixed linear map.
  for (const Shape& shape : {Shape{3, 5}, Shape{2, 1, 7}, Shape{17}}) {
    Tensor x = RandomTensor(shape, 5);
    EXPECT_TRUE(CheckGradients(
        [](const std::vector<Variable>& in) {
          Rng rng(123);
          return Dropout(in[0], 0.4f, true, &rng);
        },
        {Variable(x, true)}));
  }
}

TEST(DropoutDeathTest, RejectsBadProbabilityAndMissingRng) {
  Variable x(Tensor::Zeros({2, 3}));
  Rng rng(1);
  EXPECT_DEATH(Dropout(x, 1.0f, true, &rng),
               "dropout: p must be in \\[0, 1\\), got 1 for input \\[2, 3\\]");
  EXPECT_DEATH(Dropout(x, -0.5f, false, &rng), "dropout: p must be in \\[0, 1\\), got -0.5");
  EXPECT_DEATH(Dropout(x, 0.5f, true, nullptr), "dropout: training with p = 0.5 needs an rng");
}

}  // namespace
}  // namespace siamese
