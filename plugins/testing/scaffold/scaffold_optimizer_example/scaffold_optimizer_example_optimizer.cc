// Optimizer "scaffold_optimizer_example": see scaffold_optimizer_example.proto for the update.
//
// The base class (framework/optim/optimizer.h) does the bookkeeping: it
// skips frozen parameters and those without a gradient, counts each
// parameter's steps, applies learning-rate multipliers, and saves and
// restores the state in checkpoints. A subclass names its per-parameter
// state slots in the constructor and updates one parameter in Update().
// This one has none; momentum would be the slot {"momentum_buffer"},
// p.slots[0] in Update() (zeros before the first update), and resuming
// from a checkpoint would restore it.
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/optim/optimizer.h"
#include "plugins/testing/scaffold/scaffold_optimizer_example/scaffold_optimizer_example.pb.h"

namespace siamese {
namespace {

class ScaffoldOptimizerExampleOptimizer : public Optimizer {
 public:
  ScaffoldOptimizerExampleOptimizer(
      NamedVariables parameters, float learning_rate, float weight_decay)
      : Optimizer(std::move(parameters), learning_rate, /*slot_names=*/{}),
        weight_decay_(weight_decay) {}

  // Checks every parameter; an error names its field.
  static absl::StatusOr<std::unique_ptr<Optimizer>> Create(
      const ScaffoldOptimizerExampleOptimizerParams& p, const PluginContext& context) {
    if (!(p.weight_decay() >= 0) || !std::isfinite(p.weight_decay())) {
      return FieldError("weight_decay",
                        absl::StrCat("must be finite and >= 0, got ", p.weight_decay()));
    }
    return std::unique_ptr<Optimizer>(new ScaffoldOptimizerExampleOptimizer(
        context.parameters, context.learning_rate, p.weight_decay()));
  }

 protected:
  // One parameter, as flat arrays. p.learning_rate is this update's rate
  // (the schedule's times the parameter's multiplier): use it, never
  // learning_rate().
  void Update(const FlatParam& p) override {
    for (int64_t i = 0; i < p.size; ++i) {
      p.value[i] -= p.learning_rate * (p.grad[i] + weight_decay_ * p.value[i]);
    }
  }

 private:
  float weight_decay_;
};

SIAMESE_REGISTER_PLUGIN(Optimizer, "scaffold_optimizer_example", siamese::scaffold_optimizer_example,
                        ScaffoldOptimizerExampleOptimizerParams,
                        "one line on its update (shown by train --list_plugins)",
                        &ScaffoldOptimizerExampleOptimizer::Create);

}  // namespace
}  // namespace siamese
