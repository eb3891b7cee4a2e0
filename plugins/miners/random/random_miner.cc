// Miner "random": uniformly drawn valid triplets or balanced pairs; the draw
// depends only on the seed and the training step.
#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/tensor/rng.h"
#include "plugins/miners/random/random.pb.h"

namespace siamese {
namespace {

class RandomMiner : public Miner {
 public:
  RandomMiner(TupleKind kind, int num, uint64_t seed) : kind_(kind), num_(num), seed_(seed) {}

  static absl::StatusOr<std::unique_ptr<Miner>> Create(const RandomMinerParams& p,
                                                       const PluginContext& context) {
    if (p.num_tuples() < 1) {
      return FieldError("num_tuples", absl::StrCat("must be >= 1, got ", p.num_tuples()));
    }
    TupleKind kind;
    if (p.output() == "triplets") {
      kind = TupleKind::kTriplets;
    } else if (p.output() == "pairs") {
      kind = TupleKind::kPairs;
    } else {
      return FieldError(
          "output", absl::StrCat("must be \"triplets\" or \"pairs\", got \"", p.output(), "\""));
    }
    return std::unique_ptr<Miner>(new RandomMiner(kind, p.num_tuples(), context.seed));
  }

  TupleKind output() const override { return kind_; }

  Tuples Mine(const MinerInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    Triplets t;
    Pairs pairs;
    Rng rng = Rng(seed_).Fork(0x6d696e6572ULL + static_cast<uint64_t>(in.step));
    const int64_t n = static_cast<int64_t>(labels.size());
    // Per example: the others with the same label, and with another label.
    std::vector<std::vector<int64_t>> same(n), other(n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        if (j != i) (labels[j] == labels[i] ? same[i] : other[i]).push_back(j);
    std::vector<int64_t> anchors;  // examples with a positive and a negative
    for (int64_t i = 0; i < n; ++i)
      if (!same[i].empty() && !other[i].empty()) anchors.push_back(i);
    if (anchors.empty()) return kind_ == TupleKind::kTriplets ? Tuples(t) : Tuples(pairs);
    for (int k = 0; k < num_; ++k) {
      const int64_t a = anchors[rng.UniformInt(static_cast<int64_t>(anchors.size()))];
      const int64_t p = same[a][rng.UniformInt(static_cast<int64_t>(same[a].size()))];
      const int64_t q = other[a][rng.UniformInt(static_cast<int64_t>(other[a].size()))];
      if (kind_ == TupleKind::kTriplets) {
        t.anchors.push_back(a);
        t.positives.push_back(p);
        t.negatives.push_back(q);
      } else if (k % 2 == 0) {
        pairs.pos_a.push_back(a);
        pairs.pos_b.push_back(p);
      } else {
        pairs.neg_a.push_back(a);
        pairs.neg_b.push_back(q);
      }
    }
    return kind_ == TupleKind::kTriplets ? Tuples(std::move(t)) : Tuples(std::move(pairs));
  }

 private:
  TupleKind kind_;
  int num_;
  uint64_t seed_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "random", siamese::random, RandomMinerParams,
                        "uniformly drawn valid triplets or balanced pairs (seeded by step)",
                        &RandomMiner::Create);

}  // namespace
}  // namespace siamese
