#include "framework/core/miner.h"

#include <map>
#include <set>
#include <utility>

namespace siamese {

MinedTuples ConvertTuples(const MinedTuples& t, TupleKind target) {
  if (t.kind == target) return t;
  MinedTuples out;
  out.kind = target;
  if (target == TupleKind::kPairs) {
    std::set<std::pair<int64_t, int64_t>> seen_pos, seen_neg;
    for (size_t i = 0; i < t.anchors.size(); ++i) {
      if (seen_pos.insert({t.anchors[i], t.positives[i]}).second) {
        out.pos_a.push_back(t.anchors[i]);
        out.pos_b.push_back(t.positives[i]);
      }
      if (seen_neg.insert({t.anchors[i], t.negatives[i]}).second) {
        out.neg_a.push_back(t.anchors[i]);
        out.neg_b.push_back(t.negatives[i]);
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
