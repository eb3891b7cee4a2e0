// The precision of the matrix products: float32, or bfloat16 mixed precision.
//
// In bf16 mode the three ops that carry nearly all the arithmetic of a
// training step (convolution, inner product, matmul) read their two operands
// as bfloat16 (inputs rounded to nearest even, 8 bits of mantissa) and
// accumulate and write in float32: y = conv(bf16(x), bf16(w)) + b in float32.
// Backward the same: dx from bf16(dy) and bf16(w), dw from bf16(x) and
// bf16(dy), both accumulated and returned in float32. Everything else stays
// float32: parameters (the "master weights"), optimizer state, gradients,
// biases, normalization, activations, losses, reductions. This is the mixed
// precision of Micikevicius et al. 2018 and of PyTorch's CPU autocast, without
// loss scaling (bf16 has float32's exponent range, so gradients do not
// underflow).
//
// The setting is process-wide (like the thread count) and read by each op
// when it runs its forward; an op's backward uses the precision its forward
// used. Where the CPU has no bf16 dot-product instructions (AVX512-BF16 or
// AMX), oneDNN would emulate them, slower than float32: Resolve() then
// returns float32, and the run says so.
#ifndef SIAMESE_FRAMEWORK_TENSOR_PRECISION_H_
#define SIAMESE_FRAMEWORK_TENSOR_PRECISION_H_

#include <string>

#include "oneapi/dnnl/dnnl.hpp"

namespace siamese {

enum class MatrixPrecision { kFloat32, kBfloat16 };

// "float32" or "bf16".
const char* MatrixPrecisionName(MatrixPrecision p);

// The precision conv/linear/matmul run in now. Default: kFloat32.
MatrixPrecision CurrentMatrixPrecision();
// Sets it for the process. Call between ops, not while a step runs.
void SetMatrixPrecision(MatrixPrecision p);

// True when the CPU has bf16 dot-product instructions oneDNN uses
// (avx512_core_bf16 or avx512_core_amx).
bool CpuHasBf16Instructions();

// What a run asking for `requested` gets on this CPU: kBfloat16 only where
// CpuHasBf16Instructions(), else kFloat32, with *why (may be null) saying
// why not.
MatrixPrecision ResolveMatrixPrecision(MatrixPrecision requested, std::string* why);

// The operand data type of the matrix ops in precision p.
inline dnnl::memory::data_type OperandType(MatrixPrecision p) {
  return p == MatrixPrecision::kBfloat16 ? dnnl::memory::data_type::bf16
                                         : dnnl::memory::data_type::f32;
}

// Sets the precision for its lifetime and restores the previous one (tests,
// benchmarks). Not for use while another thread runs ops.
class MatrixPrecisionScope {
 public:
  explicit MatrixPrecisionScope(MatrixPrecision p) : saved_(CurrentMatrixPrecision()) {
    SetMatrixPrecision(p);
  }
  ~MatrixPrecisionScope() { SetMatrixPrecision(saved_); }
  MatrixPrecisionScope(const MatrixPrecisionScope&) = delete;
  MatrixPrecisionScope& operator=(const MatrixPrecisionScope&) = delete;

 private:
  MatrixPrecision saved_;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TENSOR_PRECISION_H_
