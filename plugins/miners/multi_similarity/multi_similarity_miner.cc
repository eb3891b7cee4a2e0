// Miner "multi_similarity": Wang et al.'s informative pairs (rule in the
// proto): negatives closer than the farthest positive, positives farther
// than the nearest negative, each within epsilon.
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/parallel_mining.h"
#include "framework/core/registry.h"
#include "plugins/miners/multi_similarity/multi_similarity.pb.h"

namespace siamese {
namespace {

class MultiSimilarityMiner : public Miner {
 public:
  explicit MultiSimilarityMiner(const MultiSimilarityMinerParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Miner>> Create(const MultiSimilarityMinerParams& p,
                                                       const PluginContext&) {
    if (!(p.epsilon() >= 0) || !std::isfinite(p.epsilon())) {
      return FieldError("epsilon", absl::StrCat("must be finite and >= 0, got ", p.epsilon()));
    }
    return std::unique_ptr<Miner>(new MultiSimilarityMiner(p));
  }

  TupleKind output() const override { return TupleKind::kPairs; }

  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Tuples Mine(const MinerInput& in) override {
    const Comparisons c = in.comparisons();
    const int64_t n = c.rows(), m = c.columns();
    const float* d = in.distances->data();
    const float eps = p_.epsilon();
    // Anchors on the framework's threads, pairs in anchor order (MineRows).
    return MineRows<Pairs>(n, 2 * m, [&](int64_t begin, int64_t end, Pairs* t) {
      for (int64_t a = begin; a < end; ++a) {
        float farthest_positive = -std::numeric_limits<float>::infinity();
        float nearest_negative = std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < m; ++j) {
          if (!c.comparable(a, j)) continue;
          if (c.same_class(a, j)) {
            farthest_positive = std::max(farthest_positive, d[a * m + j]);
          } else {
            nearest_negative = std::min(nearest_negative, d[a * m + j]);
          }
        }
        for (int64_t j = 0; j < m; ++j) {
          if (!c.comparable(a, j)) continue;
          const float daj = d[a * m + j];
          if (c.same_class(a, j)) {
            if (daj + eps > nearest_negative) {
              t->pos_a.push_back(a);
              t->pos_b.push_back(j);
            }
          } else if (daj - eps < farthest_positive) {
            t->neg_a.push_back(a);
            t->neg_b.push_back(j);
          }
        }
      }
    });
  }

 private:
  MultiSimilarityMinerParams p_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "multi_similarity", siamese::multi_similarity_miner,
                        MultiSimilarityMinerParams,
                        "Wang et al. 2019: negatives closer than the farthest positive and "
                        "positives farther than the nearest negative, within epsilon",
                        &MultiSimilarityMiner::Create);

}  // namespace
}  // namespace siamese
