// Miner "hard_pairs": positive pairs with d > pos_margin, negative pairs with
// d < neg_margin. Under dot_product (d = -a.b) PML's similarity margins
// change sign: PairMarginMiner(pos_margin=m+, neg_margin=m-) on
// DotProductSimilarity is pos_margin: -m+ neg_margin: -m- here.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/parallel_mining.h"
#include "framework/core/registry.h"
#include "plugins/miners/hard_pairs/hard_pairs.pb.h"

namespace siamese {
namespace {

class HardPairsMiner : public Miner {
 public:
  explicit HardPairsMiner(const HardPairsMinerParams& p) : params_(p) {}

  static absl::StatusOr<std::unique_ptr<Miner>> Create(const HardPairsMinerParams& p,
                                                       const PluginContext&) {
    if (!std::isfinite(p.pos_margin())) {
      return FieldError("pos_margin", absl::StrCat("must be finite, got ", p.pos_margin()));
    }
    if (!(p.neg_margin() > p.pos_margin())) {
      return FieldError("neg_margin", absl::StrCat("must be > pos_margin (", p.pos_margin(),
                                                   "), got ", p.neg_margin()));
    }
    return std::unique_ptr<Miner>(new HardPairsMiner(p));
  }

  TupleKind output() const override { return TupleKind::kPairs; }

  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Tuples Mine(const MinerInput& in) override {
    const Comparisons c = in.comparisons();
    const int64_t n = c.rows(), m = c.columns();
    const float* d = in.distances->data();
    // Each unordered pair once (i < j); under an asymmetric distance (snr)
    // both orders, each judged by its own d(i, j), as PML's PairMarginMiner;
    // every (row, column) against references. Rows on the framework's
    // threads, pairs in row order (MineRows).
    const bool every_column = c.directed() || !in.distance.symmetric();
    return MineRows<Pairs>(n, m, [&](int64_t begin, int64_t end, Pairs* t) {
      for (int64_t i = begin; i < end; ++i) {
        for (int64_t j = every_column ? 0 : i + 1; j < m; ++j) {
          if (!c.comparable(i, j)) continue;
          const float dij = d[i * m + j];
          if (c.same_class(i, j)) {
            if (dij > params_.pos_margin()) {
              t->pos_a.push_back(i);
              t->pos_b.push_back(j);
            }
          } else if (dij < params_.neg_margin()) {
            t->neg_a.push_back(i);
            t->neg_b.push_back(j);
          }
        }
      }
    });
  }

 private:
  HardPairsMinerParams params_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "hard_pairs", siamese::hard_pairs, HardPairsMinerParams,
                        "positive pairs with d > pos_margin, negative pairs with d < neg_margin",
                        &HardPairsMiner::Create);

}  // namespace
}  // namespace siamese
