// File: runtime/signal_relay.h
//
// SignalRelay: the table Scheduler::RelaySignals relays by. For each signal
// taken, the signal sent for it; a signal with no entry is not relayed. The
// caller decides what is relayed and as what (container mode's -r rewrites
// live in init/container/, not here); the scheduler only looks it up.
//
// The table is a fixed array by signal number (NSIG bytes, no allocation),
// so a lookup in the loop's hot path is one load.
//
// Threading: a plain value; no shared state. Not async-signal-safe to build
// (Add makes error messages), but Sent is.
//
// Errors: Add returns kInvalidArgument, naming the signal, for a signal
// that cannot be relayed (SIGKILL, SIGSTOP, SIGCHLD, not 1..64, or the C
// library's 32 and 33), a sent signal outside 1..64, or a signal added
// twice; the table is then unchanged.

#ifndef FAULT_RUNTIME_SIGNAL_RELAY_H_
#define FAULT_RUNTIME_SIGNAL_RELAY_H_

#include <signal.h>
#include <stdint.h>

#include "runtime/status.h"

namespace fault {

class SignalRelay {
 public:
  // Add relays `taken` as `sent`.
  Status Add(int taken, int sent);
  // Add relays `taken` as itself.
  Status Add(int taken) { return Add(taken, taken); }

  // Sent: what `taken` is relayed as; 0 when it is not relayed (or is not a
  // signal number).
  int Sent(int taken) const {
    return taken > 0 && taken < NSIG ? sent_[taken] : 0;
  }
  bool empty() const;

 private:
  uint8_t sent_[NSIG] = {};
};
static_assert(NSIG <= 256, "a sent signal is stored in 8 bits");

}  // namespace fault

#endif  // FAULT_RUNTIME_SIGNAL_RELAY_H_
