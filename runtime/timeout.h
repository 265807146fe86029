// File: runtime/timeout.h
//
// ScopedTimeout: the seed's `timeout`, a time limit on a block of work that
// interrupts the blocking system calls of the thread that made it once the
// limit has passed.
//
//   {
//     fault::ScopedTimeout timeout(fault::Seconds(5));
//     ssize_t n;
//     while ((n = read(fd, buffer, size)) < 0 && errno == EINTR) {
//       if (timeout.expired()) return DeadlineExceededError("...");
//     }
//   }
//
// When the limit passes, a SIGALRM is sent to the thread; its handler only
// marks the innermost scope expired, and because the handler is installed
// without SA_RESTART, a blocking read/write/accept/wait/poll... in progress
// fails with EINTR. The caller sees EINTR, checks expired(), and gives up.
// (The seed raised an exception from the handler; here control flow stays
// with the caller.)
//
// The race where the signal lands just before the blocking call starts is
// closed by re-firing: once expired, the scope's timer sends SIGALRM again
// every millisecond until the scope ends, so a call that starts late is
// interrupted within about 1 ms. Consequences: end an expired scope
// promptly; and code that retries EINTR by itself (fd.h's WriteAll and
// ReadFull, for instance) is not bounded by a ScopedTimeout.
//
// Nesting: deadlines are absolute (CLOCK_MONOTONIC). An inner scope's
// effective deadline is min(its own, the outer's), so it can never extend
// the outer limit. When an inner scope ends, the outer's timer is re-armed
// for the outer deadline; if that has already passed, SIGALRM fires at once
// and the outer reports expired.
//
// Mechanism: while a thread has a scope, it owns one POSIX timer
// (timer_create(CLOCK_MONOTONIC) with SIGEV_THREAD_ID, so the signal goes
// to that thread only) and SIGALRM is unblocked in it. While any thread of
// the process has a scope, the process-wide SIGALRM disposition is the
// runtime's handler; when the last scope in the process ends, the previous
// disposition is restored, and each thread's signal mask is restored when
// its outermost scope ends. A SIGALRM that is not from a scope's timer
// (alarm(2), kill(1)) is passed on to the previous handler if it was a
// function; if it was SIG_DFL or SIG_IGN the signal is ignored meanwhile
// (the default action, terminating the process, is not emulated). Changing
// SIGALRM's disposition while a scope is active is undone when the last
// scope ends.
//
// Thread safety: a scope belongs to the thread that made it; scopes of one
// thread must end in the reverse order they were made (they are meant to be
// local variables); ending one out of order aborts the process. Distinct
// threads may use scopes at once. expired() may be called from any thread.
// Not async-signal-safe: do not make or end a scope in a signal handler or
// between fork and exec. Fork: timers are not inherited, so in a child a
// scope made before the fork never interrupts anything (expired() still
// reads the clock) and its end does nothing harmful.

#ifndef FAULT_RUNTIME_TIMEOUT_H_
#define FAULT_RUNTIME_TIMEOUT_H_

#include <stdint.h>

#include <atomic>

#include "runtime/duration.h"
#include "runtime/status.h"

namespace fault {

class [[nodiscard]] ScopedTimeout {
 public:
  // Starts a scope that expires `limit` from now (or at the enclosing
  // scope's deadline, if earlier). A zero or negative limit expires at once;
  // InfiniteDuration() never expires by itself.
  //
  // Never fails outright: if the timer cannot be made (timer_create fails,
  // e.g. EAGAIN at the RLIMIT_SIGPENDING limit) the scope still tracks its
  // deadline for expired() but interrupts nothing; status() says why.
  explicit ScopedTimeout(Duration limit);

  ScopedTimeout(const ScopedTimeout&) = delete;
  ScopedTimeout& operator=(const ScopedTimeout&) = delete;

  // Disarms the timer; re-arms the enclosing scope's, or, for the thread's
  // outermost scope, deletes the timer and restores the signal mask (and,
  // for the last scope of the process, SIGALRM's previous disposition).
  ~ScopedTimeout();

  // expired reports whether the effective deadline has passed (whether or
  // not the signal has been delivered yet). Once true, stays true.
  bool expired() const;

  // status is OK when the scope's timer was armed, or why it could not be.
  const Status& status() const { return status_; }

 private:
  int64_t deadline_ns_;  // Effective deadline, CLOCK_MONOTONIC; or never.
  ScopedTimeout* outer_;
  std::atomic<bool> fired_{false};  // Set by the SIGALRM handler.
  Status status_;
};

}  // namespace fault

#endif  // FAULT_RUNTIME_TIMEOUT_H_
