// File: runtime/pidfd.h
//
// Pidfds: opening one (pidfd_open, Linux >= 5.3), and the exit status that
// Linux >= 6.15 keeps for the pidfds of a process after it has been reaped
// (ioctl PIDFD_GET_INFO with PIDFD_INFO_EXIT). With it, a process can let the
// kernel reap its children (SIGCHLD set to SIG_IGN) and still learn how the
// ones it holds a pidfd for ended: the Scheduler uses it so that PID 1 does not
// wake up for orphans.
//
// Threading: ReapedExitsAvailable probes on its first call and is not
// thread-safe then (call it from the main thread); OpenPidfd and
// ReadReapedExit are thread-safe and async-signal-safe (one system call).

#ifndef FAULT_RUNTIME_PIDFD_H_
#define FAULT_RUNTIME_PIDFD_H_

#include <sys/types.h>

#include "runtime/fd.h"

namespace fault {

// OpenPidfd: pidfd_open(pid, 0), always O_CLOEXEC. Invalid on failure,
// with errno set (ENOSYS before Linux 5.3, ESRCH for no such process).
UniqueFd OpenPidfd(pid_t pid);

// ReapedExitsAvailable reports whether the kernel keeps reaped exits. The
// first call probes, then the answer is cached: it opens a pidfd of this
// process (no PIDFD_GET_INFO before Linux 6.13: false), and only if that
// works forks a child that exits at once, reaps it with SIGCHLD at its
// default disposition for the duration, and reads its kept status. The
// fork runs the fork callsets. False on any failure.
bool ReapedExitsAvailable();

// ReadReapedExit reads the exit status kept for the process behind
// `pidfd`. Returns 0 and sets `*wait_status` (a waitpid(2) status word);
// EAGAIN while the process has not been reaped yet (it may be running, or
// between its exit and its reaping); ENOTTY or EINVAL on kernels without
// PIDFD_GET_INFO or PIDFD_INFO_EXIT (ENOTTY also where an emulator such as
// qemu-user answers the ioctl with ENOSYS); another errno if the ioctl fails.
int ReadReapedExit(int pidfd, int* wait_status);

}  // namespace fault

#endif  // FAULT_RUNTIME_PIDFD_H_
