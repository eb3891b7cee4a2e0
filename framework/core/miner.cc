#include "framework/core/miner.h"

#include <algorithm>
#include <map>
#include <utility>

namespace siamese {

MinedTuples ConvertTuples(MinedTuples t, TupleKind target) {
  if (t.kind == target) return t;
  MinedTuples out;
  out.kind = target;
  if (target == TupleKind::kPairs) {
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
  std::map<int64_t, std::vector<int64_t>> pos, neg;
  for (size_t i = 0; i < t.pos_a.size(); ++i) {
    pos[t.pos_a[i]].push_back(t.pos_b[i]);
    pos[t.pos_b[i]].push_back(t.pos_a[i]);
  }
  for (size_t i = 0; i < t.neg_a.size(); ++i) {
    neg[t.neg_a[i]].push_back(t.neg_b[i]);
    neg[t.neg_b[i]].push_back(t.neg_a[i]);
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
