// LrSchedule: the learning rate of every training step, a registered plugin
// kind (plugins/schedules/: constant, step, cosine).
//
// A schedule is a pure function of the global step (0 for the first
// optimizer step), so resuming from a checkpoint only needs the step. The
// trainer calls optimizer.set_learning_rate(schedule.LearningRate(step))
// before each Step(). A schedule plugin is created with PluginContext::
// learning_rate (the base rate, optimizer.learning_rate of the experiment)
// and PluginContext::total_steps (the run's length), and validates its
// parameters against them with FieldError.
#ifndef SIAMESE_FRAMEWORK_OPTIM_SCHEDULE_H_
#define SIAMESE_FRAMEWORK_OPTIM_SCHEDULE_H_

#include <cstdint>

#include "framework/proto/experiment.pb.h"

namespace siamese {

class LrSchedule {
 public:
  using Config = ScheduleConfig;
  static constexpr const char* kKind = "schedule";

  virtual ~LrSchedule() = default;
  // REQUIRES: step >= 0 (aborts naming the schedule otherwise).
  virtual float LearningRate(int64_t step) const = 0;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPTIM_SCHEDULE_H_
