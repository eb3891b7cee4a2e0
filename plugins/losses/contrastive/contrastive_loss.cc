// Loss "contrastive": Hadsell et al.'s squared contrastive loss on pairs.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "plugins/losses/common/pair_matrix.h"
#include "plugins/losses/contrastive/contrastive.pb.h"

namespace siamese {
namespace {

class ContrastiveLoss : public Loss {
 public:
  explicit ContrastiveLoss(const ContrastiveLossParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Loss>> Create(const ContrastiveLossParams& p,
                                                      const PluginContext&) {
    if (!std::isfinite(p.pos_margin())) {
      return FieldError("pos_margin", absl::StrCat("must be finite, got ", p.pos_margin()));
    }
    if (!(p.neg_margin() > p.pos_margin())) {
      return FieldError("neg_margin", absl::StrCat("must be > pos_margin (", p.pos_margin(),
                                                   "), got ", p.neg_margin()));
    }
    if (p.reduction() != "mean" && p.reduction() != "mean_nonzero_each") {
      return FieldError(
          "reduction",
          absl::StrCat("must be \"mean\" or \"mean_nonzero_each\", got \"", p.reduction(), "\""));
    }
    return std::unique_ptr<Loss>(new ContrastiveLoss(p));
  }

  TupleKind input() const override { return TupleKind::kPairs; }
  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Variable Compute(const LossInput& in) override {
    const Pairs& t = in.tuples->pairs();
    const int64_t pairs = static_cast<int64_t>(t.pos_a.size() + t.neg_a.size());
    if (pairs == 0) return ZeroLoss(in.distances);
    std::vector<Variable> terms;
    Variable pos, neg;
    if (!t.pos_a.empty()) {
      Variable d = GatherDistances(in.distances, t.pos_a, t.pos_b);
      pos = Relu(AddScalar(d, -p_.pos_margin()));
      if (p_.squared()) pos = Square(pos);
      terms.push_back(pos);
    }
    if (!t.neg_a.empty()) {
      Variable d = GatherDistances(in.distances, t.neg_a, t.neg_b);
      neg = Relu(RSubScalar(d, p_.neg_margin()));
      if (p_.squared()) neg = Square(neg);
      terms.push_back(neg);
    }
    if (p_.reduction() == "mean_nonzero_each") {
      Variable total;
      for (const Variable& part : {pos, neg}) {
        if (!part.defined()) continue;
        Variable m = MeanOfNonZero(part);
        total = total.defined() ? Add(total, m) : m;
      }
      return total;
    }
    Variable all = terms.size() == 1 ? terms[0] : Concat(terms, 0);
    return MeanAll(all);
  }

 private:
  ContrastiveLossParams p_;
};

SIAMESE_REGISTER_PLUGIN(Loss, "contrastive", siamese::contrastive, ContrastiveLossParams,
                        "Hadsell et al. 2006: max(0, d - m+)^2 same, max(0, m- - d)^2 different",
                        &ContrastiveLoss::Create);

}  // namespace
}  // namespace siamese
