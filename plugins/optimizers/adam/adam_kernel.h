// The element-wise loop of Adam and AdamW (adam.h has the formulas), in a
// file of its own for its compiler flags (BUILD). Every kernel gives every
// element exactly the reference loop's float operations, so results do
// not depend on the kernel, the vector width, or on how the elements are
// split between calls (Optimizer::ElementwiseUpdate).
#ifndef SIAMESE_PLUGINS_OPTIMIZERS_ADAM_ADAM_KERNEL_H_
#define SIAMESE_PLUGINS_OPTIMIZERS_ADAM_ADAM_KERNEL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace siamese {

struct AdamKernelArgs {
  // `size` floats each; no array overlaps another.
  float* value = nullptr;
  const float* grad = nullptr;
  float* exp_avg = nullptr;     // m
  float* exp_avg_sq = nullptr;  // v
  int64_t size = 0;
  float beta1 = 0, beta2 = 0, eps = 0;
  // 0: no decay. Else L2 (g += weight_decay * value) or, when `decoupled`,
  // value *= decay before the moments.
  float weight_decay = 0;
  bool decoupled = false;
  float decay = 1;  // 1 - lr * weight_decay, rounded to float
  // lr / (1 - beta1^t) and sqrt(1 - beta2^t), rounded to float.
  float step_size = 0;
  float bias_correction2_sqrt = 1;
};

using AdamKernelFn = void (*)(const AdamKernelArgs&);

// The kernels this CPU runs, by name: "portable" (the baseline vector
// width) always, "avx512" where the CPU has AVX-512F; the fastest last.
std::vector<std::pair<std::string, AdamKernelFn>> AdamKernels();

// Updates value, exp_avg and exp_avg_sq in place with the fastest kernel.
void AdamKernel(const AdamKernelArgs& a);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_OPTIMIZERS_ADAM_ADAM_KERNEL_H_
