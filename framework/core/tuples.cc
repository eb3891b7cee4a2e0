#include "framework/core/tuples.h"

#include <algorithm>
#include <map>
#include <utility>

#include "framework/base/check.h"

namespace siamese {

const char* TupleKindName(TupleKind kind) {
  return kind == TupleKind::kPairs ? "pairs" : "triplets";
}

int64_t Tuples::size() const {
  return kind() == TupleKind::kPairs ? std::get<Pairs>(tuples_).size()
                                     : std::get<Triplets>(tuples_).size();
}

const Pairs& Tuples::pairs() const {
  SIAMESE_CHECK(kind() == TupleKind::kPairs) << "Tuples::pairs: these tuples are triplets";
  return std::get<Pairs>(tuples_);
}

const Triplets& Tuples::triplets() const {
  SIAMESE_CHECK(kind() == TupleKind::kTriplets) << "Tuples::triplets: these tuples are pairs";
  return std::get<Triplets>(tuples_);
}

Tuples ConvertTuples(Tuples tuples, TupleKind target, bool directed) {
  if (tuples.kind() == target) return tuples;
  if (target == TupleKind::kPairs) {
    const Triplets& t = tuples.triplets();
    Pairs out;
    // A bitmap over (i, j) of the batch: mining can return millions of
    // triplets (the "all" miner), so no per-tuple tree lookups.
    int64_t n = 0;
    for (size_t i = 0; i < t.anchors.size(); ++i) {
      n = std::max({n, t.anchors[i] + 1, t.positives[i] + 1, t.negatives[i] + 1});
    }
    std::vector<bool> seen_pos(n * n, false), seen_neg(n * n, false);
    for (size_t i = 0; i < t.anchors.size(); ++i) {
      const int64_t a = t.anchors[i], p = t.positives[i], q = t.negatives[i];
      if (!seen_pos[a * n + p]) {
        seen_pos[a * n + p] = true;
        out.pos_a.push_back(a);
        out.pos_b.push_back(p);
      }
      if (!seen_neg[a * n + q]) {
        seen_neg[a * n + q] = true;
        out.neg_a.push_back(a);
        out.neg_b.push_back(q);
      }
    }
    return out;
  }
  const Pairs& t = tuples.pairs();
  Triplets out;
  std::map<int64_t, std::vector<int64_t>> pos, neg;
  for (size_t i = 0; i < t.pos_a.size(); ++i) {
    pos[t.pos_a[i]].push_back(t.pos_b[i]);
    if (!directed) pos[t.pos_b[i]].push_back(t.pos_a[i]);
  }
  for (size_t i = 0; i < t.neg_a.size(); ++i) {
    neg[t.neg_a[i]].push_back(t.neg_b[i]);
    if (!directed) neg[t.neg_b[i]].push_back(t.neg_a[i]);
  }
  for (const auto& [a, ps] : pos) {
    auto it = neg.find(a);
    if (it == neg.end()) continue;
    for (int64_t p : ps) {
      for (int64_t n : it->second) {
        out.anchors.push_back(a);
        out.positives.push_back(p);
        out.negatives.push_back(n);
      }
    }
  }
  return out;
}

}  // namespace siamese
