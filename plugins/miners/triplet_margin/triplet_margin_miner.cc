// Miner "triplet_margin": every triplet, kept by its margin (rule in the
// proto).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/parallel_mining.h"
#include "framework/core/registry.h"
#include "plugins/miners/triplet_margin/triplet_margin.pb.h"

namespace siamese {
namespace {

enum class Type { kAll, kHard, kSemiHard, kEasy };

class TripletMarginMiner : public Miner {
 public:
  TripletMarginMiner(float margin, Type type) : margin_(margin), type_(type) {}

  static absl::StatusOr<std::unique_ptr<Miner>> Create(const TripletMarginMinerParams& p,
                                                       const PluginContext&) {
    if (!std::isfinite(p.margin())) {
      return FieldError("margin", absl::StrCat("must be finite, got ", p.margin()));
    }
    Type type;
    if (p.type() == "all") {
      type = Type::kAll;
    } else if (p.type() == "hard") {
      type = Type::kHard;
    } else if (p.type() == "semihard") {
      type = Type::kSemiHard;
    } else if (p.type() == "easy") {
      type = Type::kEasy;
    } else {
      return FieldError("type", absl::StrCat("must be \"all\", \"hard\", \"semihard\" or \"easy\", "
                                             "got \"",
                                             p.type(), "\""));
    }
    return std::unique_ptr<Miner>(new TripletMarginMiner(p.margin(), type));
  }

  TupleKind output() const override { return TupleKind::kTriplets; }

  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Tuples Mine(const MinerInput& in) override {
    const Comparisons c = in.comparisons();
    const int64_t n = c.rows(), cols = c.columns();
    const float* d = in.distances->data();
    // Anchors on the framework's threads, tuples in anchor order (MineRows).
    return MineRows<Triplets>(n, cols * cols / 8, [&](int64_t begin, int64_t end, Triplets* t) {
      for (int64_t a = begin; a < end; ++a) {
        for (int64_t p = 0; p < cols; ++p) {
          if (!c.comparable(a, p) || !c.same_class(a, p)) continue;
          for (int64_t q = 0; q < cols; ++q) {
            if (c.same_class(a, q)) continue;
            const float m = d[a * cols + q] - d[a * cols + p];
            if (Keep(m)) {
              t->anchors.push_back(a);
              t->positives.push_back(p);
              t->negatives.push_back(q);
            }
          }
        }
      }
    });
  }

 private:
  bool Keep(float m) const {
    switch (type_) {
      case Type::kAll:
        return m <= margin_;
      case Type::kHard:
        return m <= 0;
      case Type::kSemiHard:
        return m > 0 && m <= margin_;
      case Type::kEasy:
        return m > margin_;
    }
    return false;
  }

  float margin_;
  Type type_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "triplet_margin", siamese::triplet_margin, TripletMarginMinerParams,
                        "every triplet, kept by d_an - d_ap against the margin: all, hard, "
                        "semihard or easy",
                        &TripletMarginMiner::Create);

}  // namespace
}  // namespace siamese
