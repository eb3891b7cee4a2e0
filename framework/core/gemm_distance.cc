#include "framework/core/gemm_distance.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace siamese {
namespace {

// References are stored in zero-padded strips of kStrip columns,
// dimension-major ([D][kStrip]), processed in chunks of about 128 KB.
constexpr int kStrip = 16;
constexpr int64_t kChunkFloats = 32768;

float KernelDot(const float* a, const float* b, int64_t d) {
  float s = 0.0f;
  for (int64_t k = 0; k < d; ++k) s += a[k] * b[k];
  return s;
}

// Query rows packed in panels of kPanelRows ([D][kPanelRows]); a kernel
// tile covers G rows of a panel and W columns of a strip.
constexpr int kPanelRows = 8;

struct KernelArgs {
  const float* panels;  // Packed query rows of the block.
  int64_t rows;         // Valid query rows in the block.
  const float* strips;  // Packed references.
  int64_t d;
  int64_t num_refs;
  const float* q_sqnorm;  // Squared norms of the block's rows (kSquaredDistance).
  const float* r_sqnorm;
  GemmEpilogue epilogue;
  float* out;  // [rows, num_refs].
};

// Distances of query rows panel * kPanelRows + r0 + [0, G) to references
// strip * kStrip + c0 + [0, NV * lanes of V). V is a GCC vector of floats
// sized for the instruction set; the G x NV accumulators stay in registers
// and each step multiplies then adds (an outer product), lane by lane.
template <typename V, int G, int NV>
inline __attribute__((always_inline)) void Tile(const KernelArgs& a, int64_t panel, int r0,
                                                int64_t strip, int c0) {
  constexpr int kLanes = sizeof(V) / sizeof(float);
  constexpr int W = NV * kLanes;
  V acc[G][NV];
  for (int g = 0; g < G; ++g) {
    for (int v = 0; v < NV; ++v) acc[g][v] = V{};
  }
  const float* x = a.panels + panel * a.d * kPanelRows + r0;
  const float* p = a.strips + strip * a.d * kStrip + c0;
  for (int64_t k = 0; k < a.d; ++k) {
    V col[NV];
    for (int v = 0; v < NV; ++v) {
      std::memcpy(&col[v], p + k * kStrip + v * kLanes, sizeof(V));
    }
    for (int g = 0; g < G; ++g) {
      const float xv = x[k * kPanelRows + g];
      for (int v = 0; v < NV; ++v) acc[g][v] += xv * col[v];
    }
  }
  // Epilogue, in float vectors too: ((|q|^2 + |r|^2) - 2 q.r), 1 - q.r or
  // -q.r. "+ 0" turns -0 into +0. Identical vectors give exactly 0
  // (kSquaredDistance), since their dot equals their norms bit for bit.
  const int64_t col0 = strip * kStrip + c0;
  const int64_t cols = std::min<int64_t>(W, a.num_refs - col0);
  const bool squared = a.epilogue == GemmEpilogue::kSquaredDistance;
  const bool one_minus = a.epilogue == GemmEpilogue::kOneMinusDot;
  V r_sqnorm[NV] = {};
  if (squared) {
    for (int v = 0; v < NV; ++v) {
      std::memcpy(&r_sqnorm[v], a.r_sqnorm + col0 + v * kLanes, sizeof(V));
    }
  }
  for (int g = 0; g < G; ++g) {
    const int64_t i = panel * kPanelRows + r0 + g;
    if (i >= a.rows) break;
    V dist[NV];
    for (int v = 0; v < NV; ++v) {
      dist[v] = squared     ? ((a.q_sqnorm[i] + r_sqnorm[v]) - 2.0f * acc[g][v]) + 0.0f
                : one_minus ? (1.0f - acc[g][v]) + 0.0f
                            : (0.0f - acc[g][v]) + 0.0f;
    }
    std::memcpy(a.out + i * a.num_refs + col0, dist, cols * sizeof(float));
  }
}

// All tiles of strips [s_begin, s_end) against all query panels.
template <typename V, int G, int NV>
inline __attribute__((always_inline)) void ChunkBody(const KernelArgs& a, int64_t s_begin,
                                                     int64_t s_end) {
  const int64_t panels = (a.rows + kPanelRows - 1) / kPanelRows;
  for (int64_t panel = 0; panel < panels; ++panel) {
    for (int64_t s = s_begin; s < s_end; ++s) {
      for (int r0 = 0; r0 < kPanelRows && panel * kPanelRows + r0 < a.rows; r0 += G) {
        constexpr int W = NV * static_cast<int>(sizeof(V) / sizeof(float));
        for (int c0 = 0; c0 < kStrip && s * kStrip + c0 < a.num_refs; c0 += W) {
          Tile<V, G, NV>(a, panel, r0, s, c0);
        }
      }
    }
  }
}

using ChunkFn = void (*)(const KernelArgs&, int64_t, int64_t);

typedef float Vec4 __attribute__((vector_size(16)));
typedef float Vec8 __attribute__((vector_size(32)));
typedef float Vec16 __attribute__((vector_size(64)));

// 16 SSE registers: 4 x 2 accumulators of 4 floats.
void ChunkPortable(const KernelArgs& a, int64_t s_begin, int64_t s_end) {
  ChunkBody<Vec4, 4, 2>(a, s_begin, s_end);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SIAMESE_GEMM_DISTANCE_X86_KERNELS 1
// 16 AVX registers: 4 x 2 accumulators of 8 floats.
__attribute__((target("avx2"))) void ChunkAvx2(const KernelArgs& a, int64_t s_begin,
                                               int64_t s_end) {
  ChunkBody<Vec8, 4, 2>(a, s_begin, s_end);
}
// 32 AVX-512 registers: 8 x 1 accumulators of 16 floats.
__attribute__((target("avx512f"))) void ChunkAvx512(const KernelArgs& a, int64_t s_begin,
                                                    int64_t s_end) {
  ChunkBody<Vec16, 8, 1>(a, s_begin, s_end);
}
#endif

// The kernels this CPU runs, fastest last.
std::vector<std::pair<std::string, ChunkFn>> Kernels() {
  std::vector<std::pair<std::string, ChunkFn>> k = {{"portable", ChunkPortable}};
#ifdef SIAMESE_GEMM_DISTANCE_X86_KERNELS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) k.emplace_back("avx2", ChunkAvx2);
  if (__builtin_cpu_supports("avx512f")) k.emplace_back("avx512", ChunkAvx512);
#endif
  return k;
}

ChunkFn BestKernel() {
  static const ChunkFn best = Kernels().back().second;
  return best;
}

// The testing override of this thread (UseKernelOnThisThread), or null.
thread_local ChunkFn kernel_override = nullptr;

}  // namespace

absl::StatusOr<std::unique_ptr<const GemmRows>> GemmRows::Make(const Tensor& rows,
                                                              RowTransform transform) {
  auto p = std::make_unique<GemmRows>(rows);
  const int64_t n = p->size(), d = p->dim();
  const float* x = rows.data();
  p->data_ = x;
  if (transform == RowTransform::kNormalize) {
    p->transformed_.resize(n * d);
    for (int64_t i = 0; i < n; ++i) {
      double ss = 0;
      for (int64_t k = 0; k < d; ++k) ss += double{x[i * d + k]} * x[i * d + k];
      const double inv = 1.0 / std::max(std::sqrt(ss), 1e-12);
      for (int64_t k = 0; k < d; ++k) {
        p->transformed_[i * d + k] = static_cast<float>(x[i * d + k] * inv);
      }
    }
    p->data_ = p->transformed_.data();
  } else if (transform == RowTransform::kCenter) {
    p->transformed_.resize(n * d);
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int64_t k = 0; k < d; ++k) sum += x[i * d + k];
      const double mean = sum / static_cast<double>(d);
      for (int64_t k = 0; k < d; ++k) {
        p->transformed_[i * d + k] = static_cast<float>(x[i * d + k] - mean);
      }
    }
    p->data_ = p->transformed_.data();
  }
  // Padded with zeros to whole strips for the kernel's vector loads.
  p->sqnorm_.assign((n + kStrip - 1) / kStrip * kStrip, 0.0f);
  if (transform != RowTransform::kNormalize) {
    for (int64_t i = 0; i < n; ++i) {
      p->sqnorm_[i] = KernelDot(p->row(i), p->row(i), d);
      if (!std::isfinite(p->sqnorm_[i])) {
        return absl::InvalidArgumentError(
            absl::StrCat("the squared norm of row ", i, " overflows float (values too large)"));
      }
    }
  }
  const int64_t num_strips = (n + kStrip - 1) / kStrip;
  p->strips_.assign(num_strips * d * kStrip, 0.0f);
  for (int64_t j = 0; j < n; ++j) {
    float* strip = p->strips_.data() + (j / kStrip) * d * kStrip + j % kStrip;
    for (int64_t k = 0; k < d; ++k) strip[k * kStrip] = p->data_[j * d + k];
  }
  return std::unique_ptr<const GemmRows>(std::move(p));
}

