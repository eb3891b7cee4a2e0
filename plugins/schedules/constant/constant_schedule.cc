// Schedule "constant": the base learning rate at every step.
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/optim/schedule.h"
#include "plugins/schedules/constant/constant.pb.h"

namespace siamese {
namespace {

class ConstantSchedule : public LrSchedule {
 public:
  explicit ConstantSchedule(float base) : base_(base) {}

  static absl::StatusOr<std::unique_ptr<LrSchedule>> Create(const ConstantScheduleParams&,
                                                            const PluginContext& context) {
    return std::unique_ptr<LrSchedule>(new ConstantSchedule(context.learning_rate));
  }

  float LearningRate(int64_t step) const override {
    SIAMESE_CHECK(step >= 0) << "constant schedule: negative step " << step;
    return base_;
  }

 private:
  float base_;
};

SIAMESE_REGISTER_PLUGIN(LrSchedule, "constant", siamese::constant, ConstantScheduleParams,
                        "lr = base at every step", &ConstantSchedule::Create);

}  // namespace
}  // namespace siamese
