// Tuples: which pairs or triplets of a batch a loss sees, as indices into the
// batch. Miners produce them (framework/core/miner.h), samplers that choose
// pairs themselves give them with the batch (sampler.h), losses consume them
// (loss.h).
//
//   Pairs     (pos_a[i], pos_b[i]) share a label; (neg_a[i], neg_b[i]) do not.
//   Triplets  (anchors[i], positives[i], negatives[i]) with
//             label(anchor) == label(positive) != label(negative) and
//             anchor != positive.
//
// Index columns rather than structs of three indices: losses gather the
// distances of a whole column at once (GatherDistances in loss.h).
#ifndef SIAMESE_FRAMEWORK_CORE_TUPLES_H_
#define SIAMESE_FRAMEWORK_CORE_TUPLES_H_

#include <cstdint>
#include <variant>
#include <vector>

namespace siamese {

enum class TupleKind { kPairs, kTriplets };

// "pairs" or "triplets".
const char* TupleKindName(TupleKind kind);

struct Pairs {
  std::vector<int64_t> pos_a, pos_b;
  std::vector<int64_t> neg_a, neg_b;
  int64_t size() const { return static_cast<int64_t>(pos_a.size() + neg_a.size()); }
};

struct Triplets {
  std::vector<int64_t> anchors, positives, negatives;
  int64_t size() const { return static_cast<int64_t>(anchors.size()); }
};

// The tuples of one step: pairs or triplets. Default: no triplets.
class Tuples {
 public:
  Tuples() : tuples_(Triplets()) {}
  Tuples(Pairs pairs) : tuples_(std::move(pairs)) {}           // NOLINT: implicit by design
  Tuples(Triplets triplets) : tuples_(std::move(triplets)) {}  // NOLINT: implicit by design

  TupleKind kind() const {
    return std::holds_alternative<Pairs>(tuples_) ? TupleKind::kPairs : TupleKind::kTriplets;
  }
  // Pairs or triplets held.
  int64_t size() const;
  bool empty() const { return size() == 0; }

  // REQUIRES: kind() == kPairs (aborts naming both kinds otherwise).
  const Pairs& pairs() const;
  // REQUIRES: kind() == kTriplets (aborts naming both kinds otherwise).
  const Triplets& triplets() const;

 private:
  std::variant<Pairs, Triplets> tuples_;
};

// The same supervision as the other kind of tuple (as pytorch-metric-
// learning's convert_to_pairs / convert_to_triplets), so any miner can feed
// any loss:
//   triplets -> pairs: positives {(a, p)}, negatives {(a, n)}, duplicates
//                      removed, in first-seen order;
//   pairs -> triplets: for every anchor a, every positive partner p and
//                      negative partner n of a (pairs count in both
//                      directions, or only from their first index when
//                      `directed`: rows against a cross-batch memory's
//                      columns, framework/core/references.h), in anchor
//                      order.
// Tuples already of `target` kind are returned as they are (moved, not
// copied: this runs every training step).
Tuples ConvertTuples(Tuples tuples, TupleKind target, bool directed = false);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_TUPLES_H_
