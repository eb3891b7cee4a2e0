#include "framework/ops/gelu_kernel.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "framework/tensor/parallel.h"
#include "gtest/gtest.h"

namespace siamese {
namespace ops_internal {
namespace {

// Values over [-12, 12] (both tails saturate there), with zeros and the
// points where the exp clamp starts.
std::vector<float> Inputs(int64_t n) {
  std::vector<float> x(n);
  uint32_t s = 12345;
  for (int64_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    x[i] = (static_cast<float>(s >> 8) / 16777216.0f - 0.5f) * 24.0f;
  }
  const float special[] = {0.0f, -0.0f, 13.19f, -13.19f, 1e-30f, -1e-30f, 40.0f, -40.0f};
  for (int64_t i = 0; i < n && i < 8; ++i) x[i * 7 % n] = special[i];
  return x;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// AVX-512 (where the CPU has it), scalar and threaded loops give the same
// bits, for lengths that are and are not multiples of the vector width.
TEST(GeluKernelTest, AllPathsGiveTheSameBits) {
  for (int64_t n : {1, 5, 15, 16, 17, 33, 100, 4099}) {
    const std::vector<float> x = Inputs(n), dy = Inputs(n + 1);
    std::vector<float> y_simd(n), y_scalar(n), y_par(n), g_simd(n), g_scalar(n), g_par(n);
    GeluErfForwardSerial(x.data(), n, y_simd.data(), true);
    GeluErfForwardSerial(x.data(), n, y_scalar.data(), false);
    GeluErfBackwardSerial(x.data(), dy.data(), n, g_simd.data(), true);
    GeluErfBackwardSerial(x.data(), dy.data(), n, g_scalar.data(), false);
    SetMinParallelWork(1);
    GeluErfForward(x.data(), n, y_par.data());
    GeluErfBackward(x.data(), dy.data(), n, g_par.data());
    SetMinParallelWork(kMinParallelWork);
    EXPECT_TRUE(SameBits(y_simd, y_scalar)) << n;
    EXPECT_TRUE(SameBits(y_par, y_scalar)) << n;
    EXPECT_TRUE(SameBits(g_simd, g_scalar)) << n;
    EXPECT_TRUE(SameBits(g_par, g_scalar)) << n;
  }
}

TEST(GeluKernelTest, MatchesTheExactFormula) {
  const int64_t n = 100000;
  const std::vector<float> x = Inputs(n), dy(n, 1.0f);
  std::vector<float> y(n), g(n);
  GeluErfForward(x.data(), n, y.data());
  GeluErfBackward(x.data(), dy.data(), n, g.data());
  for (int64_t i = 0; i < n; ++i) {
    const double v = x[i];
    const double cdf = 0.5 * (1.0 + std::erf(v / std::sqrt(2.0)));
    const double pdf = std::exp(-0.5 * v * v) / std::sqrt(2.0 * M_PI);
    const double tol = 1e-6 * std::max(1.0, std::fabs(v));
    ASSERT_NEAR(y[i], v * cdf, tol) << "x = " << v;
    ASSERT_NEAR(g[i], cdf + v * pdf, tol) << "x = " << v;
  }
}

TEST(GeluKernelTest, NanStaysNan) {
  const float x[2] = {NAN, 1.0f}, dy[2] = {1.0f, 1.0f};
  float y[2], g[2];
  GeluErfForwardSerial(x, 2, y, false);
  GeluErfBackwardSerial(x, dy, 2, g, false);
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_TRUE(std::isnan(g[0]));
}

}  // namespace
}  // namespace ops_internal
}  // namespace siamese
