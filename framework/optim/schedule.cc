#include "framework/optim/schedule.h"

#include <cmath>

#include "framework/base/check.h"

namespace siamese {
namespace {

void CheckStep(const char* schedule, int64_t step) {
  SIAMESE_CHECK(step >= 0) << schedule << ": negative step " << step;
}

}  // namespace

ConstantSchedule::ConstantSchedule(float base_lr) : base_lr_(base_lr) {
  SIAMESE_CHECK(base_lr >= 0.0f) << "constant schedule: negative base_lr " << base_lr;
}

float ConstantSchedule::LearningRate(int64_t step) const {
  CheckStep("constant schedule", step);
  return base_lr_;
}

StepSchedule::StepSchedule(float base_lr, int64_t step_size, float gamma)
    : base_lr_(base_lr), step_size_(step_size), gamma_(gamma) {
  SIAMESE_CHECK(base_lr >= 0.0f) << "step schedule: negative base_lr " << base_lr;
  SIAMESE_CHECK(step_size > 0) << "step schedule: step_size " << step_size << " must be positive";
  SIAMESE_CHECK(gamma >= 0.0f) << "step schedule: negative gamma " << gamma;
}

float StepSchedule::LearningRate(int64_t step) const {
  CheckStep("step schedule", step);
  return static_cast<float>(base_lr_ *
                            std::pow(double{gamma_}, static_cast<double>(step / step_size_)));
}

CosineSchedule::CosineSchedule(float base_lr, int64_t total_steps, int64_t warmup_steps,
                               float min_lr)
    : base_lr_(base_lr), total_steps_(total_steps), warmup_steps_(warmup_steps), min_lr_(min_lr) {
  SIAMESE_CHECK(base_lr >= 0.0f && min_lr >= 0.0f)
      << "cosine schedule: negative learning rate (base " << base_lr << ", min " << min_lr << ")";
  SIAMESE_CHECK(total_steps > 0 && warmup_steps >= 0 && warmup_steps <= total_steps)
      << "cosine schedule: need 0 <= warmup_steps (" << warmup_steps << ") <= total_steps ("
      << total_steps << ") and total_steps > 0";
}

float CosineSchedule::LearningRate(int64_t step) const {
  CheckStep("cosine schedule", step);
  if (step < warmup_steps_) {
    return static_cast<float>(double{base_lr_} * static_cast<double>(step + 1) /
                              static_cast<double>(warmup_steps_));
  }
  if (step >= total_steps_) return min_lr_;
  const double progress =
      static_cast<double>(step - warmup_steps_) / static_cast<double>(total_steps_ - warmup_steps_);
  return static_cast<float>(min_lr_ +
                            (double{base_lr_} - min_lr_) * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

}  // namespace siamese
