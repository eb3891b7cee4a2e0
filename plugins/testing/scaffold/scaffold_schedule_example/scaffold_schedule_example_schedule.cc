// Schedule "scaffold_schedule_example": see scaffold_schedule_example.proto for the formula.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/optim/schedule.h"
#include "plugins/testing/scaffold/scaffold_schedule_example/scaffold_schedule_example.pb.h"

namespace siamese {
namespace {

class ScaffoldScheduleExampleSchedule : public LrSchedule {
 public:
  ScaffoldScheduleExampleSchedule(float base, int64_t total_steps, float end_factor)
      : base_(base), total_steps_(std::max<int64_t>(total_steps, 1)), end_factor_(end_factor) {}

  // Checks every parameter (against the run too: PluginContext gives the
  // base rate and the run's steps); an error names its field.
  static absl::StatusOr<std::unique_ptr<LrSchedule>> Create(
      const ScaffoldScheduleExampleScheduleParams& p, const PluginContext& context) {
    if (!(p.end_factor() >= 0 && p.end_factor() <= 1)) {
      return FieldError("end_factor", absl::StrCat("must be in [0, 1], got ", p.end_factor()));
    }
    return std::unique_ptr<LrSchedule>(new ScaffoldScheduleExampleSchedule(
        context.learning_rate, context.total_steps, p.end_factor()));
  }

  float LearningRate(int64_t step) const override {
    SIAMESE_CHECK(step >= 0) << "schedule \"scaffold_schedule_example\": negative step " << step;
    const double done = static_cast<double>(std::min(step, total_steps_)) / total_steps_;
    return static_cast<float>(base_ * (1.0 - (1.0 - end_factor_) * done));
  }

 private:
  float base_;
  int64_t total_steps_;
  float end_factor_;
};

SIAMESE_REGISTER_PLUGIN(LrSchedule, "scaffold_schedule_example", siamese::scaffold_schedule_example,
                        ScaffoldScheduleExampleScheduleParams,
                        "one line on its formula (shown by train --list_plugins)",
                        &ScaffoldScheduleExampleSchedule::Create);

}  // namespace
}  // namespace siamese
