// Graceful interruption of training. While an InterruptObserver exists,
// SIGINT, SIGTERM and SIGHUP (Ctrl-C, a cluster scheduler's preemption, a
// closed terminal) no longer kill the process: the step in progress
// finishes, the loop leaves as if paused, and the checkpoint observer after
// this one writes a checkpoint; the run resumes from it later. A second
// signal exits at once with status 128 + signal (what the first one would
// have done).
//
// Why a watcher thread: a signal handler that runs on a computing thread
// interrupts oneDNN's JIT kernels, and on this project's machines that
// corrupted the heap (a no-op SIGUSR1 handler fired every 0.2 ms crashed a
// Fashion-MNIST run within seconds, with every oneDNN ISA down to AVX2).
// So the three signals are blocked in the constructing thread, and in every
// thread it creates afterwards (OpenMP's pool included); one thread of ours
// reads them from a signalfd and only sets a flag, or exits on the second.
// Construct the observer before any computation starts. A thread created
// earlier that does not block the signals (a pool left by an earlier run in
// the same process) still gets them through a handler that does the same.
//
// One InterruptObserver at a time per process (the handlers are process-wide).
#ifndef SIAMESE_FRAMEWORK_TRAIN_INTERRUPT_H_
#define SIAMESE_FRAMEWORK_TRAIN_INTERRUPT_H_

#include <csignal>
#include <thread>

#include "framework/train/loop.h"

namespace siamese {

// The exit status of a training process that stopped cleanly on a signal
// with its checkpoint written: EX_TEMPFAIL, "try again" (the run resumes).
constexpr int kInterruptedExitStatus = 75;

class InterruptObserver : public TrainingObserver {
 public:
  // Blocks the signals in this thread, starts the watcher and installs the
  // fallback handlers; the destructor stops the watcher and restores the
  // previous handlers and signal mask (a signal still pending then gets the
  // previous disposition).
  InterruptObserver();
  ~InterruptObserver() override;
  InterruptObserver(const InterruptObserver&) = delete;
  InterruptObserver& operator=(const InterruptObserver&) = delete;

  absl::Status AfterStep(const StepInfo& info, LoopControl* control) override;

  // The first signal received, or 0.
  int signal() const;

 private:
  struct sigaction previous_[3];
  sigset_t previous_mask_;
  int signal_fd_ = -1;  // the three signals, read by the watcher
  int wake_fd_ = -1;    // an eventfd the destructor writes to stop it
  std::thread watcher_;
};

// "SIGTERM" for SIGTERM, ...; "signal N" for others.
const char* SignalName(int signal);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_INTERRUPT_H_
