// Miner "all": every valid triplet, or every pair, of the batch (each
// pair once, or in both orders under an asymmetric distance).
#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "plugins/miners/all/all.pb.h"

namespace siamese {
namespace {

class AllMiner : public Miner {
 public:
  explicit AllMiner(TupleKind kind) : kind_(kind) {}

  static absl::StatusOr<std::unique_ptr<Miner>> Create(const AllMinerParams& p,
                                                       const PluginContext&) {
    if (p.output() == "triplets") return std::unique_ptr<Miner>(new AllMiner(TupleKind::kTriplets));
    if (p.output() == "pairs") return std::unique_ptr<Miner>(new AllMiner(TupleKind::kPairs));
    return FieldError("output",
                      absl::StrCat("must be \"triplets\" or \"pairs\", got \"", p.output(), "\""));
  }

  TupleKind output() const override { return kind_; }

  Tuples Mine(const MinerInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    if (kind_ == TupleKind::kPairs) {
      // Each unordered pair once (i < j); under an asymmetric distance (snr)
      // both orders, since d(i, j) and d(j, i) differ.
      const bool both_orders = !in.distance.symmetric();
      Pairs t;
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = both_orders ? 0 : i + 1; j < n; ++j) {
          if (j == i) continue;
          auto& a = labels[i] == labels[j] ? t.pos_a : t.neg_a;
          auto& b = labels[i] == labels[j] ? t.pos_b : t.neg_b;
          a.push_back(i);
          b.push_back(j);
        }
      }
      return t;
    }
    Triplets t;
    for (int64_t a = 0; a < n; ++a) {
      for (int64_t p = 0; p < n; ++p) {
        if (p == a || labels[p] != labels[a]) continue;
        for (int64_t q = 0; q < n; ++q) {
          if (labels[q] == labels[a]) continue;
          t.anchors.push_back(a);
          t.positives.push_back(p);
          t.negatives.push_back(q);
        }
      }
    }
    return t;
  }

 private:
  TupleKind kind_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "all", siamese::all, AllMinerParams,
                        "every valid triplet (a, p, n) or every pair of the batch",
                        &AllMiner::Create);

}  // namespace
}  // namespace siamese
