#include "framework/train/interrupt.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace siamese {
namespace {

constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
volatile std::sig_atomic_t g_signal = 0;

// Records the first signal; exits at once on the second. Async-signal-safe
// (only write(2) and _exit(2)): it runs in the fallback handler too.
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

sigset_t InterruptSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kSignals) sigaddset(&set, s);
  return set;
}

// Waits for the signals on `signal_fd` until `wake_fd` is written.
void Watch(int signal_fd, int wake_fd) {
  pollfd fds[2] = {{signal_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) continue;  // EINTR
    if (fds[1].revents != 0) return;
    signalfd_siginfo info;
    if (read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
      OnSignal(static_cast<int>(info.ssi_signo));
    }
  }
}

}  // namespace

InterruptObserver::InterruptObserver() {
  g_signal = 0;
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous_[i]);
  const sigset_t set = InterruptSignals();
  pthread_sigmask(SIG_BLOCK, &set, &previous_mask_);
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  // Without the descriptors (out of file descriptors) the handler alone
  // catches the signals: unblock them again.
  if (signal_fd_ < 0 || wake_fd_ < 0) {
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    return;
  }
  watcher_ = std::thread(Watch, signal_fd_, wake_fd_);
}

InterruptObserver::~InterruptObserver() {
  if (watcher_.joinable()) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
    watcher_.join();
  }
  if (signal_fd_ >= 0) close(signal_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  // A signal that came after the watcher stopped is handled by OnSignal
  // when unblocked, before the previous handlers return.
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
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
