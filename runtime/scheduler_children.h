// File: runtime/scheduler_children.h
//
// Internal to the Scheduler: child processes (OnExit, ReapOrphans).
//
// Exit watches: each holds a pidfd in the epoll set (Source::kExit, keyed
// by WatchId) where it can, or else SIGCHLD (held through Signals) and a
// waitid(P_PID) poll on each SIGCHLD: pidfd_open fails with ENOSYS before
// Linux 5.3, and with EMFILE/ENFILE when descriptors run out (that watch
// only), and while orphans are reported the waitid(P_ALL) loop reports
// watched children too, so those watches take no pidfd. Reporting an exit
// erases its watch first, so a child seen both through its pidfd and
// through SIGCHLD is reported once.
//
// Orphans, an explicit state (Orphans):
//   kLeft          not reaped here (no ReapOrphans, or ReapOrphans(nullptr)).
//   kReported      SIGCHLD held; each SIGCHLD reaps the child it names by
//                  its pid (waitid(P_PID): the kernel looks at that child
//                  alone), then sweeps: the waitid(P_ALL) loop (ReapAll),
//                  because one pending SIGCHLD stands for every child that
//                  exited meanwhile and names only the first. Both report
//                  watched children to their watch and the others to the
//                  orphan callback. A sweep makes the kernel walk every
//                  child, so with many watched children (kFewWatches or
//                  more: PID 1 of thousands of services) it runs at once
//                  only if the last one ran kSweepInterval ago or found an
//                  exit no SIGCHLD had named (merged signals: a burst, as
//                  in a shutdown); otherwise a timer runs it when the
//                  interval is up. So a burst of restarts costs PID 1 a
//                  reap by pid each and one walk a kSweepInterval, and an
//                  exit whose SIGCHLD was merged into another's is reaped
//                  within kSweepInterval (at once if its watch holds a
//                  pidfd). That bound is why a restart with no sweep in
//                  the kSweepInterval before it still walks every child:
//                  any SIGCHLD may stand for an orphan's exit too (system
//                  mode asks for kKernelReaps whenever no orphan needs a
//                  report: Supervisor::UpdateOrphanReaping). Sweeps()
//                  counts the sweeps.
//                  Lazily (kReportLazily: no caller waits on an orphan's
//                  exit), a SIGCHLD that named no orphan (each child it
//                  named was watched, or already reaped through its pidfd)
//                  sweeps at once only under the first two rules above;
//                  otherwise it leaves a timer that sweeps
//                  kLazySweepInterval later, unless one is due. An event
//                  that ends a few watched children so costs no walk of
//                  every child: a walk comes once a kLazySweepInterval at
//                  most, whatever the rate of events, and an orphan whose
//                  SIGCHLD merged into a watched child's stays a zombie
//                  that long at most. A SIGCHLD that names an orphan (so
//                  orphans are about), one that names as many exits as
//                  Signals keeps (more may be lost), and any exit watch
//                  without a pidfd (its exit may hide in a merged SIGCHLD:
//                  lazily, AddWatch opens a pidfd where it can, so a
//                  caller short of descriptors asks for kReport instead)
//                  sweep as above.
//   kKernelReaps   SIGCHLD at SIG_IGN: the kernel reaps each child as it
//                  exits and sends no SIGCHLD, so an orphan costs the loop
//                  nothing. Every exit watch holds a pidfd (entering this
//                  state moves pidfd-less watches onto pidfds opened then: a
//                  child not yet reaped keeps its pid); OnPidfdReadable,
//                  finding waitid's ECHILD, reads the status the kernel kept
//                  (ReadReapedExit). Between a child's exit and its release
//                  the pidfd is readable but nothing is kept yet (EAGAIN):
//                  the watch stays and the level-triggered pidfd reports
//                  again. SIGCHLD stays held, so a child that became a
//                  zombie before SIGCHLD was ignored is still reaped.
// Changing the state from an orphan or exit callback, that is during a
// reaping pass, needs no extra reap: the pass sweeps until no exited child
// is left. Otherwise a sweep is requested through Wakeups (the children that
// exited before SIGCHLD was blocked, or whose pending SIGCHLD was discarded
// when it was set to SIG_IGN, left no signal); a watch made without a pidfd
// while SIGCHLD was not held asks for a reap of its pid alone.
//
// Ownership: the watches (and their pidfds) are the WatchTable's; the
// saved SIGCHLD disposition is restored by the destructor.
// Threading: loop thread only; not async-signal-safe.
// Errors: Status as documented in scheduler.h.

#ifndef FAULT_RUNTIME_SCHEDULER_CHILDREN_H_
#define FAULT_RUNTIME_SCHEDULER_CHILDREN_H_

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "runtime/duration.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/scheduler_signals.h"
#include "runtime/scheduler_timers.h"
#include "runtime/scheduler_wake.h"
#include "runtime/scheduler_watches.h"
#include "runtime/status.h"

namespace fault {
namespace scheduler_internal {

class Children {
 public:
  Children(WatchTable& watches, Epoll& epoll, Signals& signals,
           Wakeups& wakeups, Timers& timers)
      : watches_(watches),
        epoll_(epoll),
        signals_(signals),
        wakeups_(wakeups),
        timers_(timers) {}
  ~Children();
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;

