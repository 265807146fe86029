// File: runtime/scheduler.h
//
// Scheduler: the event loop every faultinit process runs on (the seed's
// `kernel.Scheduler`). One epoll instance watches:
//   - a timerfd (CLOCK_MONOTONIC) armed for the earliest pending timer,
//   - a signalfd for the signals given to OnSignal and RelaySignals (and
//     SIGCHLD when process exits are watched without pidfds, or orphans
//     are reaped),
//   - one pidfd per process given to OnExit (pidfd_open, Linux >= 5.3;
//     on older kernels, where pidfd_open fails with ENOSYS, or while
//     orphans are reported, SIGCHLD and waitid are used instead),
//   - the fds given to OnReadable / OnWritable,
//   - an eventfd that Interject and Stop write to.
// `RunOnce` blocks in epoll_wait with no timeout unless a timer is pending:
// an idle scheduler makes no wake-ups at all. When only a signal can end
// the wait (orphans reaped; no fd watch, timer, pidfd or deadline), it
// waits on signals alone, with rt_sigtimedwait: the kernel then takes a
// signal straight from its sender to the loop, with no epoll in between.
// The implementation is split by watcher (runtime/scheduler_*.h, each with
// its own contract); this header is the whole of what callers see.
//
// Threading and signal safety: every member except Interject and Stop
// must be called on the thread that runs the loop ("the loop thread").
//   Stop: thread-safe and async-signal-safe (lock-free atomics, one
//     eventfd write, and one tgkill of SIGCHLD to the loop thread when it
//     may be waiting on signals alone; the loop takes that SIGCHLD as a
//     wake-up, not as a signal).
//   Interject: thread-safe, NOT async-signal-safe: it takes a mutex and
//     its queue allocates. From a signal handler, use Stop, or write to an
//     fd the loop watches.
// Callbacks run on the loop thread, one at a time, never re-entrantly;
// a callback may add or cancel any watch, including its own.
//
// Signals: OnSignal blocks the signal in the calling thread's mask (call it
// on the main thread before other threads start, so they inherit the mask)
// and leaves the disposition untouched. Cancelling the last watch of a
// signal unblocks it again (restoring the mask bit as it was).
//
// SIGCHLD's disposition: left alone, except while the kernel reaps orphans
// (ReapOrphans with kByKernel), when it is SIG_IGN; it is restored when
// that ends or the Scheduler is destroyed.
//
// Fork: a Scheduler is not usable in a child after fork; the child must not
// call into it (its fds are O_CLOEXEC and vanish at exec). Each Scheduler
// registers in the fork child callset (runtime/callsets.h) the undoing of
// what it did to the process's signal state: in every child, before fork
// returns there, SIGCHLD gets back the disposition it had before kernel
// reaping, and the signals its watches blocked are unblocked (async-signal-
// safe: sigaction and sigprocmask).
//
// Errors: factory and watch registration return Status on system-call
// failure (EMFILE, ENOMEM...), with "unable to VERB OBJECT: cause" messages.

#ifndef FAULT_RUNTIME_SCHEDULER_H_
#define FAULT_RUNTIME_SCHEDULER_H_

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "runtime/duration.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"
#include "runtime/signal_relay.h"
#include "runtime/status.h"

namespace fault {

class Scheduler {
 public:
  // Identifies one watch for Cancel. Never 0; never reused by one Scheduler.
  using WatchId = uint64_t;

  using Callback = std::function<void()>;
  using SignalCallback = std::function<void(const signalfd_siginfo&)>;
  using ExitCallback = std::function<void(const ExitStatus&)>;

  // Create makes a scheduler with its epoll, timerfd and eventfd.
  static StatusOr<std::unique_ptr<Scheduler>> Create();
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // After runs `fn` once, `delay` from now (CLOCK_MONOTONIC). Timers due at
  // the same instant run in the order they were added.
  WatchId After(Duration delay, Callback fn);
  // Every runs `fn` each `period`, first after one period, until cancelled.
  // A period <= 0 is treated as 1 ns.
  WatchId Every(Duration period, Callback fn);

