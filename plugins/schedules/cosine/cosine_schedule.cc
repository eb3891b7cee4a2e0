// Schedule "cosine": linear warm-up, then cosine decay (cosine.proto).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/optim/schedule.h"
#include "plugins/schedules/cosine/cosine.pb.h"

namespace siamese {
namespace {

class CosineSchedule : public LrSchedule {
 public:
  CosineSchedule(float base, int64_t total_steps, int64_t warmup_steps, float min_lr)
      : base_(base), total_steps_(total_steps), warmup_steps_(warmup_steps), min_lr_(min_lr) {}

  static absl::StatusOr<std::unique_ptr<LrSchedule>> Create(const CosineScheduleParams& p,
                                                            const PluginContext& context) {
    if (p.warmup_steps() < 0 || p.warmup_steps() > context.total_steps) {
      return FieldError("warmup_steps",
                        absl::StrCat("must be in [0, ", context.total_steps,
                                     "] (the run's steps), got ", p.warmup_steps()));
    }
    if (!(p.min_learning_rate() >= 0.0f)) {
      return FieldError("min_learning_rate",
                        absl::StrCat("must be >= 0, got ", p.min_learning_rate()));
    }
    return std::unique_ptr<LrSchedule>(new CosineSchedule(
        context.learning_rate, context.total_steps, p.warmup_steps(), p.min_learning_rate()));
  }

  float LearningRate(int64_t step) const override {
    SIAMESE_CHECK(step >= 0) << "cosine schedule: negative step " << step;
    if (step < warmup_steps_) {
      return static_cast<float>(double{base_} * static_cast<double>(step + 1) /
                                static_cast<double>(warmup_steps_));
    }
    if (step >= total_steps_) return min_lr_;
    const double progress = static_cast<double>(step - warmup_steps_) /
                            static_cast<double>(total_steps_ - warmup_steps_);
    return static_cast<float>(min_lr_ +
                              (double{base_} - min_lr_) * 0.5 * (1.0 + std::cos(M_PI * progress)));
  }

 private:
  float base_;
  int64_t total_steps_;
  int64_t warmup_steps_;
  float min_lr_;
};

SIAMESE_REGISTER_PLUGIN(LrSchedule, "cosine", siamese::cosine, CosineScheduleParams,
                        "linear warm-up to base, then cosine decay to min_learning_rate",
                        &CosineSchedule::Create);

}  // namespace
}  // namespace siamese
