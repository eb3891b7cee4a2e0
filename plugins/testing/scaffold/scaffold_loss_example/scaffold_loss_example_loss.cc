// Loss "scaffold_loss_example": see scaffold_loss_example.proto for the formula.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "plugins/testing/scaffold/scaffold_loss_example/scaffold_loss_example.pb.h"

namespace siamese {
namespace {

class ScaffoldLossExampleLoss : public Loss {
 public:
  explicit ScaffoldLossExampleLoss(const ScaffoldLossExampleLossParams& p) : p_(p) {}

  // Checks every parameter; an error names its field.
  static absl::StatusOr<std::unique_ptr<Loss>> Create(const ScaffoldLossExampleLossParams& p,
                                                      const PluginContext&) {
    if (!(p.margin() > 0) || !std::isfinite(p.margin())) {
      return FieldError("margin", absl::StrCat("must be finite and > 0, got ", p.margin()));
    }
    return std::unique_ptr<Loss>(new ScaffoldLossExampleLoss(p));
  }

  // Pairs; a triplet miner's tuples are converted (framework/core/tuples.h).
  TupleKind input() const override { return TupleKind::kPairs; }

  Variable Compute(const LossInput& in) override {
    const Pairs& t = in.tuples->pairs();
    if (t.size() == 0) return ZeroLoss(in.distances);
    std::vector<Variable> terms;
    if (!t.pos_a.empty()) terms.push_back(GatherDistances(in.distances, t.pos_a, t.pos_b));
    if (!t.neg_a.empty()) {
      terms.push_back(Relu(RSubScalar(GatherDistances(in.distances, t.neg_a, t.neg_b),
                                      p_.margin())));
    }
    return MeanAll(terms.size() == 1 ? terms[0] : Concat(terms, 0));
  }

 private:
  ScaffoldLossExampleLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "scaffold_loss_example", siamese::scaffold_loss_example, ScaffoldLossExampleLossParams,
                        "one line on what it does (shown by train --list_plugins)",
                        &ScaffoldLossExampleLoss::Create);

}  // namespace
}  // namespace siamese
