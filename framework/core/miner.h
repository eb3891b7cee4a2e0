// Miner: chooses which pairs or triplets of a batch the loss sees.
//
// Mining works on the batch's N x N distance matrix (never on an N^3
// tensor) and the labels; it returns indices into the batch. Miners do not
// take part in differentiation: they read distances as plain values.
#ifndef SIAMESE_FRAMEWORK_CORE_MINER_H_
#define SIAMESE_FRAMEWORK_CORE_MINER_H_

#include <cstdint>
#include <vector>

#include "framework/core/distance.h"
#include "framework/proto/experiment.pb.h"
#include "framework/tensor/tensor.h"

namespace siamese {

enum class TupleKind { kPairs, kTriplets };

// Index tuples into the batch. Pairs: (pos_a[i], pos_b[i]) share a label,
// (neg_a[i], neg_b[i]) do not. Triplets: (anchors[i], positives[i],
// negatives[i]) with label(a) == label(p) != label(n) and a != p.
struct MinedTuples {
  TupleKind kind = TupleKind::kTriplets;
  std::vector<int64_t> pos_a, pos_b, neg_a, neg_b;
  std::vector<int64_t> anchors, positives, negatives;

  int64_t size() const {
    return kind == TupleKind::kPairs ? static_cast<int64_t>(pos_a.size() + neg_a.size())
                                     : static_cast<int64_t>(anchors.size());
  }
};

// The same supervision as the other kind of tuple (as pytorch-metric-
// learning's convert_to_pairs / convert_to_triplets), so any miner can feed
// any loss:
//   triplets -> pairs: positives {(a, p)}, negatives {(a, n)}, duplicates
//                      removed, in first-seen order;
//   pairs -> triplets: for every anchor a, every positive partner p and
//                      negative partner n of a (pairs count in both
//                      directions), in anchor order.
// Tuples already of `target` kind are returned as they are (moved, not copied:
// this runs every training step).
MinedTuples ConvertTuples(MinedTuples tuples, TupleKind target);

class Miner {
 public:
  using Config = MinerConfig;
  static constexpr const char* kKind = "miner";

  virtual ~Miner() = default;

  // What Mine() returns.
  virtual TupleKind output() const = 0;
  // distances: [N, N] plain, computed with `distance`; labels: N entries;
  // step: the training step, the only source of randomness besides the
  // plugin's seed, so a resumed run mines exactly as an uninterrupted one.
  virtual MinedTuples Mine(const Tensor& distances, const std::vector<int64_t>& labels,
                           const Distance& distance, int64_t step) = 0;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_MINER_H_
