#include "framework/ops/distance.h"

#include <cmath>
#include <functional>
#include <string>

#include "framework/autograd/gradient_check.h"
#include "framework/tensor/dnnl_context.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Naive references in double, straight from the definitions.
double SquaredDistance(const Tensor& a, int64_t i, const Tensor& b, int64_t j) {
  double s = 0;
  for (int64_t k = 0; k < a.dim(1); ++k) {
    const double d = static_cast<double>(a.data()[i * a.dim(1) + k]) - b.data()[j * b.dim(1) + k];
    s += d * d;
  }
  return s;
}

double Norm(const Tensor& x, int64_t i) {
  double s = 0;
  for (int64_t k = 0; k < x.dim(1); ++k)
    s += x.data()[i * x.dim(1) + k] * x.data()[i * x.dim(1) + k];
  return std::sqrt(s);
}

Tensor ReferencePairwise(const Tensor& a, const Tensor& b, const char* kind) {
  const int64_t n = a.dim(0), m = b.dim(0), d = a.dim(1);
  Tensor out = Tensor::Empty({n, m});
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      double v;
      if (std::string(kind) == "squared") {
        v = SquaredDistance(a, i, b, j);
      } else if (std::string(kind) == "euclidean") {
        v = std::sqrt(SquaredDistance(a, i, b, j));
      } else {
        double dot = 0;
        for (int64_t k = 0; k < d; ++k) dot += a.data()[i * d + k] * b.data()[j * d + k];
        v = dot / (Norm(a, i) * Norm(b, j));
        if (std::string(kind) == "cosine_distance") v = 1 - v;
      }
      out.data()[i * m + j] = static_cast<float>(v);
    }
  }
  return out;
}

struct PairCase {
  const char* name;
  std::function<Variable(const Variable&, const Variable&)> op;
};

const PairCase kPairs[] = {
    {"squared", PairwiseSquaredEuclidean},
    {"euclidean", [](const Variable& a, const Variable& b) { return PairwiseEuclidean(a, b); }},
    {"cosine_similarity",
     [](const Variable& a, const Variable& b) { return PairwiseCosineSimilarity(a, b); }},
    {"cosine_distance",
     [](const Variable& a, const Variable& b) { return PairwiseCosineDistance(a, b); }},
};

TEST(PairwiseTest, ForwardMatchesReference) {
  Tensor a = RandomTensor({5, 7}, 1), b = RandomTensor({3, 7}, 2);
  for (const PairCase& c : kPairs) {
    EXPECT_TRUE(TensorsNear(c.op(Variable(a), Variable(b)).value(), ReferencePairwise(a, b, c.name),
                            1e-5f, 1e-4f))
        << c.name;
  }
}

TEST(PairwiseTest, LargeSelfDistanceMatchesReference) {
  // A training-size batch: one 384 x 384 GEMM.
  Tensor a = RandomTensor({384, 64}, 3);
  for (const PairCase& c : kPairs) {
    Tensor got = c.op(Variable(a), Variable(a)).value();
    EXPECT_TRUE(TensorsNear(got, ReferencePairwise(a, a, c.name), 2e-4f, 1e-4f)) << c.name;
  }
}

TEST(PairwiseTest, SelfDistanceDiagonalIsExact) {
  Tensor a = RandomTensor({6, 7}, 4);
  Variable v(a, true);
  Tensor sq = PairwiseSquaredEuclidean(v, v).value();
  Tensor eu = PairwiseEuclidean(v, v).value();
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_EQ(sq.data()[i * 6 + i], 0.0f);
    EXPECT_EQ(eu.data()[i * 6 + i], std::sqrt(1e-12f));
  }
  // Two Variables over the same storage are the same values too.
  EXPECT_EQ(PairwiseSquaredEuclidean(Variable(a), Variable(a)).value().data()[7], 0.0f);
  ClearTape();
}

TEST(PairwiseTest, ClampsCancellationAndKeepsGradientFinite) {
  // b_1 equals a_2 exactly, in separate storage: s_21 is +-rounding noise.
  Tensor a = RandomTensor({4, 7}, 5, -3.0f, 3.0f), b = RandomTensor({3, 7}, 6, -3.0f, 3.0f);
  for (int64_t k = 0; k < 7; ++k) b.data()[7 + k] = a.data()[2 * 7 + k];
  Variable va(a, true), vb(b, true);
  Variable sq = PairwiseSquaredEuclidean(va, vb);
  for (float v : sq.value().ToVector()) EXPECT_GE(v, 0.0f);
  EXPECT_LT(sq.value().data()[2 * 3 + 1], 1e-4f);
  Variable eu = PairwiseEuclidean(va, vb);
  EXPECT_LT(eu.value().data()[2 * 3 + 1], 1e-2f);
  eu.Backward(Tensor::Full({4, 3}, 1.0f));
  for (float g : va.grad().ToVector()) EXPECT_TRUE(std::isfinite(g));
  for (float g : vb.grad().ToVector()) EXPECT_TRUE(std::isfinite(g));
  ClearTape();
}

