// Loss "lifted_structure": the generalized lifted structure loss of Hermans
// et al. (formula in the proto): soft-max positive distance against
// soft-min negative distance, per example.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/logsumexp.h"
#include "framework/ops/reduce.h"
#include "plugins/losses/common/pair_matrix.h"
#include "plugins/losses/lifted_structure/lifted_structure.pb.h"

namespace siamese {
namespace {

class LiftedStructureLoss : public Loss {
 public:
  explicit LiftedStructureLoss(const LiftedStructureLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const LiftedStructureLossParams& p,
                                                      const PluginContext&) {
    if (!std::isfinite(p.pos_margin())) {
      return FieldError("pos_margin", absl::StrCat("must be finite, got ", p.pos_margin()));
    }
    if (!std::isfinite(p.neg_margin())) {
      return FieldError("neg_margin", absl::StrCat("must be finite, got ", p.neg_margin()));
    }
    return std::unique_ptr<Loss>(new LiftedStructureLoss(p));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Variable Compute(const LossInput& in) override {
    const Pairs& pairs = in.tuples->pairs();
    if (pairs.size() == 0) return ZeroLoss(in.distances);
    const PairMasks m = MasksOf(in);
    const Variable& d = in.distances;
    Variable pos = MaskedLogSumExp(AddScalar(d, -p_.pos_margin()), m.positive, false);
    Variable neg = MaskedLogSumExp(RSubScalar(d, p_.neg_margin()), m.negative, false);
    return MeanAll(Relu(Add(pos, neg)));
  }

 private:
  LiftedStructureLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "lifted_structure", siamese::lifted_structure,
                        LiftedStructureLossParams,
                        "Hermans et al. 2017 (after Oh Song et al. 2016): soft farthest positive "
                        "against soft nearest negative",
                        &LiftedStructureLoss::Create);

}  // namespace
}  // namespace siamese
