#include "plugins/losses/common/pair_matrix.h"

#include <algorithm>

#include "framework/base/check.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"

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
  return distance.Similarity(distances);
}

Variable MeanOfNonZero(const Variable& terms) {
  const Tensor v = terms.value().ToPlain();
  int64_t nonzero = 0;
  for (int64_t i = 0; i < v.numel(); ++i) nonzero += v.data()[i] > 0;
  return MulScalar(SumAll(terms), 1.0f / static_cast<float>(std::max<int64_t>(nonzero, 1)));
}

void DirectedPositives(const Pairs& pairs, std::vector<int64_t>* anchors,
                       std::vector<int64_t>* positives) {
  anchors->clear();
  positives->clear();
  for (size_t k = 0; k < pairs.pos_a.size(); ++k) {
    anchors->insert(anchors->end(), {pairs.pos_a[k], pairs.pos_b[k]});
    positives->insert(positives->end(), {pairs.pos_b[k], pairs.pos_a[k]});
  }
}

}  // namespace siamese
