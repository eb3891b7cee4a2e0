// The DistanceFunction interface's defaults and the Distance value type,
// through a distance registered only here (no plugin of plugins/distances
// is linked), and the GEMM kernel of gemm_distance.h.
#include "framework/core/distance_function.h"

#include <cmath>
#include <string>
#include <vector>

#include "framework/core/distance.h"
#include "framework/core/gemm_distance.h"
#include "framework/core/registry.h"
#include "framework/core/registry_test.pb.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/linear.h"
#include "framework/ops/reduce.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

// d(a, b) = ||a - b||^2 + 1, with only what a plugin must write.
class ShiftedDistance : public DistanceFunction {
 public:
  static absl::StatusOr<std::unique_ptr<DistanceFunction>> Create(
      const testing::ShiftedDistanceParams&, const PluginContext&) {
    return std::unique_ptr<DistanceFunction>(new ShiftedDistance);
  }
  Variable Matrix(const Variable& a, const Variable& b) const override {
    // ||a||^2 + ||b||^2 - 2 a.b + 1, broadcast.
    Variable na = Sum(Square(a), {1}, true);
    Variable nb = Sum(Square(b), {1});
    return AddScalar(Sub(Add(na, nb), MulScalar(MatMul(a, b, false, true), 2.0f)), 1.0f);
  }
  Variable Paired(const Variable& a, const Variable& b) const override {
    return AddScalar(Sum(Square(Sub(a, b)), {1}), 1.0f);
  }
  double Pair(const double* a, const double* b, int64_t dim) const override {
    double s = 1;
    for (int64_t k = 0; k < dim; ++k) s += (a[k] - b[k]) * (a[k] - b[k]);
    return s;
  }
};

SIAMESE_REGISTER_PLUGIN(DistanceFunction, "test_shifted", testing::shifted_distance,
                        testing::ShiftedDistanceParams, "||a - b||^2 + 1 (test only)",
                        &ShiftedDistance::Create);

TEST(DistanceTest, FromNameFindsRegisteredDistance) {
  auto d = Distance::FromName("test_shifted");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_STREQ(d->name(), "test_shifted");
  EXPECT_EQ(*d, *Distance::FromName("test_shifted"));
  EXPECT_NE(*d, Distance::Euclidean());
  EXPECT_TRUE(d->symmetric());
  EXPECT_FALSE(d->normalizes());
  EXPECT_TRUE(d->nonnegative());
}

TEST(DistanceTest, UnknownNameListsRegisteredDistances) {
  auto d = Distance::FromName("test_shifte");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("unknown distance \"test_shifte\""));
  EXPECT_THAT(d.status().message(), HasSubstr("test_shifted"));
}

TEST(DistanceTest, BuiltInNamesResolveOnlyWhenUsed) {
  // Not linked here: naming it is fine, using it aborts with the fix.
  const Distance e = Distance::Euclidean();
  EXPECT_STREQ(e.name(), "euclidean");
  EXPECT_EQ(e, Distance::Euclidean());
  EXPECT_DEATH(e.function(), "distance \"euclidean\" is not registered.*//plugins/distances/euclidean");
}

TEST(DistanceFunctionTest, DefaultSimilarityIsNegatedDistance) {
  const Distance d = *Distance::FromName("test_shifted");
  const Tensor v = Tensor::FromVector({3}, {1.0f, -2.0f, 0.5f});
  EXPECT_EQ(d.Similarity(Variable(v)).value().ToVector(), std::vector<float>({-1.0f, 2.0f, -0.5f}));
}

TEST(DistanceFunctionTest, DefaultBlockEvaluatesPairOnEveryPair) {
  const Distance d = *Distance::FromName("test_shifted");
  const Tensor a = Tensor::FromVector({3, 2}, {0, 0, 1, 2, -1, 0.5f});
  const Tensor b = Tensor::FromVector({2, 2}, {1, 1, 0, -2});
  auto pa = d.function().Prepare(a);
  auto pb = d.function().Prepare(b);
  ASSERT_TRUE(pa.ok() && pb.ok());
  EXPECT_EQ((*pa)->size(), 3);
  EXPECT_EQ((*pa)->dim(), 2);
  // Rows 1 and 2 of a against b.
  std::vector<float> out(4), ranking(4);
  d.function().Block(**pa, 1, 2, **pb, out.data());
  d.function().RankingBlock(**pa, 1, 2, **pb, ranking.data());
  EXPECT_EQ(out, std::vector<float>({0 + 1 + 1, 1 + 16 + 1, 4 + 0.25f + 1, 1 + 6.25f + 1}));
  EXPECT_EQ(ranking, out);
  // And the training forms agree.
  const Variable va(a), vb(b);
  const std::vector<float> m = d.Matrix(va, vb).value().ToVector();
  EXPECT_FLOAT_EQ(m[2], out[0]);
  EXPECT_FLOAT_EQ(m[5], out[3]);
  const double x[2] = {1, 2}, y[2] = {1, 1};
  EXPECT_EQ(d.function().Pair(x, y, 2), 2.0);
}