  // OnSignal runs `fn` for each delivery of `signo` (coalesced as the
  // kernel coalesces standard signals). Several watches of one signal all
  // run, in the order added. SIGKILL and SIGSTOP are refused
  // (kInvalidArgument); so is a 65,536th watch of one signal
  // (kResourceExhausted).
  StatusOr<WatchId> OnSignal(int signo, SignalCallback fn);
  // OnSignals is OnSignal for several signals with one callback and one
  // watch (container mode forwards some 50 signals; one watch holds them
  // in one allocation). `fn` runs for each delivery of any of `signos`
  // (duplicates: once per listing); Cancel ends all of them. On error (as
  // OnSignal's, for any of them) nothing is watched.
  StatusOr<WatchId> OnSignals(const std::vector<int>& signos,
                              SignalCallback fn);

  // RelaySignals makes the loop forward each delivery of a signal to
  // another process itself, with no callback: a delivery of a signal that
  // `relay` lists is kill(target, relay.Sent(signal)), made in the wait (a
  // wait on signals alone takes the next signal right after it). What is
  // relayed, and as what, is the caller's policy, built into `relay`
  // (runtime/signal_relay.h); the scheduler keeps a copy (its only
  // allocation), so a relayed signal costs a table lookup and a kill.
  // `target` is a process id, or minus a process group id (as for kill).
  // A relayed signal is not an event: RunOnce does not return for it. While
  // the relay is on, OnSignal watches of its signals do not run; Cancel
  // ends it (unblocking what no other watch holds) and they run again. A
  // kill that fails is not reported (ESRCH: the target has just exited, and
  // its exit is on its way to whoever watches it).
  // Errors (nothing relayed): kFailedPrecondition while another relay is
  // on; kInvalidArgument for an empty `relay`, or a target that would make
  // the signals come back (0, -1, this process, its own process group).
  StatusOr<WatchId> RelaySignals(const SignalRelay& relay, pid_t target);

  // OnExit runs `fn` once, when child `pid` has exited, with its status; the
  // Scheduler reaps it. `pid` must be a child of this process that has not
  // been reaped (kInvalidArgument / kNotFound otherwise). Cancelling the
  // watch leaves the child unreaped unless orphan reaping is on.
  // While the kernel reaps orphans (below), `pid` must not have exited
  // yet (kNotFound otherwise: the kernel reaped it and kept nothing for
  // lack of a pidfd); use the overload with Spawn's pidfd instead.
  StatusOr<WatchId> OnExit(pid_t pid, ExitCallback fn);
  // OnExit with a pidfd of child `pid` that the caller opened before the
  // child could exit (SpawnOptions::pidfd); the watch takes it over. Valid
  // even after the kernel has reaped the child: its status is read back
  // from the pidfd. An invalid `pidfd` makes it OnExit(pid, fn).
  StatusOr<WatchId> OnExit(pid_t pid, UniqueFd pidfd, ExitCallback fn);

  // How orphans are reaped.
  //   kReport: the scheduler reaps each one (waitid) and calls `fn`. An
  //     orphan whose SIGCHLD merged into another child's (SIGCHLD is not
  //     queued) is found by a waitid(P_ALL) sweep, a walk of every child,
  //     within a second (scheduler_children.h).
  //   kReportLazily: as kReport, for a caller that no orphan's exit
  //     keeps waiting: a SIGCHLD that named no orphan makes no sweep at
  //     once, so an orphan whose SIGCHLD merged into a watched child's may
  //     stay a zombie for up to 10 s (kLazySweepInterval), and an event
  //     that touches a few children does not cost a walk of all of them.
  //     A SIGCHLD that names an orphan sweeps as kReport does, and so does
  //     every SIGCHLD while an exit watch has no pidfd. OnExit(pid, fn)
  //     opens a pidfd here, as with kByKernel (and not with kReport): a
  //     caller that must not spend a descriptor a process asks for kReport.
  //   kByKernel: where the kernel keeps reaped exits for pidfds
  //     (ReapedExitsAvailable, Linux >= 6.15) and every exit watch can hold
  //     a pidfd, SIGCHLD is set to SIG_IGN and the kernel reaps orphans as
  //     they exit: the loop does not wake up for them and `fn` is not
  //     called. Exit watches that wait through SIGCHLD are moved onto
  //     pidfds opened then (all or none), and watched children are still
  //     reported, through their pidfds. Elsewhere it is kReport (see
  //     KernelReapsOrphans). Use it when orphans need no report. The first
  //     kByKernel probes the kernel (ReapedExitsAvailable forks a child):
  //     call ReapedExitsAvailable at start-up where that matters.
  // A caller may switch between them at any time, also from `fn` (for
  // instance kReport until a first orphan, then kByKernel: a process tree
  // that never leaves an orphan keeps the wait on signals alone, which a
  // pidfd in the epoll set would end). A switch made while the scheduler
  // reaps (from `fn`, or from an exit callback it runs meanwhile) applies
  // to the rest of that pass, with no wake-up of its own.
  enum class OrphanReaping { kReport, kReportLazily, kByKernel };

