// File: init/container/container_init.h
//
// ContainerInit: faultinit's container mode, a drop-in for `tini --`.
//
// One child runs the command. faultinit is PID 1 of its namespace or,
// when it is not, a child subreaper; either way it reaps every process that
// ends up as its child. Every catchable signal except SIGCHLD and the
// synchronous fault signals is forwarded to the child (or its process
// group with -g), rewritten by -r. When the child exits, every other
// process faultinit is responsible for gets SIGTERM, then SIGKILL after the
// grace period, and faultinit exits once all are reaped, with the child's
// status.
//
// Orphans: while the child runs, and unless reaped zombies are logged (-w,
// or -v for info), orphans are reported until the first one, then the
// kernel reaps them itself where it can keep the child's status for its
// pidfd (Linux >= 6.15; fault::Scheduler::OrphanReaping::kByKernel, set
// from the orphan callback): a tree that leaves no orphan keeps the
// scheduler's wait on signals alone, and an orphan storm costs PID 1 one
// wake-up. Draining switches to reporting each reaped orphan, since the
// last one ends the run.
//
// States, and what moves between them:
//   kRunning   the child runs; signals are forwarded. Unless forwarding
//              is logged (-v), the scheduler relays them itself
//              (fault::Scheduler::RelaySignals, with a table built here
//              from the forwarded signals and -r), with no callback.
//              child exits -> kDraining (or kDone when nothing is left)
//   kDraining  the relay is off; leftovers got SIGTERM; the grace timer
//              runs. A forwarded SIGTERM or SIGINT here, or the timer,
//              sends SIGKILL.
//              last child reaped -> kDone
//   kDone      the run ends: fault::Exit with the exit status.
// With -P there is no child: kRunning until SIGTERM or SIGINT (the seed's
// `process/terminate`, `process/interrupt`), then kDone with status 0.
//
// How it runs (docs/architecture.md, "The main loop"): Run registers the
// watches, then holds the main thread in fault::Protect; each event's work
// runs in its callback as a critical section (fault::RunCritical: an
// exception there is an internal fault, which ends faultinit at once, as
// PID 1 in its --crash-action: a container init that lost its child's exit
// or a forwarded signal cannot go on correctly), and the callback that
// reaches kDone throws fault::Exit, which unwinds Protect to fault::Control.
//
// Loop thread only, under fault::Control. The scheduler is the program's
// (fault::Scheduling).

#ifndef FAULT_INIT_CONTAINER_CONTAINER_INIT_H_
#define FAULT_INIT_CONTAINER_CONTAINER_INIT_H_

#include <sys/types.h>

#include <functional>
#include <set>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/log.h"
#include "init/options.h"
#include "init/processes.h"
#include "runtime/exit_status.h"
#include "runtime/scheduler.h"

namespace faultinit {

class ContainerInit {
 public:
  ContainerInit(fault::Scheduler& scheduler, const ContainerOptions& options,
                const Logger& log);

  // Run does the whole job and ends the program by throwing fault::Exit
  // with faultinit's exit status: the child's (mapped by -e, 128+N for a
  // signal), 127/126 when the command cannot be run, 1 when faultinit itself
  // fails (its event loop included), 0 after -P. Never returns.
  [[noreturn]] void Run();

  // ForwardedSignals: the signals faultinit watches and forwards.
  static std::vector<int> ForwardedSignals();

 private:
  enum class State { kRunning, kDraining, kDone };

  static bool IsForwarded(int signo);

  fault::Status BecomeReaper();
  fault::Status WatchSignals();
  fault::Status ReapOrphans(fault::Scheduler::OrphanReaping how);
  // Starts the command; returns the exit status to use when it failed.
  int StartChild();
  // Relays the forwarded signals to the child from the scheduler's wait.
  void StartRelay();
  int Rewritten(int signo) const;
  // Handle runs one event's `work` under fault::RunCritical (`context`
  // names it in the fatal line), then throws fault::Exit once it has
  // reached kDone: outside the critical section, which would take the Exit
  // for a failure.
  void Handle(absl::string_view context, const std::function<void()>& work);
  void OnSignal(int signo);
  void OnChildExit(const fault::ExitStatus& status);
  void OnOrphanReaped(const fault::ExitStatus& status);
  void BeginDraining();
  void FinishIfNothingLeft();

  fault::Scheduler& scheduler_;
  const ContainerOptions& options_;
  const Logger& log_;
  State state_ = State::kRunning;
  pid_t child_ = 0;
  fault::Scheduler::WatchId relay_ = 0;  // 0: forwarded by OnSignal
  // Orphans unlogged, and the first one not reaped yet (OnOrphanReaped).
  bool kernel_reaps_from_first_orphan_ = false;
  int exit_status_ = 0;
  Leftovers leftovers_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_CONTAINER_CONTAINER_INIT_H_
