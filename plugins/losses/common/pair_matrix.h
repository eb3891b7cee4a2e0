// The view of a batch that matrix-based pair losses share: which entries of
// the [N, N] matrix are positive or negative pairs, and the similarity the
// loss's formula is written in.
#ifndef SIAMESE_PLUGINS_LOSSES_COMMON_PAIR_MATRIX_H_
#define SIAMESE_PLUGINS_LOSSES_COMMON_PAIR_MATRIX_H_

#include <cstdint>
#include <vector>

#include "framework/autograd/variable.h"
#include "framework/core/distance.h"
#include "framework/core/loss.h"
#include "framework/core/tuples.h"

namespace siamese {

// Row-major [N, M] masks (1: kept) over the distance matrix. For a batch
// against itself (M == N) pairs are unordered: the pair (a, b) marks both
// (a, b) and (b, a), so each member sees the other as its positive (or
// negative) partner; with the "all" miner's pairs this is every ordered pair
// i != j, as pytorch-metric-learning's losses see a batch without a miner.
// Against references (a cross-batch memory, framework/core/references.h)
// pairs are directed and mark (row, column) only.
struct PairMasks {
  int64_t rows = 0, columns = 0;
  std::vector<char> positive, negative;
  bool any_positive = false, any_negative = false;
};

// The masks of `in`'s pairs over its [N, M] distance matrix.
// REQUIRES: in.tuples holds pairs; every first index in [0, N), every
// second in [0, M) (and in [0, N) when unordered).
PairMasks MasksOf(const LossInput& in);
// The same for `pairs` over a [rows, columns] matrix, directed or not.
PairMasks MasksOf(const Pairs& pairs, int64_t rows, int64_t columns, bool directed);

// The similarity s (larger: closer) that similarity-based losses are
// written in, from the distance matrix d, as the distance defines it
// (DistanceFunction::Similarity):
//   cosine:                        s = 1 - d  (the cosine similarity itself)
//   dot_product:                   s = -d = a.b
//   (squared) Euclidean, snr:      s = -d     (pytorch-metric-learning's
//                                              convention for distances)
// Margins and offsets of such a loss are on this scale: with a Euclidean
// distance, an offset of -0.5 stands for a distance of 0.5.
Variable SimilarityOf(const Variable& distances, const Distance& distance);

// The sum of `terms` divided by how many of them are > 0 (a constant of the
// gradient), or 0 when none is: pytorch-metric-learning's
// AvgNonZeroReducer.
Variable MeanOfNonZero(const Variable& terms);

// Each positive pair in both orders, (pos_a[k], pos_b[k]) then (pos_b[k],
// pos_a[k]), or only in its own order when `directed` (against references),
// as anchors[r], positives[r] (for losses with one row per anchor-positive
// pair, such as NT-Xent and the tuplet margin loss).
void DirectedPositives(const Pairs& pairs, bool directed, std::vector<int64_t>* anchors,
                       std::vector<int64_t>* positives);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_LOSSES_COMMON_PAIR_MATRIX_H_
