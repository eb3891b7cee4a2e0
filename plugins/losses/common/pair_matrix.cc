#include "plugins/losses/common/pair_matrix.h"

#include <algorithm>

#include "framework/base/check.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"

namespace siamese {

PairMasks MasksOf(const LossInput& in) {
  return MasksOf(in.tuples->pairs(), in.distances.dim(0), in.distances.dim(1),
                 in.comparisons().directed());
}

PairMasks MasksOf(const Pairs& pairs, int64_t n, int64_t cols, bool directed) {
  PairMasks m;
  m.rows = n;
  m.columns = cols;
  m.positive.assign(n * cols, 0);
  m.negative.assign(n * cols, 0);
  auto mark = [&](const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                  std::vector<char>* mask) {
    for (size_t i = 0; i < a.size(); ++i) {
      SIAMESE_CHECK(a[i] >= 0 && a[i] < n && b[i] >= 0 && b[i] < cols &&
                    (directed || b[i] < n))
          << "pair masks: pair (" << a[i] << ", " << b[i] << ") outside [" << n << ", " << cols
          << "] distances";
      (*mask)[a[i] * cols + b[i]] = 1;
      if (!directed) (*mask)[b[i] * n + a[i]] = 1;
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

void DirectedPositives(const Pairs& pairs, bool directed, std::vector<int64_t>* anchors,
                       std::vector<int64_t>* positives) {
  anchors->clear();
  positives->clear();
  for (size_t k = 0; k < pairs.pos_a.size(); ++k) {
    if (directed) {
      anchors->push_back(pairs.pos_a[k]);
      positives->push_back(pairs.pos_b[k]);
    } else {
      anchors->insert(anchors->end(), {pairs.pos_a[k], pairs.pos_b[k]});
      positives->insert(positives->end(), {pairs.pos_b[k], pairs.pos_a[k]});
    }
  }
}

}  // namespace siamese
