// A siginfo_t (from sigwaitinfo, waitid's SIGCHLD and the like) as the
// signalfd_siginfo a signalfd read would have given for the same signal.
//
// The Scheduler hands its signal callbacks a signalfd_siginfo whichever way
// it took the signal: from its signalfd, or from rt_sigtimedwait when it
// waits on signals alone (scheduler_signals.h, WaitAlone). The
// conversion copies what the kernel's signalfd copies, chosen by the same
// layout rule (kernel/signal.c, siginfo_layout; fs/signalfd.c):
//
//   si_code            signal                  fields besides signo, errno,
//   code SI_USER, SI_KERNEL any                     pid, uid 1..SI_KERNEL-1
//   SIGCHLD (code <= 6)     pid, uid, status, utime, stime
//                      SIGILL, SIGFPE, SIGSEGV,
//                      SIGBUS, SIGTRAP         addr (and addr_lsb for
//                                              SIGBUS's BUS_MCEERR_AR/AO)
//                      SIGSYS (code <= 2)      call_addr, syscall, arch
//                      any other, code <= 6    band, fd (F_SETSIG's POLL_*)
//                      any other               pid, uid
//   SI_TIMER           any                     tid, overrun, ptr, int
//   SI_SIGIO           any                     band, fd
//   other < 0          any (sigqueue, tkill)   pid, uid, ptr, int
//
// Everything else is zero, as in a signalfd read. Pointers widen as the
// kernel's do, through a signed long (a 32-bit pointer with its top bit set
// becomes 0xffffffff........). The per-signal code limits are those of
// Linux 6.x; a code beyond them (only a process sending to itself with
// rt_sigqueueinfo can make one) falls to the later rows, as in the kernel.
//
// Thread and signal safety: a pure function, async-signal-safe.

#ifndef FAULT_RUNTIME_SIGINFO_H_
#define FAULT_RUNTIME_SIGINFO_H_

#include <signal.h>
#include <sys/signalfd.h>

namespace fault {

signalfd_siginfo ToSignalfdSiginfo(const siginfo_t& info);

}  // namespace fault

#endif  // FAULT_RUNTIME_SIGINFO_H_