void GemmDistanceBlock(const GemmRows& q, int64_t begin, int64_t rows, const GemmRows& r,
                       GemmEpilogue epilogue, float* out) {
  const ChunkFn kernel = kernel_override != nullptr ? kernel_override : BestKernel();
  const int64_t d = q.dim();
  const int64_t num_refs = r.size();
  const int64_t panels = (rows + kPanelRows - 1) / kPanelRows;
  std::vector<float> packed(panels * d * kPanelRows, 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    const float* src = q.row(begin + i);
    float* dst = packed.data() + (i / kPanelRows) * d * kPanelRows + i % kPanelRows;
    for (int64_t k = 0; k < d; ++k) dst[k * kPanelRows] = src[k];
  }
  const bool squared = epilogue == GemmEpilogue::kSquaredDistance;
  const KernelArgs args{packed.data(),
                        rows,
                        r.strips().data(),
                        d,
                        num_refs,
                        squared ? q.squared_norms().data() + begin : nullptr,
                        squared ? r.squared_norms().data() : nullptr,
                        epilogue,
                        out};
  const int64_t num_strips = (num_refs + kStrip - 1) / kStrip;
  const int64_t strips_per_chunk = std::max<int64_t>(1, kChunkFloats / (d * kStrip));
  const int64_t num_chunks = (num_strips + strips_per_chunk - 1) / strips_per_chunk;
  // Threads only pay off beyond about a million multiply-adds.
#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1 && rows * num_refs * d >= (1 << 20))
  for (int64_t c = 0; c < num_chunks; ++c) {
    kernel(args, c * strips_per_chunk, std::min(num_strips, (c + 1) * strips_per_chunk));
  }
}

namespace gemm_distance_internal {

std::vector<std::string> AvailableKernels() {
  std::vector<std::string> names;
  for (const auto& k : Kernels()) names.push_back(k.first);
  return names;
}

bool UseKernelOnThisThread(const std::string& kernel) {
  if (kernel.empty()) {
    kernel_override = nullptr;
    return true;
  }
  for (const auto& k : Kernels()) {
    if (k.first == kernel) {
      kernel_override = k.second;
      return true;
    }
  }
  return false;
}

}  // namespace gemm_distance_internal

}  // namespace siamese
