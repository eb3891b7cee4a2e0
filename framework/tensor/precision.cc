#include "framework/tensor/precision.h"

#include <atomic>

namespace siamese {
namespace {

std::atomic<MatrixPrecision>& Current() {
  static std::atomic<MatrixPrecision> p{MatrixPrecision::kFloat32};
  return p;
}

}  // namespace

const char* MatrixPrecisionName(MatrixPrecision p) {
  return p == MatrixPrecision::kBfloat16 ? "bf16" : "float32";
}

MatrixPrecision CurrentMatrixPrecision() { return Current().load(std::memory_order_relaxed); }

void SetMatrixPrecision(MatrixPrecision p) { Current().store(p, std::memory_order_relaxed); }

bool CpuHasBf16Instructions() {
  const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
  return isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx;
}

MatrixPrecision ResolveMatrixPrecision(MatrixPrecision requested, std::string* why) {
  if (requested == MatrixPrecision::kBfloat16 && !CpuHasBf16Instructions()) {
    if (why != nullptr) {
      *why =
          "precision: BF16 asked for, but this CPU has neither AVX512-BF16 nor AMX (oneDNN "
          "would emulate bf16, slower than float32): running in float32";
    }
    return MatrixPrecision::kFloat32;
  }
  return requested;
}

}  // namespace siamese
