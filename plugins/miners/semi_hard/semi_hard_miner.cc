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

  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Tuples Mine(const MinerInput& in) override {
    const Comparisons c = in.comparisons();
    Triplets t;
    const int64_t n = c.rows(), cols = c.columns();
    const float* d = in.distances->data();
    const float m = params_.margin();
    for (int64_t a = 0; a < n; ++a) {
      for (int64_t p = 0; p < cols; ++p) {
        if (!c.comparable(a, p) || !c.same_class(a, p)) continue;
        const float dap = d[a * cols + p];
        int64_t best = -1;
        for (int64_t q = 0; q < cols; ++q) {
          if (c.same_class(a, q)) continue;
          const float daq = d[a * cols + q];
          if (!(daq > dap && daq < dap + m)) continue;
          if (params_.all_semi_hard()) {
            t.anchors.push_back(a);
            t.positives.push_back(p);
            t.negatives.push_back(q);
          } else if (best < 0 || daq < d[a * cols + best]) {
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
