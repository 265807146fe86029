// File: init/supervisor/model/fake_world.h
//
// FakeWorld: a SupervisorWorld (supervisor_world.h) held in memory, for the
// supervisor model. Processes are records: a spawn makes one (pid and
// process group from 1000 up, never reused), a signal may end it (its exit
// is queued, not reported), and DeliverExits reports queued exits to the
// supervisor as the scheduler would, one at a time and in order: to the
// process's exit watch (WatchExit) if it has one, else to the orphan
// callback (WatchOrphans). A spawned process (not a helper) whose exit
// finds no watch of its own is a violation: the supervisor watches every
// process it spawns. Exit watches and timers share one id sequence, so
// Cancel tells them apart. Time moves only when told (Advance, FireNext);
// timers run then, in (due, id) order.
//
// What a spawned process is comes from its argv[0], which the model's unit
// files make "/m/NAME/REVISION/STEP" (STEP: pre0, main1, stop0...). A
// process of a program under /m/missing/NAME cannot be executed: it is
// forked (unit NAME, step "missing"), its report says ENOENT and its exit
// 127 is queued at once, so it may be delivered before the loop reads the
// report. Any other spawned process has exec'd at once: its report is the
// end of file of a pipe. Reports are real pipes, read on the model's
// scheduler as the runtime's are.
//
// Signals: SIGKILL always ends a process; the other signals whose default
// action ends it (TERM, INT, HUP, QUIT, USR1, USR2, PIPE, ALRM, SEGV, ABRT)
// end it unless it is stubborn (it ignores them; they are remembered, and
// Relent ends it with the first); the others change nothing. kill(2) of a
// process whose exit is queued succeeds, as for a zombie; a group exists
// while any member is unreported. A process's session is its group (no
// fake process calls setpgid or setsid); Processes leaves out those
// that exited, as a scan of /proc leaves out zombies.
//
// Nothing calls back into the supervisor from inside a Spawn or a Kill:
// exits wait for DeliverExits, timers for FireNext or Advance. Misuse that
// would be a disaster on a real system (a signal to pid 0, -1 or 1) is
// recorded in violations(), not done.
//
// Single-threaded; the held NotificationFd= copies are O_CLOEXEC.

#ifndef FAULT_INIT_SUPERVISOR_MODEL_FAKE_WORLD_H_
#define FAULT_INIT_SUPERVISOR_MODEL_FAKE_WORLD_H_

#include <sys/types.h>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "init/supervisor/supervisor_world.h"
#include "runtime/duration.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"

namespace faultinit::model {

struct FakeProcess {
  pid_t pid = 0;
  pid_t group = 0;    // and its session: a spawn makes both, a fork keeps them
  std::string unit;   // NAME from argv[0]; a helper's: its parent's
  int revision = -1;  // REVISION from argv[0]; -1 for a helper
  std::string step;   // "pre0", "main0", "stop0"... or "helper"
  bool stubborn = false;     // ignores every signal but SIGKILL
  bool exited = false;       // its exit is queued (or reported)
  bool reported = false;     // the supervisor was told of its exit
  bool killed = false;       // it was sent SIGKILL
  std::vector<int> ignored;  // signals it ignored, in order
  // Its copy of the NotificationFd= pipe's write end (main steps of units
  // with NotificationFd=): closed when it exits, as a process's fds are.
  fault::UniqueFd notify;

  // Held: not yet reported (alive, or a zombie) -- what kill(2) can reach.
  bool held() const { return !reported; }
  bool alive() const { return !exited; }
};

class FakeWorld final : public SupervisorWorld {
 public:
  // What a spawn should do: fail with `error` (an errno, e.g. EAGAIN or
  // ENOENT), or make a process, stubborn or not.
  struct SpawnVerdict {
    int error = 0;
    bool stubborn = false;
  };
  // Asked at every spawn, before the process exists, with the record it
  // would be (pid not yet set). May record violations; must not call into
  // the supervisor.
  using SpawnHook = std::function<SpawnVerdict(const FakeProcess&)>;

  explicit FakeWorld(fault::Duration start) : now_(start) {}

