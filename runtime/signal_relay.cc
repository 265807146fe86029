#include "runtime/signal_relay.h"

#include "absl/strings/str_cat.h"
#include "runtime/signal_set.h"

namespace fault {

Status SignalRelay::Add(int taken, int sent) {
  sigset_t probe = NoSignals();
  if (taken == SIGKILL || taken == SIGSTOP || taken == SIGCHLD ||
      !AddSignal(&probe, taken)) {
    return InvalidArgumentError(
        absl::StrCat("unable to relay signal ", taken,
                     ": not a signal that can be relayed"));
  }
  if (sent <= 0 || sent >= NSIG) {
    return InvalidArgumentError(absl::StrCat("unable to relay signal ", taken,
                                             " as ", sent, ": not a signal"));
  }
  if (sent_[taken] != 0) {
    return InvalidArgumentError(
        absl::StrCat("unable to relay signal ", taken, ": listed twice"));
  }
  sent_[taken] = static_cast<uint8_t>(sent);
  return OkStatus();
}

bool SignalRelay::empty() const {
  for (int signo = 1; signo < NSIG; ++signo) {
    if (sent_[signo] != 0) return false;
  }
  return true;
}

}  // namespace fault
