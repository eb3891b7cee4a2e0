// Miner "scaffold_miner_example": see scaffold_miner_example.proto for the rule.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "plugins/testing/scaffold/scaffold_miner_example/scaffold_miner_example.pb.h"

namespace siamese {
namespace {

class ScaffoldMinerExampleMiner : public Miner {
 public:
  explicit ScaffoldMinerExampleMiner(const ScaffoldMinerExampleMinerParams& p) : p_(p) {}

  // Checks every parameter; an error names its field.
  static absl::StatusOr<std::unique_ptr<Miner>> Create(const ScaffoldMinerExampleMinerParams& p,
                                                       const PluginContext&) {
    if (!(p.margin() > 0) || !std::isfinite(p.margin())) {
      return FieldError("margin", absl::StrCat("must be finite and > 0, got ", p.margin()));
    }
    return std::unique_ptr<Miner>(new ScaffoldMinerExampleMiner(p));
  }

  TupleKind output() const override { return TupleKind::kPairs; }

  Tuples Mine(const MinerInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    const float* d = in.distances->data();
    Pairs t;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = i + 1; j < n; ++j) {
        if (labels[i] == labels[j]) {
          t.pos_a.push_back(i);
          t.pos_b.push_back(j);
        } else if (d[i * n + j] < p_.margin()) {
          t.neg_a.push_back(i);
          t.neg_b.push_back(j);
        }
      }
    }
    return t;
  }

 private:
  ScaffoldMinerExampleMinerParams p_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "scaffold_miner_example", siamese::scaffold_miner_example, ScaffoldMinerExampleMinerParams,
                        "one line on what it mines (shown by train --list_plugins)",
                        &ScaffoldMinerExampleMiner::Create);

}  // namespace
}  // namespace siamese
