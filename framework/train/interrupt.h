// Graceful interruption of training. While an InterruptObserver exists,
// SIGINT, SIGTERM and SIGHUP (Ctrl-C, a cluster scheduler's preemption, a
// closed terminal) no longer kill the process: the step in progress
// finishes, the loop leaves as if paused, and the checkpoint observer after
// this one writes a checkpoint; the run resumes from it later. A second
// signal exits at once with status 128 + signal (what the first one would
// have done).
//
// One InterruptObserver at a time per process (the handlers are process-wide).
#ifndef SIAMESE_FRAMEWORK_TRAIN_INTERRUPT_H_
#define SIAMESE_FRAMEWORK_TRAIN_INTERRUPT_H_

#include <csignal>

#include "framework/train/loop.h"

namespace siamese {

// The exit status of a training process that stopped cleanly on a signal
// with its checkpoint written: EX_TEMPFAIL, "try again" (the run resumes).
constexpr int kInterruptedExitStatus = 75;

class InterruptObserver : public TrainingObserver {
 public:
  // Installs the handlers; the destructor restores the previous ones.
  InterruptObserver();
  ~InterruptObserver() override;
  InterruptObserver(const InterruptObserver&) = delete;
  InterruptObserver& operator=(const InterruptObserver&) = delete;

  absl::Status AfterStep(const StepInfo& info, LoopControl* control) override;

  // The first signal received, or 0.
  int signal() const;

 private:
  struct sigaction previous_[3];
};

// "SIGTERM" for SIGTERM, ...; "signal N" for others.
const char* SignalName(int signal);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_INTERRUPT_H_
