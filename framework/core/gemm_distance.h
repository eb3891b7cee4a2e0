// The fast evaluation path of distances computed from one dot product per
// pair (euclidean, squared_euclidean, cosine, dot_product, snr): a
// register-tiled GEMM kernel on plain floats that distance plugins call from
// their Prepare/Block (distance_function.h). Evaluation (framework/eval)
// never calls it directly.
//
// Rows are first transformed (kept, L2-normalized or centered) by GemmRows,
// once per set; GemmDistanceBlock then gives, for every (query, reference)
// pair of transformed rows x, y:
//   kSquaredDistance  (||x||^2 + ||y||^2) - 2 x.y   (unclamped: cancellation
//                                                  can leave tiny negatives)
//   kOneMinusDot      1 - x.y
//   kNegativeDot      -x.y
// Every dot product is accumulated as acc = ((0 + x0 y0) + x1 y1) + ... in
// float, whichever vector lane, tile, block or instruction set computes it
// (the library is built with -ffp-contract=off: no fused multiply-add), so a
// pair's value does not depend on the block, the thread count or the CPU,
// and identical vectors get identical values (exactly 0 for
// kSquaredDistance, since their dot equals their norms bit for bit).
// References are stored in zero-padded strips of 16 columns,
// dimension-major, processed in cache-sized chunks of about 128 KB by
// OpenMP threads; the SSE, AVX2 or AVX-512 kernel is chosen at run time.
#ifndef SIAMESE_FRAMEWORK_CORE_GEMM_DISTANCE_H_
#define SIAMESE_FRAMEWORK_CORE_GEMM_DISTANCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/distance_function.h"
#include "framework/tensor/tensor.h"

namespace siamese {

enum class RowTransform {
  kNone,
  // x / max(||x||, 1e-12), in double (as torch.nn.functional.normalize):
  // a zero row stays zero.
  kNormalize,
  // x - mean(x), the mean in double.
  kCenter,
};

enum class GemmEpilogue { kSquaredDistance, kOneMinusDot, kNegativeDot };

class GemmRows : public PreparedRows {
 public:
  // `rows`: plain [n, D], finite. Computes the transformed rows, their
  // squared norms (except for kNormalize) and the packed strips.
  // InvalidArgument "the squared norm of row i overflows float (values too
  // large)" when one does.
  static absl::StatusOr<std::unique_ptr<const GemmRows>> Make(const Tensor& rows,
                                                             RowTransform transform);

  // Row i after the transform.
  const float* row(int64_t i) const { return data_ + i * dim(); }
  // ||row(i)||^2, accumulated as the kernel accumulates a dot product; 0
  // for kNormalize (not computed). Padded with zeros past size().
  const std::vector<float>& squared_norms() const { return sqnorm_; }
  // Strips for the kernel: strips()[s][k][w] is dimension k of row
  // s * 16 + w (zero-padded).
  const std::vector<float>& strips() const { return strips_; }

  explicit GemmRows(Tensor rows) : PreparedRows(std::move(rows)) {}

 private:
  std::vector<float> transformed_;  // Empty for kNone.
  const float* data_ = nullptr;
  std::vector<float> sqnorm_;
  std::vector<float> strips_;
};

// out[i * b.size() + j] = the epilogue's value for row begin + i of a and
// row j of b, for i < count. REQUIRES: a.dim() == b.dim(); kSquaredDistance
// with rows not made with kNormalize.
void GemmDistanceBlock(const GemmRows& a, int64_t begin, int64_t count, const GemmRows& b,
                       GemmEpilogue epilogue, float* out);

// Testing hooks: the kernels this CPU runs ("portable" always; "avx2" and
// "avx512" on x86-64 CPUs that have them), which give bit-identical results.
namespace gemm_distance_internal {
std::vector<std::string> AvailableKernels();
// Every GemmDistanceBlock called from this thread uses `kernel` ("": the
// fastest again). False, changing nothing, when it is not available.
bool UseKernelOnThisThread(const std::string& kernel);
}  // namespace gemm_distance_internal

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_GEMM_DISTANCE_H_
