#include "plugins/optimizers/sgd/sgd_kernel.h"

namespace siamese {
namespace {

enum class Momentum { kNone, kPlain, kNesterov };

// One loop per combination of options, so that the loop has no branch and
// vectorizes; the expressions are the reference's (sgd.h). Always inlined:
// each kernel below compiles it for its own instruction set.
template <bool kDecay, Momentum kMomentum>
__attribute__((always_inline)) inline void Loop(const SgdKernelArgs& a) {
  float* __restrict p = a.value;
  const float* __restrict grad = a.grad;
  float* __restrict buf = a.momentum_buffer;
  const float lr = a.learning_rate, mu = a.momentum, wd = a.weight_decay;
  for (int64_t i = 0; i < a.size; ++i) {
    float g = grad[i];
    if constexpr (kDecay) g += wd * p[i];
    if constexpr (kMomentum != Momentum::kNone) {
      buf[i] = mu * buf[i] + g;
      g = kMomentum == Momentum::kNesterov ? g + mu * buf[i] : buf[i];
    }
    p[i] -= lr * g;
  }
}

template <bool kDecay>
__attribute__((always_inline)) inline void RunMomentum(const SgdKernelArgs& a) {
  if (a.momentum_buffer == nullptr) {
    Loop<kDecay, Momentum::kNone>(a);
  } else if (a.nesterov) {
    Loop<kDecay, Momentum::kNesterov>(a);
  } else {
    Loop<kDecay, Momentum::kPlain>(a);
  }
}

__attribute__((always_inline)) inline void Run(const SgdKernelArgs& a) {
  if (a.weight_decay != 0.0f) {
    RunMomentum<true>(a);
  } else {
    RunMomentum<false>(a);
  }
}

void Portable(const SgdKernelArgs& a) { Run(a); }

#if defined(__x86_64__) && defined(__GNUC__)
#define SIAMESE_SGD_X86_KERNELS 1
__attribute__((target("avx512f"))) void Avx512(const SgdKernelArgs& a) { Run(a); }
#endif

}  // namespace

std::vector<std::pair<std::string, SgdKernelFn>> SgdKernels() {
  std::vector<std::pair<std::string, SgdKernelFn>> k = {{"portable", Portable}};
#ifdef SIAMESE_SGD_X86_KERNELS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) k.emplace_back("avx512", Avx512);
#endif
  return k;
}

void SgdKernel(const SgdKernelArgs& a) {
  static const SgdKernelFn best = SgdKernels().back().second;
  best(a);
}

}  // namespace siamese
