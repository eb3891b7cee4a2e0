#include "framework/train/interrupt.h"

#include <unistd.h>

#include <cstring>

namespace siamese {
namespace {

constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
volatile std::sig_atomic_t g_signal = 0;

// Async-signal-safe: only write(2) and _exit(2).
void OnSignal(int signal) {
  if (g_signal != 0) {
    const char msg[] = "\n[train] second signal: exiting now\n";
    (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
    _exit(128 + signal);
  }
  g_signal = signal;
  const char msg[] =
      "\n[train] signal received: finishing the step and writing a checkpoint (again to exit "
      "now)\n";
  (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
}

}  // namespace

InterruptObserver::InterruptObserver() {
  g_signal = 0;
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous_[i]);
}

InterruptObserver::~InterruptObserver() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &previous_[i], nullptr);
}

absl::Status InterruptObserver::AfterStep(const StepInfo&, LoopControl* control) {
  if (g_signal != 0) control->pause = true;
  return absl::OkStatus();
}

int InterruptObserver::signal() const { return g_signal; }

const char* SignalName(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

}  // namespace siamese
