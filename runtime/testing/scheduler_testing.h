// File: runtime/testing/scheduler_testing.h
//
// Helpers shared by the Scheduler's tests (runtime/scheduler*_test.cc):
// making a scheduler, running its loop until a condition holds (bounded by
// a generous limit that only a broken scheduler reaches), forking children
// that exit at once or on a pipe's close, and running a scenario where
// pidfd_open fails with ENOSYS (seccomp), to exercise the SIGCHLD fallback.
//
// Test-only. Not thread-safe; the forked children only make system calls
// and _exit. Failures are reported through gtest assertions.

#ifndef FAULT_RUNTIME_TESTING_SCHEDULER_TESTING_H_
#define FAULT_RUNTIME_TESTING_SCHEDULER_TESTING_H_

#include <sys/types.h>

#include <functional>
#include <memory>

#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace fault {

std::unique_ptr<Scheduler> MakeScheduler();

// RunUntil runs the loop until `done()`; fails after a limit that only a
// broken scheduler reaches.
void RunUntil(Scheduler& scheduler, const std::function<bool()>& done);

// RunBriefly runs the loop for `duration`, to show that nothing more runs.
void RunBriefly(Scheduler& scheduler, Duration duration);

// Whether `signo` is blocked in the calling thread.
bool IsBlocked(int signo);

// ForkExiting forks a child that exits with `code` at once.
pid_t ForkExiting(int code);

// ForkWaiting forks a child that exits 0 when `pipe`'s write end is closed
// (by the parent and every other child).
pid_t ForkWaiting(const Pipe& pipe);

// WaitUntilExited returns once `pid` has exited, leaving it unreaped.
void WaitUntilExited(pid_t pid);

// Reap waits for `pid` and reaps it.
void Reap(pid_t pid);

// RunWithoutPidfds runs `scenario` in a child process where pidfd_open
// fails with ENOSYS, as on a kernel older than 5.3; the child's failures
// are printed there and fail the test here. Skips the test where seccomp
// filters cannot be installed (qemu-user refuses PR_SET_SECCOMP).
void RunWithoutPidfds(void (*scenario)());
// RunWithPidfdOpenFailing is RunWithoutPidfds with pidfd_open failing with
// `error` (EMFILE: as when descriptors run out).
void RunWithPidfdOpenFailing(int error, void (*scenario)());

}  // namespace fault

#endif  // FAULT_RUNTIME_TESTING_SCHEDULER_TESTING_H_
