// abort() for the musl builds of the shipped binaries, with glibc's order:
// SIGABRT is unblocked before it is raised, so a handler always runs, even
// while the signal is held for a signalfd (as faultinit's container mode
// holds it, to forward a SIGABRT someone sends). musl raises it still
// blocked, then kills the process with the default action, so faultinit's
// crash handler (runtime/crash.h) would never see its own aborts; and as
// PID 1, which the kernel does not kill that way, musl would then crash on
// purpose with every signal blocked.
//
// This definition takes the place of libc.a's in a static link (an object
// given to the linker is used before an archive member, and musl's abort.o
// defines nothing else). It uses public interfaces only.
//
// Contract: never returns. If the handler returns, or SIGABRT is ignored,
// the default action follows; if that does not end the process either (PID
// 1 ignores it), _exit(127). Async-signal-safe.

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

extern "C" [[noreturn]] void abort(void) {
  sigset_t abrt;
  sigemptyset(&abrt);
  sigaddset(&abrt, SIGABRT);
  sigprocmask(SIG_UNBLOCK, &abrt, nullptr);
  raise(SIGABRT);
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  sigaction(SIGABRT, &default_action, nullptr);
  raise(SIGABRT);
  _exit(127);
}
