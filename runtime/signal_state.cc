#include "runtime/signal_state.h"

#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>

#include "runtime/signal_set.h"

namespace fault {
namespace {

bool Catchable(int signo) { return signo != SIGKILL && signo != SIGSTOP; }

// Signals 32 and 33 are glibc's own (thread cancellation, setxid): its
// sigaction refuses them, yet a launcher may have left them ignored, and
// SIG_IGN survives exec. They are read and set with the raw system call.
bool OwnedByLibc(int signo) { return signo > 31 && signo < SIGRTMIN; }

// The kernel's struct sigaction on x86_64, aarch64 and arm: the handler
// first, and with SIG_DFL or SIG_IGN every other field zero.
struct KernelSigaction {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
};

int RawSetDisposition(int signo, void (*handler)(int)) {
  KernelSigaction action = {};
  action.handler = reinterpret_cast<uintptr_t>(handler);
  return syscall(SYS_rt_sigaction, signo, &action, nullptr,
                 sizeof action.mask) == 0
             ? 0
             : errno;
}

bool RawIgnored(int signo) {
  KernelSigaction current = {};
  return syscall(SYS_rt_sigaction, signo, nullptr, &current,
                 sizeof current.mask) == 0 &&
         current.handler == reinterpret_cast<uintptr_t>(SIG_IGN);
}

int SetDisposition(int signo, void (*handler)(int)) {
  if (OwnedByLibc(signo)) {
    // glibc's own handler stays (setuid in a threaded program needs it);
    // exec resets a handler to SIG_DFL anyway. Only SIG_IGN is changed.
    if (handler == SIG_DFL && !RawIgnored(signo)) return 0;
    return RawSetDisposition(signo, handler);
  }
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  return sigaction(signo, &action, nullptr) == 0 ? 0 : errno;
}

// The disposition of `signo` (SIG_DFL when it cannot be read). glibc's own
// signals read as SIG_IGN or SIG_DFL only: their handler is glibc's.
void (*Disposition(int signo))(int) {
  if (OwnedByLibc(signo)) return RawIgnored(signo) ? SIG_IGN : SIG_DFL;
  struct sigaction current;
  if (sigaction(signo, nullptr, &current) != 0) return SIG_DFL;
  return current.sa_handler;
}

SignalState& Initial() {
  static SignalState state = SignalState::Capture();
  return state;
}

// The signals given to ChangeDisposition, signal N as bit (N-1) % 32 of
// word (N-1) / 32: two 32-bit words, lock-free on every target.
std::atomic<uint32_t> g_changed[2];

bool Changed(int signo) {
  return (g_changed[(signo - 1) / 32].load() >> ((signo - 1) % 32)) & 1;
}

// Whether `signo` may be at something other than SIG_DFL now.
bool MayNotBeDefault(int signo) {
  return Changed(signo) || !Initial().is_default_at_capture(signo);
}

}  // namespace

SignalState SignalState::Capture() {
  SignalState state;
  ChangeSignalMask(SIG_SETMASK, nullptr, &state.mask_);
  state.ignored_ = NoSignals();
  state.not_default_ = NoSignals();
  for (int signo = 1; signo < NSIG; ++signo) {
    if (!Catchable(signo)) continue;
    void (*handler)(int) = Disposition(signo);
    if (handler == SIG_IGN) AddSignal(&state.ignored_, signo);
    if (handler != SIG_DFL) AddSignal(&state.not_default_, signo);
    if (handler == SIG_IGN && OwnedByLibc(signo)) {
      state.library_ignored_ |= uint32_t{1} << (signo - 32);
    }
  }
  return state;
}

bool SignalState::is_default_at_capture(int signo) const {
  if (OwnedByLibc(signo)) return ((library_ignored_ >> (signo - 32)) & 1) == 0;
  return !HasSignal(not_default_, signo);
}

int SignalState::Apply() const {
  for (int signo = 1; signo < NSIG; ++signo) {
    if (!Catchable(signo)) continue;
    if (!ignored(signo) && !MayNotBeDefault(signo)) continue;
    int error = SetDisposition(signo, ignored(signo) ? SIG_IGN : SIG_DFL);
    if (error != 0) return error;
  }
  return ChangeSignalMask(SIG_SETMASK, &mask_, nullptr);
}

int SignalState::ApplyClean() {
  for (int signo = 1; signo < NSIG; ++signo) {
    if (!Catchable(signo) || !MayNotBeDefault(signo)) continue;
    int error = SetDisposition(signo, SIG_DFL);
    if (error != 0) return error;
  }
  sigset_t empty = NoSignals();
  return ChangeSignalMask(SIG_SETMASK, &empty, nullptr);
}

int SignalState::Clean() const {
  for (int signo = 1; signo < NSIG; ++signo) {
    if (!HasSignal(not_default_, signo)) continue;
    int error = SetDisposition(signo, SIG_DFL);
    if (error != 0) return error;
  }
  sigset_t empty = NoSignals();
  return ChangeSignalMask(SIG_SETMASK, &empty, nullptr);
}

int HoldAsynchronousSignals() {
  sigset_t held = AllSignals();
  for (int signo : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT,
                    SIGKILL, SIGSTOP}) {
    RemoveSignal(&held, signo);
  }
  return ChangeSignalMask(SIG_BLOCK, &held, nullptr);
}

int ChangeDisposition(int signo, const struct sigaction* action,
                      struct sigaction* old) {
  if (action != nullptr && signo >= 1 && signo <= 64) {
    g_changed[(signo - 1) / 32].fetch_or(uint32_t{1} << ((signo - 1) % 32));
  }
  return sigaction(signo, action, old) == 0 ? 0 : errno;
}

const SignalState& InitialSignalState() { return Initial(); }

void CaptureInitialSignalState() { (void)Initial(); }

}  // namespace fault