  StatusOr<WatchId> AddWatch(pid_t pid, Scheduler::ExitCallback fn);
  StatusOr<WatchId> AddWatch(pid_t pid, UniqueFd pidfd,
                             Scheduler::ExitCallback fn);
  // Remove: for Cancel, after the watch left the table.
  void Remove(WatchId id, Watch& watch);

  Status ReapOrphans(Scheduler::ExitCallback fn, Scheduler::OrphanReaping how);
  bool KernelReapsOrphans() const { return orphans_ == Orphans::kKernelReaps; }
  // Sweeps: how many times ReapAll ran (Scheduler::Sweeps).
  uint64_t Sweeps() const { return sweeps_; }
  // SweepDue: when the deferred sweep is due (Scheduler::SweepDue).
  Duration SweepDue() const { return sweep_due_; }

  // OnPidfdReadable: the pidfd of watch `id` was reported readable.
  void OnPidfdReadable(WatchId id);
  // Reap: after SIGCHLDs; `exited` the children they named
  // (Signals::TakeExitedPids).
  void Reap(const std::vector<pid_t>& exited);

  // kFewWatches: below this many exit watches a sweep always runs at once
  // (the walk is short); kSweepInterval: see kReported above.
  static constexpr size_t kFewWatches = 64;
  static constexpr Duration kSweepInterval = Seconds(1);
  static constexpr Duration kLazySweepInterval = Seconds(10);
  // ReapIfRequested: on a wake-up, the reap asked for (see above).
  void ReapIfRequested();
  // OnlySignalsCanEnd: whether a SIGCHLD is the only news this piece can
  // have (orphans reaped, every exit watch on SIGCHLD, no reap pending).
  bool OnlySignalsCanEnd() const;
  // UndoInChild gives SIGCHLD back, in a forked child, the disposition it
  // had before the kernel reaped orphans (the fork child callset).
  // Async-signal-safe: ChangeDisposition (a sigaction) only.
  void UndoInChild() const;

 private:
  enum class Orphans { kLeft, kReported, kKernelReaps };

  Status CheckWatchable(pid_t pid);
  Status CheckUnreapedChild(pid_t pid);
  StatusOr<WatchId> Insert(pid_t pid, UniqueFd pidfd,
                           Scheduler::ExitCallback fn);
  void Drop(WatchId id);
  void ReportExit(WatchId id, const ExitStatus& status);
  void SetOrphans(Orphans orphans);
  // Opens a pidfd for each exit watch on SIGCHLD; true if none is left.
  bool MoveWatchesToPidfds();
  // Reaps `pid` if it is an exited child; true if it was.
  bool ReapPid(pid_t pid);
  // Report: a reaped child's exit, to its watch or the orphan callback.
  void Report(const siginfo_t& info);
  // Sweep: ReapAll now, or by a timer (kReported above); `orphans_seen`:
  // the SIGCHLDs reaped an orphan or may have named more than were kept.
  void Sweep(bool orphans_seen);
  // SweepAt has the sweep timer fire at `due` (sooner if it is due
  // sooner already).
  void SweepAt(Duration due);
  void CancelSweepTimer();
  // ReapAll: the waitid(P_ALL) loop; returns how many children it reaped.
  size_t ReapAll();
  void ReapWatchedWithoutPidfd();
  void RequestReap();

  WatchTable& watches_;
  Epoll& epoll_;
  Signals& signals_;
  Wakeups& wakeups_;
  Timers& timers_;
  // The exit watch of each watched pid, sorted by pid: a vector, 16 bytes
  // a watch (PID 1 keeps one per service process), not a tree node each.
  // A removed watch leaves a hole (watch id 0), by_pid_holes_ of them,
  // dropped together once they are a quarter of the vector (Remove).
  using PidWatch = std::pair<pid_t, WatchId>;
  std::vector<PidWatch>::iterator FindPid(pid_t pid);
  std::vector<PidWatch> by_pid_;
  size_t by_pid_holes_ = 0;
  std::set<WatchId> without_pidfd_;
  bool pidfds_available_ = true;  // false once pidfd_open said ENOSYS
  Orphans orphans_ = Orphans::kLeft;
  bool lazily_ = false;            // kReported as kReportLazily
  uint64_t orphans_reported_ = 0;  // by Report, to tell Reap of them
  std::shared_ptr<Scheduler::ExitCallback> orphan_callback_;  // unless kLeft
  struct sigaction saved_sigchld_ = {};  // while kKernelReaps
  bool reap_requested_ = false;          // a sweep
  // Pids of watches made without a pidfd while SIGCHLD was not held, to
  // reap on the next wake-up (their SIGCHLD may have been discarded).
  std::vector<pid_t> reap_requested_pids_;
  bool in_reap_all_ = false;
  uint64_t sweeps_ = 0;
  // Sweeps (kReported): when the last one ran, whether it found exits no
  // SIGCHLD named, and the timer of a deferred one (0: none) and when it
  // is due.
  Duration last_sweep_ = -InfiniteDuration();
  bool sweep_found_merged_ = false;
  WatchId sweep_timer_ = 0;
  Duration sweep_due_ = InfiniteDuration();
};

}  // namespace scheduler_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SCHEDULER_CHILDREN_H_
