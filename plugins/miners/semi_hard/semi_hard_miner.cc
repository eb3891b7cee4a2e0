// Miner "semi_hard": FaceNet's semi-hard negatives, on the N x N distances.
#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "plugins/miners/semi_hard/semi_hard.pb.h"

namespace siamese {
namespace {

class SemiHardMiner : public Miner {
 public:
  explicit SemiHardMiner(const SemiHardMinerParams& p) : params_(p) {}

  static absl::StatusOr<std::unique_ptr<Miner>> Create(const SemiHardMinerParams& p,
                                                       const PluginContext&) {
    if (!(p.margin() > 0))
      return FieldError("margin", absl::StrCat("must be > 0, got ", p.margin()));
    return std::unique_ptr<Miner>(new SemiHardMiner(p));
  }

  TupleKind output() const override { return TupleKind::kTriplets; }

  Tuples Mine(const MinerInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    Triplets t;
    const int64_t n = static_cast<int64_t>(labels.size());
    const float* d = in.distances->data();
    const float m = params_.margin();
    for (int64_t a = 0; a < n; ++a) {
      for (int64_t p = 0; p < n; ++p) {
        if (p == a || labels[p] != labels[a]) continue;
        const float dap = d[a * n + p];
        int64_t best = -1;
        for (int64_t q = 0; q < n; ++q) {
          if (labels[q] == labels[a]) continue;
          const float daq = d[a * n + q];
          if (!(daq > dap && daq < dap + m)) continue;
          if (params_.all_semi_hard()) {
            t.anchors.push_back(a);
            t.positives.push_back(p);
            t.negatives.push_back(q);
          } else if (best < 0 || daq < d[a * n + best]) {
            best = q;  // strict <: ties keep the lowest index
          }
        }
        if (!params_.all_semi_hard() && best >= 0) {
          t.anchors.push_back(a);
          t.positives.push_back(p);
          t.negatives.push_back(best);
        }
      }
    }
    return t;
  }

 private:
  SemiHardMinerParams params_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "semi_hard", siamese::semi_hard, SemiHardMinerParams,
                        "FaceNet semi-hard negatives: d(a,p) < d(a,n) < d(a,p) + margin",
                        &SemiHardMiner::Create);

}  // namespace
}  // namespace siamese