TEST(PairwiseTest, GradientsWithDifferentNAndM) {
  Tensor a = RandomTensor({5, 7}, 7), b = RandomTensor({3, 7}, 8);
  for (const PairCase& c : kPairs) {
    EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return c.op(in[0], in[1]); },
                               {Variable(a.Clone(), true), Variable(b.Clone(), true)}))
        << c.name;
    // Only one side requiring a gradient.
    EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return c.op(in[0], in[1]); },
                               {Variable(a.Clone(), false), Variable(b.Clone(), true)}))
        << c.name;
  }
}

TEST(PairwiseTest, SelfDistanceGradients) {
  Tensor a = RandomTensor({5, 7}, 9);
  for (const PairCase& c : kPairs) {
    EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return c.op(in[0], in[0]); },
                               {Variable(a.Clone(), true)}))
        << c.name;
  }
}

TEST(PairwiseTest, SelfGradientEqualsSumOfBothRoles) {
  // The fused self path (one GEMM with G + G^T) against two separate inputs
  // holding the same values in separate storage.
  Tensor a = RandomTensor({6, 5}, 10);
  Tensor w = RandomTensor({6, 6}, 11);
  for (const PairCase& c : kPairs) {
    Variable self(a.Clone(), true);
    c.op(self, self).Backward(w);
    Variable left(a.Clone(), true), right(a.Clone(), true);
    c.op(left, right).Backward(w);
    Tensor sum = Tensor::Empty(a.shape());
    for (int64_t i = 0; i < a.numel(); ++i) {
      sum.data()[i] = left.grad().data()[i] + right.grad().data()[i];
    }
    EXPECT_TRUE(TensorsNear(self.grad(), sum, 1e-4f, 1e-4f)) << c.name;
  }
}

TEST(PairwiseTest, SecondIdenticalCallCreatesNoPrimitive) {
  Tensor a = RandomTensor({8, 16}, 1), b = RandomTensor({4, 16}, 2);
  auto step = [&] {
    for (const PairCase& c : kPairs) {
      Variable va(a, true), vb(b, true);
      c.op(va, vb).Backward(Tensor::Full({8, 4}, 1.0f));
      c.op(va, va).Backward(Tensor::Full({8, 8}, 1.0f));
    }
  };
  step();
  const int64_t before = PrimitiveCache::creations();
  step();
  EXPECT_EQ(PrimitiveCache::creations(), before);
}

TEST(L2NormalizeTest, ForwardMatchesReference) {
  Tensor x = RandomTensor({4, 7}, 1);
  for (int64_t k = 0; k < 7; ++k) x.data()[3 * 7 + k] = 0.0f;  // a zero row stays zero
  Tensor y = L2Normalize(Variable(x)).value();
  Tensor expected = Tensor::Empty(x.shape());
  for (int64_t i = 0; i < 4; ++i) {
    const double norm = std::max(Norm(x, i), 1e-12);
    for (int64_t k = 0; k < 7; ++k) expected.data()[i * 7 + k] = x.data()[i * 7 + k] / norm;
  }
  EXPECT_TRUE(TensorsNear(y, expected, 1e-6f, 1e-5f));
  // Rank 3: rows along the last axis.
  Tensor z = RandomTensor({2, 3, 5}, 2);
  EXPECT_TRUE(TensorsNear(L2Normalize(Variable(z)).value().Reshape({6, 5}),
                          L2Normalize(Variable(z.Reshape({6, 5}))).value()));
}

TEST(L2NormalizeTest, GradientBothBranches) {
  EXPECT_TRUE(CheckGradients([](const std::vector<Variable>& in) { return L2Normalize(in[0]); },
                             {Variable(RandomTensor({3, 7}, 3), true)}));
  // Row 0 has norm < 1.5 (eps branch: y = x / 1.5), row 1 norm > 1.5.
  Tensor x = Tensor::FromVector({2, 3}, {0.3f, -0.4f, 0.5f, 1.5f, -2.0f, 1.0f});
  Variable v(x, true);
  L2Normalize(v, 1.5f).Backward(Tensor::FromVector({2, 3}, {1, 2, 3, 0, 0, 0}));
  const std::vector<float> g = v.grad().ToVector();
  EXPECT_FLOAT_EQ(g[0], 1 / 1.5f);
  EXPECT_FLOAT_EQ(g[1], 2 / 1.5f);
  EXPECT_FLOAT_EQ(g[2], 3 / 1.5f);
  EXPECT_TRUE(
      CheckGradients([](const std::vector<Variable>& in) { return L2Normalize(in[0], 1.5f); },
                     {Variable(x.Clone(), true)}));
}

TEST(DistanceDeathTest, NamesOpAndShapes) {
  Variable a(Tensor::Zeros({3, 4})), b(Tensor::Zeros({5, 6}));
  EXPECT_DEATH(PairwiseSquaredEuclidean(a, b),
               "pairwise_squared_euclidean: a \\[3, 4\\] and b \\[5, 6\\] must be \\[N, D\\] "
               "and \\[M, D\\]");
  EXPECT_DEATH(PairwiseEuclidean(a, Variable(Tensor::Zeros({4}))),
               "pairwise_euclidean: a \\[3, 4\\] and b \\[4\\]");
  EXPECT_DEATH(PairwiseCosineSimilarity(a, b), "pairwise_cosine_similarity: a \\[3, 4\\]");
  EXPECT_DEATH(L2Normalize(a, 0.0f), "l2_normalize: eps 0 must be > 0");
}

}  // namespace
}  // namespace siamese
