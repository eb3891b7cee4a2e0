#include "plugins/losses/common/pair_matrix.h"

#include "framework/base/check.h"
#include "framework/ops/elementwise.h"

namespace siamese {

PairMasks MasksOf(const Pairs& pairs, int64_t n) {
  PairMasks m;
  m.n = n;
  m.positive.assign(n * n, 0);
  m.negative.assign(n * n, 0);
  auto mark = [n](const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                  std::vector<char>* mask) {
    for (size_t i = 0; i < a.size(); ++i) {
      SIAMESE_CHECK(a[i] >= 0 && a[i] < n && b[i] >= 0 && b[i] < n)
          << "pair masks: pair (" << a[i] << ", " << b[i] << ") outside a batch of " << n;
      (*mask)[a[i] * n + b[i]] = 1;
      (*mask)[b[i] * n + a[i]] = 1;
    }
  };
  mark(pairs.pos_a, pairs.pos_b, &m.positive);
  mark(pairs.neg_a, pairs.neg_b, &m.negative);
  m.any_positive = !pairs.pos_a.empty();
  m.any_negative = !pairs.neg_a.empty();
  return m;
}

Variable SimilarityOf(const Variable& distances, const Distance& distance) {
  if (distance.kind() == Distance::Kind::kCosine) return RSubScalar(distances, 1.0f);
  return Neg(distances);
}

}  // namespace siamese