  // ReapOrphans makes the scheduler reap every child that no OnExit watches
  // (as PID 1 or a subreaper must), calling `fn` for each with its status
  // (see OrphanReaping). Children that OnExit watches are still reported to
  // their own callback, exactly once. Calling it again changes `fn` and
  // `how`: from kByKernel to kReport, orphans that exit from then on are
  // reported. Pass nullptr to stop reaping orphans.
  Status ReapOrphans(ExitCallback fn,
                     OrphanReaping how = OrphanReaping::kReport);
  // KernelReapsOrphans: whether the kernel reaps orphans now (kByKernel
  // asked for, and in effect).
  bool KernelReapsOrphans() const;
  // Sweeps: how many waitid(P_ALL) sweeps the scheduler made so far (each
  // makes the kernel walk every child of this process), for tests of what
  // an event costs.
  uint64_t Sweeps() const;
  // SweepDue: when the deferred sweep (scheduler_children.h) is due, on
  // MonotonicNow's clock; InfiniteDuration() if none is. For tests of when
  // a merged orphan is reaped, without waiting for it.
  Duration SweepDue() const;
  // FdWatchMoves: how many fd watches (OnReadable, OnWritable) the
  // scheduler moved within its tables so far to add or remove others, for
  // tests of what an event costs: adding or removing the watch of one fd
  // moves none, however many other fds are watched.
  uint64_t FdWatchMoves() const;

  // OnReadable / OnWritable run `fn` each time `fd` is readable / writable
  // (level-triggered) until cancelled. The fd stays owned by the caller, who
  // must cancel the watch before closing it.
  StatusOr<WatchId> OnReadable(int fd, Callback fn);
  StatusOr<WatchId> OnWritable(int fd, Callback fn);

  // BeforeWait runs `fn` on the loop thread each time RunOnce is about to
  // wait for events: before its first wait and before every later one
  // (after a dispatch, as Run calls RunOnce again; after a wake-up that ran
  // nothing). It is the place for work that follows whatever the last
  // dispatch changed (system mode's reconciling). Hooks run in the order
  // added; a hook added by a hook first runs at the next wait; a cancelled
  // one does not run again, even later in the same round. Running a hook is
  // not an event: RunOnce does not return for it, but what the hook
  // schedules decides the wait (a timer due now, a watch, an Interject). A
  // hook must not wait itself. An exception thrown by a hook leaves RunOnce
  // before it waits, with the hooks after it not run that round; the
  // scheduler stays usable. Cancel(id) removes the hook.
  WatchId BeforeWait(Callback fn);

  // Cancel removes a watch of any kind. Unknown or finished ids are ignored.
  void Cancel(WatchId id);

  // Interject queues `fn` to run on the loop thread and wakes the loop from
  // its wait. Thread-safe; not async-signal-safe (it locks and allocates).
  // Queued functions run in order.
  void Interject(Callback fn);

  // RunOnce waits until at least one event is ready (or `deadline`, a
  // MonotonicNow() instant, passes; InfiniteDuration() for no limit), then
  // dispatches every ready event. Returns OK, or the Status of a failing
  // epoll_wait, signalfd read or rt_sigtimedwait (EINTR is retried).
  Status RunOnce(Duration deadline = InfiniteDuration());

  // Run calls RunOnce until Stop is called. Returns OK after Stop.
  Status Run();
  // Stop makes Run return after the current dispatch. Thread-safe and
  // async-signal-safe.
  void Stop();

  // Pending reports how many watches and queued interjections remain.
  size_t Pending() const;

  // WatchBytes: the heap block each watch is kept in (for memory tests'
  // breakdowns); its callback's captures, when they do not fit in a
  // std::function, are a block of their own.
  static size_t WatchBytes();

 private:
  Scheduler();
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Scheduling returns the process-wide scheduler (the seed's `Scheduling()`),
// creating it on first use. Crashes with a message if it cannot be created
// (out of fds at start-up). Not thread-safe on first call: call it from the
// main thread first (Control does).
Scheduler& Scheduling();

}  // namespace fault

#endif  // FAULT_RUNTIME_SCHEDULER_H_
