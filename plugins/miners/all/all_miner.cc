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

  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Tuples Mine(const MinerInput& in) override {
    const Comparisons c = in.comparisons();
    const int64_t n = c.rows(), m = c.columns();
    if (kind_ == TupleKind::kPairs) {
      // Each unordered pair once (j > i) within the batch, or both orders
      // under an asymmetric distance (snr), where d(i, j) and d(j, i) differ;
      // every (row, column) against references.
      const bool every_column = c.directed() || !in.distance.symmetric();
      Pairs t;
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = every_column ? 0 : i + 1; j < m; ++j) {
          if (!c.comparable(i, j)) continue;
          auto& a = c.same_class(i, j) ? t.pos_a : t.neg_a;
          auto& b = c.same_class(i, j) ? t.pos_b : t.neg_b;
          a.push_back(i);
          b.push_back(j);
        }
      }
      return t;
    }
    Triplets t;
    for (int64_t a = 0; a < n; ++a) {
      for (int64_t p = 0; p < m; ++p) {
        if (!c.comparable(a, p) || !c.same_class(a, p)) continue;
        for (int64_t q = 0; q < m; ++q) {
          if (c.same_class(a, q)) continue;
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
