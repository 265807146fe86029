// Signal sets over every signal the kernel has, whichever C library the
// program is built with.
//
// The C library keeps some real-time signals for itself and its sigaddset,
// sigdelset, sigismember and sigfillset refuse or leave them out: 32 and 33
// under glibc (thread cancellation, setxid), 32 to 34 under musl. Signal 34
// is the one glibc, and so kill(1), Docker and systemd, call SIGRTMIN; the
// shipped faultinit is built with musl (platforms/libc.bzl) and must still
// forward, hold and name it. These functions work on the bits themselves:
// the kernel, glibc and musl all store signal N as bit N-1 of an array of
// unsigned long.
//
// The real-time range is glibc's, kRealtimeMin (34) to kRealtimeMax (64),
// with either library: "RTMIN+3" is 37 to faultinit as to the tools around
// it. Signals 32 and 33 belong to every C library and are never part of a
// set made here.
//
// Thread and signal safety: every function is async-signal-safe (bit
// operations, and one system call in ChangeSignalMask and TakeSignal), so
// they may be used between fork and exec.

#ifndef FAULT_RUNTIME_SIGNAL_SET_H_
#define FAULT_RUNTIME_SIGNAL_SET_H_

#include <signal.h>

namespace fault {

inline constexpr int kRealtimeMin = 34;
inline constexpr int kRealtimeMax = 64;

// True for 32 and 33, the C library's own signals.
bool IsLibraryReservedSignal(int signo);

// The empty set.
sigset_t NoSignals();

// Every signal from 1 to 64 except 32 and 33 (SIGKILL and SIGSTOP included:
// blocking them is a no-op the kernel allows).
sigset_t AllSignals();

// Adds `signo` to `set`. Returns false, leaving `set` as it was, when
// `signo` is not 1..64 or is 32 or 33.
bool AddSignal(sigset_t* set, int signo);

// Removes `signo` from `set`; nothing for a number outside 1..64.
void RemoveSignal(sigset_t* set, int signo);

// Whether `signo` (1..64) is in `set`.
bool HasSignal(const sigset_t& set, int signo);

// The calling thread's signal mask, as sigprocmask(how, set, old) but
// through the system call itself, so `set` is applied and `old` reported as
// the kernel has them (the libraries filter their own signals out of one or
// the other). Returns 0 or the errno value.
int ChangeSignalMask(int how, const sigset_t* set, sigset_t* old);

// Waits until a signal of `set` is pending for the calling thread (its own
// or the process's), dequeues it into `*info` and returns its number; as
// sigwaitinfo(set, info), through the system call itself so that no C
// library leaves its own signals out of `set`. Returns minus the errno
// value instead: -EINTR when a signal outside `set` ran a handler. The
// signals of `set` should be blocked; one that is not may run its
// disposition instead.
int TakeSignal(const sigset_t& set, siginfo_t* info);

}  // namespace fault

#endif  // FAULT_RUNTIME_SIGNAL_SET_H_
