// DistanceFunction: the quantity embeddings are compared with, a registered
// plugin kind (plugins/distances/: euclidean, squared_euclidean, cosine,
// dot_product, snr). Losses, miners and evaluation never see it directly:
// they hold the Distance value type (distance.h), which the experiment's
// `distance: "<name>"` selects and which forwards to the registered
// implementation.
//
// Contract, for every distance:
//   - Larger is farther. A similarity s is registered as the distance
//     d = -s (dot_product: d = -a.b), so that margins, mining and
//     evaluation need no special case; Similarity(d) gives a
//     similarity-based loss its s back.
//   - d(a, b) names the anchor (query) a first. Matrix(a, b)[i][j] =
//     d(a_i, b_j): each row is an anchor. Training computes the batch's
//     Matrix(e, e), so row i holds example i's distances as the anchor
//     (triplet losses read d(a, p) and d(a, n) from the anchor's row);
//     evaluation puts queries in rows and references in columns
//     (retrieval, few-shot: d(query, support)) and verification computes
//     d(pairs.a[i], pairs.b[i]). An asymmetric distance (symmetric()
//     false: snr) is used exactly so; pair miners then consider both
//     orders of each pair, as pytorch-metric-learning does.
//   - Matrix, Paired, Pair and Block compute the same function, up to float
//     rounding and the small floors each plugin documents (e.g. Euclidean
//     training distances are at least 1e-6, for a finite gradient).
//
// A plugin implements Matrix, Paired (differentiable, from framework/ops)
// and Pair (double precision, the reference formula), and declares its
// properties. Evaluation's Prepare/Block default to Pair on every pair
// (exact but slow); a distance computed from one dot product per pair
// overrides them with the blocked GEMM kernel of gemm_distance.h.
#ifndef SIAMESE_FRAMEWORK_CORE_DISTANCE_FUNCTION_H_
#define SIAMESE_FRAMEWORK_CORE_DISTANCE_FUNCTION_H_

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "framework/autograd/variable.h"
#include "framework/proto/experiment.pb.h"
#include "framework/tensor/tensor.h"

namespace siamese {

// A set of embeddings made ready for evaluation by one DistanceFunction's
// Prepare (normalized copies, norms, packed layouts: the distance's
// business), then passed back to the same function's Block.
class PreparedRows {
 public:
  // `rows`: plain [n, D].
  explicit PreparedRows(Tensor rows) : rows_(std::move(rows)) {}
  virtual ~PreparedRows() = default;
  PreparedRows(const PreparedRows&) = delete;
  PreparedRows& operator=(const PreparedRows&) = delete;

  int64_t size() const { return rows_.dim(0); }
  int64_t dim() const { return rows_.dim(1); }
  // The rows as given to Prepare.
  const Tensor& rows() const { return rows_; }

 private:
  Tensor rows_;
};

class DistanceFunction {
 public:
  using Config = DistanceConfig;
  static constexpr const char* kKind = "distance";

  virtual ~DistanceFunction() = default;

  // --- Training: differentiable ops.

  // [N, D] x [M, D] -> [N, M], entry (i, j) = d(a_i, b_j). a and b may be
  // the same Variable (a batch's self-distances; its gradient sums both
  // roles).
  virtual Variable Matrix(const Variable& a, const Variable& b) const = 0;
  // Row i of a against row i of b: [N, D] x [N, D] -> [N], d(a_i, b_i).
  virtual Variable Paired(const Variable& a, const Variable& b) const = 0;
  // The similarity s (larger: closer) that losses written in similarities
  // (multi-similarity, circle, NT-Xent, ...) use, from values d this
  // distance computed; differentiable. Default: -d (pytorch-metric-learning's
  // convention for distances). Cosine: 1 - d, the cosine similarity;
  // dot_product: -d = a.b.
  virtual Variable Similarity(const Variable& d) const;

  // --- Properties.

  // d(a, b) == d(b, a). False for snr: pair miners then consider (a, b) and
  // (b, a) separately.
  virtual bool symmetric() const { return true; }
  // d depends only on the directions of a and b (cosine): clustering runs
  // k-means on the L2-normalized embeddings.
  virtual bool normalizes() const { return false; }
  // d >= 0 and d(a, a) = 0 (up to the floors above), so that a batch's mean
  // distance measures its spread (the trainer's collapse warning watches
  // it). False for dot_product, whose values are negated similarities.
  virtual bool nonnegative() const { return true; }

  // --- Evaluation, on plain values.

  // d(a, b) for two rows of length dim, computed in double precision
  // (verification pairs, few-shot episodes). REQUIRES: dim >= 1.
  virtual double Pair(const double* a, const double* b, int64_t dim) const = 0;

  // Makes `rows` (plain [n, D], n, D >= 1, finite values: the caller checks)
  // ready for Block, once per set (retrieval's queries and references).
  // InvalidArgument, with a message the caller prefixes with the set's
  // name, when the set cannot be evaluated (e.g. a squared norm that
  // overflows float). Default: keeps the rows.
  virtual absl::StatusOr<std::unique_ptr<const PreparedRows>> Prepare(const Tensor& rows) const;

  // The [count, b.size()] block out[i * b.size() + j] = d(a_{begin + i},
  // b_j), for rows this function prepared (D equal). Deterministic: a pair's
  // value does not depend on begin, count or the number of threads.
  // Default: Pair on every pair, rounded to float.
  virtual void Block(const PreparedRows& a, int64_t begin, int64_t count, const PreparedRows& b,
                     float* out) const;

  // As Block, but the values only have to rank: along each row of the
  // block, d must be a non-decreasing function of the value (so ordering by
  // the values orders by distance, and may split ties of d). Retrieval ranks
  // with it. Euclidean gives squared distances (no square root, no clamp).
  // Default: Block.
  virtual void RankingBlock(const PreparedRows& a, int64_t begin, int64_t count,
                            const PreparedRows& b, float* out) const {
    Block(a, begin, count, b, out);
  }
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_DISTANCE_FUNCTION_H_
