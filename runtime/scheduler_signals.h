// File: runtime/scheduler_signals.h
//
// Internal to the Scheduler: the signals it takes (OnSignal, OnSignals,
// RelaySignals, and SIGCHLD for the children piece).
//
// Holds: each signal is reference-counted (an array by signal number,
// PID 1 holds some 50 signals in container mode): the first holder blocks
// it in the calling thread's mask (remembering whether it was blocked
// already) and adds it to the signalfd's mask; the last one undoes both.
// The destructor gives back every signal still held.
//
// Two ways to take what is pending:
//   - ReadAndDispatch, when the signalfd is in the epoll set and reported
//     readable: reads it in batches and dispatches.
//   - WaitAlone, the loop's wait when nothing but a signal can end it
//     (scheduler.cc decides when): rt_sigtimedwait on the held mask, with
//     the signalfd out of the epoll set (SetPolled(false)), because while
//     it is polled every kill of this process runs epoll's wake-up
//     callback in the sender. The signalfd rejoins the set before the next
//     epoll_wait, where it reports what is pending. A relayed signal does
//     not end this wait.
//
// Dispatch of one signal: a relayed one is one kill(2) to the relay's
// target and nothing else (no watch runs, it is not counted as an event);
// Wake's own SIGCHLD is only a wake-up; any other runs every watch of the
// signal in registration order. A SIGCHLD is reported to the caller, who
// reaps (scheduler_children.h); the child each SIGCHLD names as exited
// (CLD_EXITED, CLD_KILLED, CLD_DUMPED) is kept for it (TakeExitedPids),
// so that child can be reaped by its pid (SIGCHLD is not queued: one
// pending SIGCHLD stands for every child that exited meanwhile, and names
// only the first).
//
// Relay: one at a time, a copy of the caller's SignalRelay (allocated only
// while on) and its target. A failed kill is not reported (ESRCH: the
// target has just exited, and its exit is on its way).
//
// Ownership: owns the signalfd. Threading: loop thread only; not
// async-signal-safe. Errors: Status naming the failing call or the refused
// argument, as documented in scheduler.h.

#ifndef FAULT_RUNTIME_SCHEDULER_SIGNALS_H_
#define FAULT_RUNTIME_SCHEDULER_SIGNALS_H_

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/scheduler_wake.h"
#include "runtime/scheduler_watches.h"
#include "runtime/signal_relay.h"
#include "runtime/status.h"

namespace fault {
namespace scheduler_internal {

class Signals {
 public:
  Signals(WatchTable& watches, Epoll& epoll)
      : watches_(watches), epoll_(epoll) {}
  ~Signals();
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;

  // Init creates the signalfd (empty mask; polled from the first wait).
  Status Init();

  // AddWatch: one watch of `signos`, running `fn` per delivery (OnSignals).
  StatusOr<WatchId> AddWatch(const std::vector<int>& signos,
                             Scheduler::SignalCallback fn);
  // RemoveWatch: for Cancel, releasing each signal of the watch.
  void RemoveWatch(WatchId id);

  // StartRelay / EndRelay: RelaySignals and its Cancel.
  StatusOr<WatchId> StartRelay(const SignalRelay& relay, pid_t target);
  void EndRelay();

  // Hold / Release: see "Holds" above. Hold of several holds all or none.
  Status Hold(int signo);
  Status Hold(const std::vector<int>& signos);
  void Release(int signo);

  // SetPolled puts the signalfd in the epoll set or takes it out.
  Status SetPolled(bool polled);

  // ReadAndDispatch takes every pending signal through the signalfd and
  // dispatches it; true if SIGCHLD was among them.
  StatusOr<bool> ReadAndDispatch();

  // WaitAlone waits in rt_sigtimedwait until a signal that is not relayed
  // arrives or `wakeups` has an unseen Wake, then dispatches it; true if
  // it was SIGCHLD. Not inlined: its siginfo stays out of RunOnce's frame,
  // on which the loop sleeps in epoll_wait.
  ABSL_ATTRIBUTE_NOINLINE StatusOr<bool> WaitAlone(Wakeups& wakeups);

  // TakeExitedPids: the children the SIGCHLDs dispatched since the last
  // take named as exited, in the order taken (at most kMaxExitedPids; a
  // flood beyond is left to the caller's sweep), and empties the list.
  static constexpr size_t kMaxExitedPids = 64;
  std::vector<pid_t> TakeExitedPids() { return std::move(exited_pids_); }

  // UndoInChild unblocks, in a forked child, the signals held here that
  // were not blocked before (the fork child callset). Async-signal-safe:
  // sigprocmask only, no allocation.
  void UndoInChild() const;

 private:
  struct SignalHold {
    int holders = 0;
    // Entries of watch_list_ for the signal; 16 bits keep the array
    // small (AddWatch refuses a watch beyond the limit).
    uint16_t watches = 0;
    bool was_blocked = false;  // blocked in the thread mask before
  };
  struct Relay {
    pid_t target = 0;
    SignalRelay table;
  };

  Status UpdateSignalFd();
  // Dispatches `count` signals; true if SIGCHLD was among them.
  bool Dispatch(const signalfd_siginfo* buffer, size_t count);
  // Relays `signo` if the relay takes it; true if it did.
  bool Relayed(int signo);
  void RunWatches(const signalfd_siginfo& info);

  WatchTable& watches_;
  Epoll& epoll_;
  std::vector<pid_t> exited_pids_;  // see TakeExitedPids
  UniqueFd fd_;
  bool polled_ = false;  // the signalfd is in the epoll set
  sigset_t mask_;
  SignalHold holds_[NSIG] = {};
  // (signal, watch) for every signal of every signal watch, in
  // registration order.
  std::vector<std::pair<int, WatchId>> watch_list_;
  std::unique_ptr<Relay> relay_;  // while a relay is on
};

}  // namespace scheduler_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SCHEDULER_SIGNALS_H_