// ---------------------------------------------------------------------------
// The GEMM kernel.

Tensor Random(int64_t n, int64_t d, uint32_t seed) {
  std::vector<float> v(n * d);
  uint32_t s = seed;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>((s >> 8) & 0xffff) / 32768.0f - 1.0f;
  }
  return Tensor::FromVector({n, d}, v);
}

std::vector<float> Block(const Tensor& a, const Tensor& b, RowTransform t, GemmEpilogue e) {
  auto pa = GemmRows::Make(a, t);
  auto pb = GemmRows::Make(b, t);
  EXPECT_TRUE(pa.ok() && pb.ok());
  std::vector<float> out(a.dim(0) * b.dim(0));
  GemmDistanceBlock(**pa, 0, a.dim(0), **pb, e, out.data());
  return out;
}

TEST(GemmDistanceTest, EpiloguesMatchDirectComputation) {
  const Tensor a = Random(13, 7, 1), b = Random(37, 7, 2);
  const int64_t n = 13, m = 37, d = 7;
  for (RowTransform t : {RowTransform::kNone, RowTransform::kNormalize, RowTransform::kCenter}) {
    // The transformed rows, in double.
    auto transformed = [&](const Tensor& x, int64_t i) {
      std::vector<double> r(d);
      double sum = 0, ss = 0;
      for (int64_t k = 0; k < d; ++k) {
        r[k] = x.data()[i * d + k];
        sum += r[k];
        ss += r[k] * r[k];
      }
      for (double& v : r) {
        if (t == RowTransform::kNormalize) v /= std::sqrt(ss);
        if (t == RowTransform::kCenter) v -= sum / d;
      }
      return r;
    };
    for (GemmEpilogue e : {GemmEpilogue::kSquaredDistance, GemmEpilogue::kOneMinusDot,
                           GemmEpilogue::kNegativeDot}) {
      if (e == GemmEpilogue::kSquaredDistance && t == RowTransform::kNormalize) continue;
      const std::vector<float> got = Block(a, b, t, e);
      for (int64_t i = 0; i < n; ++i) {
        const std::vector<double> x = transformed(a, i);
        for (int64_t j = 0; j < m; ++j) {
          const std::vector<double> y = transformed(b, j);
          double dot = 0, ss = 0;
          for (int64_t k = 0; k < d; ++k) {
            dot += x[k] * y[k];
            ss += (x[k] - y[k]) * (x[k] - y[k]);
          }
          const double want = e == GemmEpilogue::kSquaredDistance ? ss
                              : e == GemmEpilogue::kOneMinusDot   ? 1 - dot
                                                                  : -dot;
          EXPECT_NEAR(got[i * m + j], want, 1e-5) << i << ", " << j;
        }
      }
    }
  }
}

TEST(GemmDistanceTest, KernelsAgreeBitwiseAndBlocksDoNotMatter) {
  const Tensor a = Random(29, 19, 3), b = Random(53, 19, 4);
  for (GemmEpilogue e : {GemmEpilogue::kSquaredDistance, GemmEpilogue::kNegativeDot}) {
    ASSERT_TRUE(gemm_distance_internal::UseKernelOnThisThread("portable"));
    const std::vector<float> want = Block(a, b, RowTransform::kCenter, e);
    for (const std::string& kernel : gemm_distance_internal::AvailableKernels()) {
      ASSERT_TRUE(gemm_distance_internal::UseKernelOnThisThread(kernel));
      EXPECT_EQ(Block(a, b, RowTransform::kCenter, e), want) << kernel;
    }
    ASSERT_TRUE(gemm_distance_internal::UseKernelOnThisThread(""));
    // Rows 5..16 alone give the same values.
    auto pa = GemmRows::Make(a, RowTransform::kCenter);
    auto pb = GemmRows::Make(b, RowTransform::kCenter);
    std::vector<float> part(12 * 53);
    GemmDistanceBlock(**pa, 5, 12, **pb, e, part.data());
    EXPECT_EQ(part, std::vector<float>(want.begin() + 5 * 53, want.begin() + 17 * 53));
  }
  EXPECT_FALSE(gemm_distance_internal::UseKernelOnThisThread("mmx"));
}

TEST(GemmDistanceTest, OverflowingSquaredNormIsAnError) {
  const Tensor x = Tensor::FromVector({2, 2}, {1, 1, 3e19f, 3e19f});
  auto p = GemmRows::Make(x, RowTransform::kNone);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "the squared norm of row 1 overflows float (values too large)");
  EXPECT_TRUE(GemmRows::Make(x, RowTransform::kNormalize).ok());
}

}  // namespace
}  // namespace siamese
