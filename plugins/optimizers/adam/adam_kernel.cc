#include "plugins/optimizers/adam/adam_kernel.h"

#include <cmath>

namespace siamese {
namespace {

enum class Decay { kNone, kL2, kDecoupled };

// One loop per kind of decay, so that the loop has no branch and
// vectorizes. The expressions are the reference's (adam.h), operation for
// operation: (1 - beta2) * g * g is ((1 - beta2) * g) * g, never reordered.
// Always inlined: each kernel below compiles it for its own instruction set.
template <Decay kDecay>
__attribute__((always_inline)) inline void Loop(const AdamKernelArgs& a) {
  float* __restrict p = a.value;
  const float* __restrict grad = a.grad;
  float* __restrict m = a.exp_avg;
  float* __restrict v = a.exp_avg_sq;
  const float one_minus_beta1 = 1.0f - a.beta1, beta2 = a.beta2, one_minus_beta2 = 1.0f - a.beta2;
  const float eps = a.eps, wd = a.weight_decay, decay = a.decay;
  const float step_size = a.step_size, bias_correction2_sqrt = a.bias_correction2_sqrt;
  for (int64_t i = 0; i < a.size; ++i) {
    float g = grad[i];
    if constexpr (kDecay == Decay::kDecoupled) p[i] *= decay;
    if constexpr (kDecay == Decay::kL2) g += wd * p[i];
    m[i] += one_minus_beta1 * (g - m[i]);
    v[i] = beta2 * v[i] + one_minus_beta2 * g * g;
    const float denom = std::sqrt(v[i]) / bias_correction2_sqrt + eps;
    p[i] -= step_size * (m[i] / denom);
  }
}

__attribute__((always_inline)) inline void Run(const AdamKernelArgs& a) {
  if (a.weight_decay == 0.0f) {
    Loop<Decay::kNone>(a);
  } else if (a.decoupled) {
    Loop<Decay::kDecoupled>(a);
  } else {
    Loop<Decay::kL2>(a);
  }
}

void Portable(const AdamKernelArgs& a) { Run(a); }

#if defined(__x86_64__) && defined(__GNUC__)
#define SIAMESE_ADAM_X86_KERNELS 1
// 16 floats a vector: measured 3.3x the portable (SSE) loop on the shipped
// CNN's parameters (training_benchmark BM_OptimizerStep).
__attribute__((target("avx512f"))) void Avx512(const AdamKernelArgs& a) { Run(a); }
#endif

}  // namespace

std::vector<std::pair<std::string, AdamKernelFn>> AdamKernels() {
  std::vector<std::pair<std::string, AdamKernelFn>> k = {{"portable", Portable}};
#ifdef SIAMESE_ADAM_X86_KERNELS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) k.emplace_back("avx512", Avx512);
#endif
  return k;
}

void AdamKernel(const AdamKernelArgs& a) {
  static const AdamKernelFn best = AdamKernels().back().second;
  best(a);
}

}  // namespace siamese
