// Miner "distance_weighted": Wu et al.'s distance-weighted sampling of
// negatives (rule in the proto).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/tensor/rng.h"
#include "plugins/miners/distance_weighted/distance_weighted.pb.h"
#include "plugins/miners/distance_weighted/distance_weights.h"

namespace siamese {
namespace {

constexpr uint64_t kDrawTag = 0x64777300;  // "dws"

class DistanceWeightedMiner : public Miner {
 public:
  DistanceWeightedMiner(const DistanceWeightedMinerParams& p, uint64_t seed) : p_(p), seed_(seed) {}

  static absl::StatusOr<std::unique_ptr<Miner>> Create(const DistanceWeightedMinerParams& p,
                                                       const PluginContext& context) {
    if (!(p.cutoff() > 0) || !(p.cutoff() < 2)) {
      return FieldError("cutoff", absl::StrCat("must be in (0, 2), got ", p.cutoff()));
    }
    if (!(p.nonzero_loss_cutoff() > p.cutoff())) {
      return FieldError("nonzero_loss_cutoff", absl::StrCat("must be > cutoff (", p.cutoff(),
                                                            "), got ", p.nonzero_loss_cutoff()));
    }
    return std::unique_ptr<Miner>(new DistanceWeightedMiner(p, context.seed));
  }

  TupleKind output() const override { return TupleKind::kTriplets; }

  Tuples Mine(const MinerInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    const std::vector<double> w = DistanceWeights(
        in.distances->data(), labels, in.embeddings->dim(1), p_.cutoff(), p_.nonzero_loss_cutoff());
    Rng rng = Rng(seed_).Fork(kDrawTag).Fork(static_cast<uint64_t>(in.step));
    Triplets t;
    for (int64_t a = 0; a < n; ++a) {
      const double* row = w.data() + a * n;
      double total = 0;
      for (int64_t j = 0; j < n; ++j) total += row[j];
      if (!(total > 0)) continue;
      for (int64_t p = 0; p < n; ++p) {
        if (p == a || labels[p] != labels[a]) continue;
        // Inverse-CDF draw over the row; the last admissible index absorbs
        // rounding.
        const double u = static_cast<double>(rng.Uniform()) * total;
        double acc = 0;
        int64_t pick = -1;
        for (int64_t j = 0; j < n; ++j) {
          if (row[j] <= 0) continue;
          pick = j;
          acc += row[j];
          if (u < acc) break;
        }
        t.anchors.push_back(a);
        t.positives.push_back(p);
        t.negatives.push_back(pick);
      }
    }
    return t;
  }

 private:
  DistanceWeightedMinerParams p_;
  uint64_t seed_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "distance_weighted", siamese::distance_weighted,
                        DistanceWeightedMinerParams,
                        "Wu et al. 2017: every positive with a negative drawn by inverse "
                        "distance density",
                        &DistanceWeightedMiner::Create);

}  // namespace
}  // namespace siamese
