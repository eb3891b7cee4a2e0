// The element-wise loop of SGD (sgd.h has the formulas), in a file of its
// own for its compiler flags (BUILD). Every kernel gives every element
// exactly the reference loop's float operations, so results do not depend
// on the kernel, the vector width, or on how the elements are split
// between calls (Optimizer::ElementwiseUpdate).
#ifndef SIAMESE_PLUGINS_OPTIMIZERS_SGD_SGD_KERNEL_H_
#define SIAMESE_PLUGINS_OPTIMIZERS_SGD_SGD_KERNEL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace siamese {

struct SgdKernelArgs {
  // `size` floats each; no array overlaps another. momentum_buffer is null
  // when momentum is 0.
  float* value = nullptr;
  const float* grad = nullptr;
  float* momentum_buffer = nullptr;
  int64_t size = 0;
  float learning_rate = 0, momentum = 0, weight_decay = 0;
  bool nesterov = false;
};

using SgdKernelFn = void (*)(const SgdKernelArgs&);

// The kernels this CPU runs, by name: "portable" (the baseline vector
// width) always, "avx512" where the CPU has AVX-512F; the fastest last.
std::vector<std::pair<std::string, SgdKernelFn>> SgdKernels();

// Updates value (and momentum_buffer) in place with the fastest kernel.
void SgdKernel(const SgdKernelArgs& a);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_OPTIMIZERS_SGD_SGD_KERNEL_H_
