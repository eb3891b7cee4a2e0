// Built with -ffp-contract=off: the compiler must not fuse a multiply and an
// add on its own, or the scalar and AVX-512 loops would round differently.
#include "framework/ops/gelu_kernel.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "framework/tensor/parallel.h"

namespace siamese {
namespace ops_internal {
namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
// Abramowitz & Stegun 7.1.26.
constexpr float kP = 0.3275911f;
constexpr float kA1 = 0.254829592f, kA2 = -0.284496736f, kA3 = 1.421413741f;
constexpr float kA4 = -1.453152027f, kA5 = 1.061405429f;
// exp: x = n ln2 + r, ln2 split in two for an exact n ln2; Cephes expf.
constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kE0 = 1.9875691500e-4f, kE1 = 1.3981999507e-3f, kE2 = 8.3334519073e-3f;
constexpr float kE3 = 4.1665795894e-2f, kE4 = 1.6666665459e-1f, kE5 = 5.0000001201e-1f;
// exp of at least this (the argument is -x^2 / 2 <= 0): e^-87 is still a
// normal float, so 2^n scaling stays exact.
constexpr float kExpMin = -87.0f;

// What one element needs: Phi(x) and exp(-x^2 / 2).
struct Parts {
  float phi_cdf, e;
};

inline Parts ScalarParts(float v) {
  const float z = v * kInvSqrt2;
  const float t = 1.0f / std::fma(kP, std::fabs(z), 1.0f);
  const float poly = std::fma(std::fma(std::fma(std::fma(kA5, t, kA4), t, kA3), t, kA2), t, kA1);
  const float x = std::fmax((0.0f - z) * z, kExpMin);
  const float n = std::nearbyint(x * kLog2e);
  float r = std::fma(-n, kLn2Hi, x);
  r = std::fma(-n, kLn2Lo, r);
  float p =
      std::fma(std::fma(std::fma(std::fma(std::fma(kE0, r, kE1), r, kE2), r, kE3), r, kE4), r, kE5);
  p = std::fma(p, r * r, r + 1.0f);
  const float e = std::ldexp(p, static_cast<int>(n));
  float erf = std::fma(-(t * poly), e, 1.0f);
  uint32_t bits, sign;
  std::memcpy(&bits, &erf, 4);
  std::memcpy(&sign, &z, 4);
  bits |= sign & 0x80000000u;
  std::memcpy(&erf, &bits, 4);
  return {0.5f * (1.0f + erf), e};
}

__attribute__((target("avx512f"))) inline void SimdParts(__m512 v, __m512* phi_cdf, __m512* e) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 z = _mm512_mul_ps(v, _mm512_set1_ps(kInvSqrt2));
  const __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(kP), _mm512_abs_ps(z), one));
  __m512 poly = _mm512_fmadd_ps(_mm512_set1_ps(kA5), t, _mm512_set1_ps(kA4));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA3));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA2));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA1));
  const __m512 x = _mm512_max_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), z), z),
                                 _mm512_set1_ps(kExpMin));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(kE0), r, _mm512_set1_ps(kE1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kE2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kE3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kE4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kE5));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, one));
  *e = _mm512_scalef_ps(p, n);
  __m512 erf = _mm512_fnmadd_ps(_mm512_mul_ps(t, poly), *e, one);
  erf = _mm512_castsi512_ps(
      _mm512_or_si512(_mm512_castps_si512(erf),
                      _mm512_and_si512(_mm512_castps_si512(z), _mm512_set1_epi32(0x80000000))));
  *phi_cdf = _mm512_mul_ps(_mm512_set1_ps(0.5f), _mm512_add_ps(one, erf));
}

// Whole vectors of 16; returns how many elements it did.
__attribute__((target("avx512f"))) int64_t ForwardSimd(const float* x, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    __m512 cdf, e;
    SimdParts(v, &cdf, &e);
    _mm512_storeu_ps(y + i, _mm512_mul_ps(v, cdf));
  }
  return i;
}

__attribute__((target("avx512f"))) int64_t BackwardSimd(const float* x, const float* dy, int64_t n,
                                                        float* dx) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    __m512 cdf, e;
    SimdParts(v, &cdf, &e);
    const __m512 slope = _mm512_fmadd_ps(_mm512_mul_ps(v, _mm512_set1_ps(kInvSqrt2Pi)), e, cdf);
    _mm512_storeu_ps(dx + i, _mm512_mul_ps(_mm512_loadu_ps(dy + i), slope));
  }
  return i;
}

bool HasAvx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

}  // namespace

void GeluErfForwardSerial(const float* x, int64_t n, float* y, bool allow_simd) {
  int64_t i = allow_simd && HasAvx512() ? ForwardSimd(x, n, y) : 0;
  for (; i < n; ++i) y[i] = x[i] * ScalarParts(x[i]).phi_cdf;
}

void GeluErfBackwardSerial(const float* x, const float* dy, int64_t n, float* dx, bool allow_simd) {
  int64_t i = allow_simd && HasAvx512() ? BackwardSimd(x, dy, n, dx) : 0;
  for (; i < n; ++i) {
    const Parts p = ScalarParts(x[i]);
    dx[i] = dy[i] * std::fma(x[i] * kInvSqrt2Pi, p.e, p.phi_cdf);
  }
}

// About 30 operations an element.
constexpr int64_t kWorkPerElement = 30;

void GeluErfForward(const float* x, int64_t n, float* y) {
  ParallelRows(n, kWorkPerElement, [&](int64_t begin, int64_t end) {
    GeluErfForwardSerial(x + begin, end - begin, y + begin, true);
  });
}

void GeluErfBackward(const float* x, const float* dy, int64_t n, float* dx) {
  ParallelRows(n, kWorkPerElement, [&](int64_t begin, int64_t end) {
    GeluErfBackwardSerial(x + begin, dy + begin, end - begin, dx + begin, true);
  });
}

}  // namespace ops_internal
}  // namespace siamese
