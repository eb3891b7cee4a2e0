// Schedule "step": decays the learning rate by gamma every step_size steps.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/optim/schedule.h"
#include "plugins/schedules/step/step.pb.h"

namespace siamese {
namespace {

class StepSchedule : public LrSchedule {
 public:
  StepSchedule(float base, int64_t step_size, float gamma)
      : base_(base), step_size_(step_size), gamma_(gamma) {}

  static absl::StatusOr<std::unique_ptr<LrSchedule>> Create(const StepScheduleParams& p,
                                                            const PluginContext& context) {
    if (p.step_size() < 1) {
      return FieldError("step_size", absl::StrCat("must be >= 1, got ", p.step_size()));
    }
    if (!(p.gamma() >= 0.0f && std::isfinite(p.gamma()))) {
      return FieldError("gamma", absl::StrCat("must be finite and >= 0, got ", p.gamma()));
    }
    return std::unique_ptr<LrSchedule>(
        new StepSchedule(context.learning_rate, p.step_size(), p.gamma()));
  }

  float LearningRate(int64_t step) const override {
    SIAMESE_CHECK(step >= 0) << "step schedule: negative step " << step;
    return static_cast<float>(base_ *
                              std::pow(double{gamma_}, static_cast<double>(step / step_size_)));
  }

 private:
  float base_;
  int64_t step_size_;
  float gamma_;
};

SIAMESE_REGISTER_PLUGIN(LrSchedule, "step", siamese::step, StepScheduleParams,
                        "lr = base * gamma^floor(step / step_size) (StepLR)",
                        &StepSchedule::Create);

}  // namespace
}  // namespace siamese
