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
// Safety: Capture is thread-safe. Apply and ApplyClean are async-signal-safe
// (sigaction and sigprocmask only) and meant for the child between fork and
// exec.

#ifndef FAULT_RUNTIME_SIGNAL_STATE_H_
#define FAULT_RUNTIME_SIGNAL_STATE_H_

#include <signal.h>

#include "runtime/signal_set.h"

namespace fault {

class SignalState {
 public:
  // Capture reads the calling thread's mask and every signal's disposition.
  static SignalState Capture();

  // Apply makes the calling process's state this snapshot: each signal
  // ignored at capture gets SIG_IGN, every other catchable one SIG_DFL, and
  // the mask becomes the captured mask. Returns 0 or the first errno.
  int Apply() const;

  // ApplyClean gives the calling process an empty mask and SIG_DFL for
  // every catchable signal: the state a supervised service starts with.
  // Returns 0 or the first errno.
  static int ApplyClean();

  // Clean gives the calling process an empty mask and SIG_DFL for every
  // signal this snapshot found not at SIG_DFL: ApplyClean's effect when no
  // disposition changed since Capture, in one sigaction per such signal
  // instead of one per signal (Control's start: exec leaves only SIG_IGN
  // and SIG_DFL, and few signals ignored). Returns 0 or the first errno.
  int Clean() const;

  const sigset_t& mask() const { return mask_; }
  bool ignored(int signo) const { return HasSignal(ignored_, signo); }

 private:
  sigset_t mask_;
  sigset_t ignored_;
  sigset_t not_default_;  // ignored or handled (glibc's own: ignored only)
};

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
