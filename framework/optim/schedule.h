// Learning-rate schedules: pure functions of the global step (0 for the first
// optimizer step), so resuming from a checkpoint only needs the step. The
// trainer calls optimizer.set_learning_rate(schedule.LearningRate(step))
// before each Step().
//
//   ConstantSchedule(base):  lr(s) = base
//   StepSchedule(base, step_size, gamma):
//                            lr(s) = base * gamma^floor(s / step_size)
//                            (torch.optim.lr_scheduler.StepLR)
//   CosineSchedule(base, total_steps, warmup_steps, min_lr), W = warmup_steps,
//   T = total_steps:
//     s < W:       lr(s) = base * (s + 1) / W        (linear warm-up from 0;
//                                                    reaches base at s = W - 1)
//     W <= s < T:  lr(s) = min_lr + (base - min_lr) * (1 + cos(pi * (s - W) / (T - W))) / 2
//                                                   (base at s = W)
//     s >= T:      lr(s) = min_lr
#ifndef SIAMESE_FRAMEWORK_OPTIM_SCHEDULE_H_
#define SIAMESE_FRAMEWORK_OPTIM_SCHEDULE_H_

#include <cstdint>

namespace siamese {

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  // REQUIRES: step >= 0.
  virtual float LearningRate(int64_t step) const = 0;
};

class ConstantSchedule : public LrSchedule {
 public:
  // REQUIRES: base_lr >= 0.
  explicit ConstantSchedule(float base_lr);
  float LearningRate(int64_t step) const override;

 private:
  float base_lr_;
};

class StepSchedule : public LrSchedule {
 public:
  // REQUIRES: base_lr >= 0, step_size > 0, gamma >= 0.
  StepSchedule(float base_lr, int64_t step_size, float gamma);
  float LearningRate(int64_t step) const override;

 private:
  float base_lr_;
  int64_t step_size_;
  float gamma_;
};

class CosineSchedule : public LrSchedule {
 public:
  // REQUIRES: base_lr >= 0, min_lr >= 0, 0 <= warmup_steps <= total_steps,
  // total_steps > 0.
  CosineSchedule(float base_lr, int64_t total_steps, int64_t warmup_steps, float min_lr = 0.0f);
  float LearningRate(int64_t step) const override;

 private:
  float base_lr_;
  int64_t total_steps_;
  int64_t warmup_steps_;
  float min_lr_;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPTIM_SCHEDULE_H_