  void set_spawn_hook(SpawnHook hook) { spawn_hook_ = std::move(hook); }
  // Keeps a copy of every exec report's read end from now on, as a child
  // forked later holds one until its own exec (close-on-exec): what the
  // supervisor closes is then not the pipe's last reference.
  void keep_report_copies() { keep_report_copies_ = true; }

  // SupervisorWorld.
  fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) override;
  std::optional<fault::Status> ReadSpawnReport(
      fault::StartedSpawn& spawn) override;
  int Kill(pid_t target, int signo) override;
  std::vector<Member> Processes() override;
  fault::StatusOr<WatchId> WatchExit(
      pid_t pid, fault::UniqueFd pidfd,
      fault::Scheduler::ExitCallback fn) override;
  // kByKernel: orphans' exits are dropped, as the kernel reaps them (the
  // world says KernelCanReapOrphans false: the supervisor does not ask).
  fault::Status WatchOrphans(fault::Scheduler::ExitCallback fn,
                             fault::Scheduler::OrphanReaping how) override;
  fault::Duration Now() override { return now_; }
  TimerId After(fault::Duration delay, fault::Scheduler::Callback fn) override;
  void Cancel(TimerId id) override;

  // The world's own events.
  // Exit: `pid` ends by itself with exit `code`, or of signal `signo`
  // (code < 0). Ignored for a process that has exited.
  void Exit(pid_t pid, int code, int signo = 0);
  // Fork: a process of `parent`'s group and unit ("helper"); its pid.
  pid_t Fork(pid_t parent, bool stubborn);
  // Relent: a stubborn process that ignored a signal ends of the first it
  // ignored; true when one did.
  bool Relent(pid_t pid);
  // DeliverExits reports up to `n` queued exits; how many it reported.
  size_t DeliverExits(size_t n);
  size_t pending_exits() const { return exits_.size(); }
  // FireNext moves the clock to the earliest timer and runs it; false when
  // no timer is pending.
  bool FireNext();
  // Advance moves the clock by `by`, running each timer due meanwhile.
  void Advance(fault::Duration by);
  size_t pending_timers() const { return timers_.size(); }
  size_t exit_watches() const { return exit_watches_.size(); }
  // How many times Processes was called (a scan of /proc on the runtime).
  size_t process_scans() const { return process_scans_; }

  const std::map<pid_t, FakeProcess>& processes() const { return processes_; }
  FakeProcess* Find(pid_t pid);
  const std::vector<std::string>& violations() const { return violations_; }

 private:
  struct Timer {
    fault::Duration due;
    fault::Scheduler::Callback fn;
  };
  // A program under /m/missing/: forked, its exec failed.
  fault::StatusOr<fault::StartedSpawn> SpawnMissing(const std::string& program);
  // Ends `p` (queues its exit): exit `code`, or signal `signo`.
  void End(FakeProcess& p, int code, int signo);
  // Add records `p` in processes_ and the indexes.
  void Add(FakeProcess p);
  void Deliver(FakeProcess& p, int signo);

  fault::Duration now_;
  SpawnHook spawn_hook_;
  fault::Scheduler::ExitCallback on_orphan_;
  bool orphans_by_kernel_ = false;
  struct ExitWatch {
    WatchId id;
    fault::Scheduler::ExitCallback fn;
  };
  std::map<pid_t, ExitWatch> exit_watches_;
  std::map<WatchId, pid_t> watched_pids_;  // exit_watches_ by id
  std::map<pid_t, FakeProcess> processes_;
  // Indexes of processes_, so that the world's own work per call does not
  // grow with every process it ever made: the live ones (Processes), and
  // each group's held members, in pid order (Kill of a group).
  std::set<pid_t> alive_;
  std::map<pid_t, std::vector<pid_t>> groups_;
  std::deque<fault::ExitStatus> exits_;
  std::map<TimerId, Timer> timers_;
  std::set<std::pair<fault::Duration, TimerId>> due_;  // timers_ by due
  WatchId next_id_ = 1;  // timers' and exit watches'
  size_t process_scans_ = 0;
  pid_t next_pid_ = 1000;
  std::vector<std::string> violations_;
  bool keep_report_copies_ = false;
  std::vector<fault::UniqueFd> report_copies_;
};

}  // namespace faultinit::model

#endif  // FAULT_INIT_SUPERVISOR_MODEL_FAKE_WORLD_H_
