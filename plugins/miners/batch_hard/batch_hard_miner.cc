// Miner "batch_hard": the hardest positive and hardest negative per anchor.
#include "framework/core/miner.h"
#include "framework/core/parallel_mining.h"
#include "framework/core/registry.h"
#include "plugins/miners/batch_hard/batch_hard.pb.h"

namespace siamese {
namespace {

class BatchHardMiner : public Miner {
 public:
  static absl::StatusOr<std::unique_ptr<Miner>> Create(const BatchHardMinerParams&,
                                                       const PluginContext&) {
    return std::unique_ptr<Miner>(new BatchHardMiner);
  }

  TupleKind output() const override { return TupleKind::kTriplets; }

  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Tuples Mine(const MinerInput& in) override {
    const Comparisons c = in.comparisons();
    const int64_t n = c.rows(), m = c.columns();
    const float* d = in.distances->data();
    // Anchors on the framework's threads, tuples in anchor order (MineRows).
    return MineRows<Triplets>(n, m, [&](int64_t begin, int64_t end, Triplets* t) {
      for (int64_t a = begin; a < end; ++a) {
        int64_t hp = -1, hn = -1;  // ties keep the lowest index
        for (int64_t j = 0; j < m; ++j) {
          if (!c.comparable(a, j)) continue;
          if (c.same_class(a, j)) {
            if (hp < 0 || d[a * m + j] > d[a * m + hp]) hp = j;
          } else if (hn < 0 || d[a * m + j] < d[a * m + hn]) {
            hn = j;
          }
        }
        if (hp < 0 || hn < 0) continue;
        t->anchors.push_back(a);
        t->positives.push_back(hp);
        t->negatives.push_back(hn);
      }
    });
  }
};

SIAMESE_REGISTER_PLUGIN(Miner, "batch_hard", siamese::batch_hard, BatchHardMinerParams,
                        "per anchor: farthest positive and nearest negative (Hermans et al. 2017)",
                        &BatchHardMiner::Create);

}  // namespace
}  // namespace siamese
