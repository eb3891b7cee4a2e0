// Retrieval evaluation of embeddings: Precision@1, R-Precision, MAP@R,
// Recall@K and kNN accuracy, as defined by Musgrave et al. 2020, "A Metric
// Learning Reality Check", and implemented by pytorch-metric-learning's
// AccuracyCalculator (per-query averages, i.e. avg_of_avgs = false).
//
// Definitions, for one query q with label y:
//   - Neighbours are the references sorted by distance to q, ascending; equal
//     distances are ordered by reference index (deterministic). With
//     query_is_reference, reference i is query i itself and is removed from
//     query i's neighbours ("leave one out"), by index, not by distance, so
//     exact duplicates of the query stay in the list.
//   - R = number of references with label y (minus one for the query itself
//     when query_is_reference).
//   - P@1 = 1 if the nearest neighbour has label y.
//   - R-Precision = (# of the R nearest with label y) / R.
//   - MAP@R = (1/R) * sum_{i=1..R} P(i) * rel(i), where rel(i) = 1 if the i-th
//     neighbour has label y and P(i) = (# of the first i with label y) / i.
//   - Recall@K = 1 if ANY of the K nearest has label y. This is the recall of
//     the image retrieval papers (CUB-200, Cars-196, SOP, In-Shop), not the
//     information-retrieval recall (# relevant found / # relevant).
//   - kNN accuracy = 1 if the majority label among the knn_k nearest is y.
//     A tie between labels goes to the tied label that occurs nearest to q.
// Lone queries (R = 0: no reference shares the label) are skipped for every
// ranking metric (P@1, R-Precision, MAP@R, Recall@K), exactly as the
// AccuracyCalculator drops them with its not_lone_query_mask; they are counted
// in RetrievalMetrics::num_lone_queries. kNN accuracy is a classification
// accuracy and is averaged over ALL queries (a lone query counts as wrong).
// K and knn_k larger than the number of references are clamped to it.
//
// Scale: queries are processed in blocks of block_rows. For each block the
// [block_rows, num_references] distance matrix is computed at once (this is
// the memory bound: block_rows * num_references * 4 bytes, 245 MB for the
// default 1024 rows and 60,000 references; a smaller block such as 128 is
// as fast or faster), then each row is partially ordered: a distance
// histogram selects its max(R, max K, knn_k) nearest references and only
// those are sorted. Both phases use OpenMP threads. Distances come from the
// distance plugin (DistanceFunction::Prepare once per set, then RankingBlock
// per block of queries: values that order each query's references as the
// distance does). Every built-in distance computes them with the
// register-tiled GEMM kernel of framework/core/gemm_distance.h (||q||^2 +
// ||r||^2 - 2 q.r, 1 - q.r or -q.r; SSE, AVX2 or AVX-512 chosen at run
// time), which computes every (query, reference) pair with the same sequence
// of float operations, so results do not depend on block_rows, the thread
// count or the CPU, and identical reference vectors get identical distances
// (their ties are then broken by index as promised). 10,000 queries x 60,000
// references x D = 64 take a few seconds on 2 cores.
// Asymmetric distances (snr) are evaluated as d(query, reference): the
// query is the anchor.
#ifndef SIAMESE_FRAMEWORK_EVAL_RETRIEVAL_H_
#define SIAMESE_FRAMEWORK_EVAL_RETRIEVAL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/distance.h"
#include "framework/distributed/communicator.h"
#include "framework/tensor/tensor.h"

namespace siamese {

// Distances are those of framework/core/distance.h, computed on plain floats
// by the plugin's evaluation blocks. Euclidean and squared Euclidean rank
// exactly alike (retrieval ranks by the squared value for both). Cosine
// normalizes vectors with their norm clamped below at 1e-12 (as
// torch.nn.functional.normalize), so a zero vector has cosine similarity 0,
// i.e. distance 1, to everything.

struct RetrievalMetrics {
  // Means over the num_queries - num_lone_queries queries with R >= 1.
  double precision_at_1 = 0;
  double r_precision = 0;
  double map_at_r = 0;
  std::map<int, double> recall_at_k;  // K -> Recall@K, for each requested K.
  // Mean over all num_queries queries.
  double knn_accuracy = 0;
  int64_t num_queries = 0;
  // Queries with R = 0, left out of the ranking metrics above.
  int64_t num_lone_queries = 0;
};

// Evaluates `query` [Nq, D] against `reference` [Nr, D] (any layout; plain
// copies are made when needed). Labels give the class of each row.
// query_is_reference: the two sets are the same embeddings (same shape,
// values and labels) and query i must not retrieve reference i.
// Returns InvalidArgument for: a tensor that is not rank 2, an empty set,
// different D, a labels size that differs from the rows, non-finite values,
// query_is_reference with sets that differ or with a single item, a K or
// knn_k or block_rows below 1, or no query having any same-label reference
// (usually query and reference labels from disjoint class splits).
//
// Over ranks: with `comm` of more than one rank, each rank ranks a
// contiguous share of the queries (whole blocks) and the per-query outcomes
// are all-gathered as exact bytes and averaged in query order on every
// rank, so every rank returns the metrics one process returns, to the bit.
// REQUIRES: every rank passes the same arguments.
absl::StatusOr<RetrievalMetrics> EvaluateRetrieval(
    const Tensor& query, const std::vector<int64_t>& query_labels, const Tensor& reference,
    const std::vector<int64_t>& reference_labels, bool query_is_reference, Distance kind,
    const std::vector<int>& recall_ks = {1, 2, 4, 8}, int knn_k = 5, int64_t block_rows = 1024,
    Communicator* comm = nullptr);

// The full [Na, Nb] matrix of distances d(a_i, b_j) of `kind` between the
// rows of a [Na, D] and b [Nb, D] (DistanceFunction::Block), from the same
// kernel EvaluateRetrieval ranks with, except that the Euclidean kinds are
// clamped at 0 (cancellation in the expansion can leave tiny negative
// squares) and euclidean takes the square root. Meant for small sets and
// tests. InvalidArgument on rank, D, empty or non-finite.
absl::StatusOr<Tensor> PairwiseDistances(const Tensor& a, const Tensor& b, Distance kind);

// Testing hooks. The GEMM distance kernel is chosen per CPU ("portable"
// always; "avx2" and "avx512" on x86-64 CPUs that have them); all give
// bit-identical results, which tests check with these.
namespace eval_internal {
std::vector<std::string> AvailableDistanceKernels();
absl::StatusOr<Tensor> PairwiseDistancesWithKernel(const Tensor& a, const Tensor& b, Distance kind,
                                                   const std::string& kernel);
}  // namespace eval_internal

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_EVAL_RETRIEVAL_H_
