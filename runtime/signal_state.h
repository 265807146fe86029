// File: runtime/signal_state.h
//
// SignalState: a snapshot of a process's signal mask and of which signals
// it ignores, taken so that a child can be given back exactly the state the
// program was started with (as tini does), or a clean one.
//
// Only SIG_IGN is remembered for dispositions: a handler of the parent means
// nothing after exec (exec resets handlers to SIG_DFL but keeps SIG_IGN and
// the mask), so "ignored or default" plus the mask is the whole state a
// launcher can hand down through exec.
//
// Which dispositions a child must reset: those not at SIG_DFL when the
// initial state was captured (Control's first step), and those changed
// since through ChangeDisposition, which every disposition change in the
// runtime and in faultinit goes through. Any other signal is at SIG_DFL
// still, so Apply and ApplyClean leave it alone: a service's start makes a
// handful of sigaction calls instead of 62 (under QEMU's TCG each costs
// tens of µs). A disposition changed with sigaction(2) directly after the
// capture is not reset in children: do not.
//
// Safety: Capture is thread-safe. Apply and ApplyClean are async-signal-safe
// (sigaction and sigprocmask only) and meant for the child between fork and
// exec; InitialSignalState must have been called before the fork.
// ChangeDisposition is thread-safe and async-signal-safe.

#ifndef FAULT_RUNTIME_SIGNAL_STATE_H_
#define FAULT_RUNTIME_SIGNAL_STATE_H_

#include <signal.h>
#include <stdint.h>

#include "runtime/signal_set.h"

namespace fault {

class SignalState {
 public:
  // Capture reads the calling thread's mask and every signal's disposition.
  static SignalState Capture();

  // Apply makes the calling process's state this snapshot: each signal
  // ignored at capture gets SIG_IGN, every other catchable one SIG_DFL
  // (set only where it may differ: see above), and the mask becomes the
  // captured mask. Returns 0 or the first errno.
  int Apply() const;

  // ApplyClean gives the calling process an empty mask and SIG_DFL for
  // every catchable signal (set only where it may differ: see above): the
  // state a supervised service starts with. Returns 0 or the first errno.
  static int ApplyClean();

  // Clean gives the calling process an empty mask and SIG_DFL for every
  // signal this snapshot found not at SIG_DFL: ApplyClean's effect when no
  // disposition changed since Capture, in one sigaction per such signal
  // instead of one per signal (Control's start: exec leaves only SIG_IGN
  // and SIG_DFL, and few signals ignored). Returns 0 or the first errno.
  int Clean() const;

  const sigset_t& mask() const { return mask_; }
  bool ignored(int signo) const { return HasSignal(ignored_, signo); }
  // Whether `signo` was at SIG_DFL when captured (for the C library's own
  // signals, 32 to SIGRTMIN-1: not ignored, whatever its handler).
  bool is_default_at_capture(int signo) const;

 private:
  sigset_t mask_;
  sigset_t ignored_;
  sigset_t not_default_;  // ignored or handled (glibc's own: ignored only)
  uint32_t library_ignored_ = 0;  // bit N-32 for the library's own signal N
};

// ChangeDisposition is sigaction(signo, action, old), remembering `signo`
// as changed (when `action` is not null) so that children reset it.
// Returns 0 or the errno value.
int ChangeDisposition(int signo, const struct sigaction* action,
                      struct sigaction* old);

// HoldAsynchronousSignals blocks every catchable signal except the
// synchronous fault signals (SEGV, BUS, ILL, FPE, TRAP, SYS, ABRT), so that
// a signal arriving before the program watches it (Scheduler::OnSignal
// reads pending ones) waits instead of vanishing: the kernel drops a signal
// sent to PID 1 that has no handler, unless it is blocked. Returns 0 or
// errno. Async-signal-safe (sigprocmask only).
int HoldAsynchronousSignals();

// InitialSignalState returns the state captured when Control started the
// program (or, before Control, a capture made on first call).
const SignalState& InitialSignalState();

// CaptureInitialSignalState records the current state as the initial one;
// Control calls it first thing. Later calls do nothing.
void CaptureInitialSignalState();

}  // namespace fault

#endif  // FAULT_RUNTIME_SIGNAL_STATE_H_
