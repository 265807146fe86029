// File: init/supervisor/supervisor_world.h
//
// SupervisorWorld: what the Supervisor does to the world outside its own
// memory that a test needs to control: start and signal processes, learn
// of their execs and exits, read the clock and run timers. RuntimeWorld
// implements it with the runtime (fault::StartSpawn, kill(2), MonotonicNow, the
// scheduler's timers, exit watches and orphan reaping, reported or left to
// the kernel), and is what faultinit
// runs on; a model test (init/supervisor/model/) implements it with processes
// and time held in memory, and drives the real Supervisor and ControlServer
// through thousands of random sequences.
//
// The seam is narrow on purpose. What stays outside it, on the real system
// even under a fake world:
//   - file descriptors: the scheduler's fd watches (output pipes, the
//     NotificationFd= pipe, a spawn's exec report, the notify socket, the
//     control socket), and the files a spawn opens (/dev/null,
//     StandardOutput= files);
//   - what only Type=forking, User= and EnvironmentFile= read: a PIDFile=,
//     the PID file's process's parent, group and session (ParentOf,
//     getpgid, getsid), the passwd and group files, environment files; and
//     a notify datagram's sender's group. A fake world's tests leave those
//     keys out.
//
// Contract of each call: the one of the call it stands for (below). Loop
// thread only; a callback given to After, WatchExit or WatchOrphans runs
// on the loop thread, never inside the call that registered it.

#ifndef FAULT_INIT_SUPERVISOR_SUPERVISOR_WORLD_H_
#define FAULT_INIT_SUPERVISOR_SUPERVISOR_WORLD_H_

#include <sys/types.h>

#include <optional>
#include <vector>

#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/spawn.h"
#include "runtime/status.h"

namespace faultinit {

class SupervisorWorld {
 public:
  // Identifies a timer or an exit watch for Cancel; never 0.
  using WatchId = fault::Scheduler::WatchId;
  using TimerId = WatchId;

  virtual ~SupervisorWorld() = default;

  // Spawn starts a process as fault::StartSpawn does: it returns once the
  // process is forked, with the report to watch (readable once it has
  // exec'd or failed), or fork's errors (EAGAIN/ENOMEM/EMFILE for a lack
  // of resources, ...). `options`' descriptors are the caller's and stay
  // open.
  virtual fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) = 0;
  // ReadSpawnReport is fault::ReadSpawnReport: nullopt while the report
  // is not there; OK once exec'd; else why the exec failed (kNotFound for
  // a missing program, the child's errno...).
  virtual std::optional<fault::Status> ReadSpawnReport(
      fault::StartedSpawn& spawn) = 0;
  // Kill is kill(2): 0, or -1 with errno set (ESRCH: no such process or
  // group). `target` < 0 names a process group; signal 0 only checks.
  virtual int Kill(pid_t target, int signo) = 0;
  // Processes lists the live processes (zombies excluded), each with its
  // process group and session, but not the caller itself (LiveProcesses: a
  // scan of /proc). The supervisor finds its sessions' members in it.
  struct Member {
    pid_t pid;
    pid_t group;
    pid_t session;
  };
  virtual std::vector<Member> Processes() = 0;
  // LastPid: the process id allocated last in faultinit's PID namespace
  // (/proc/sys/kernel/ns_last_pid: one read, whatever the number of
  // processes), or 0 when it cannot be told (then the supervisor proves
  // nothing by it: Supervisor::AloneInSession). A fake world may leave it.
  virtual pid_t LastPid() { return 0; }
  // WatchExit calls `fn` once, with its status, when child `pid` has
  // exited, the child reaped (Scheduler::OnExit). `pidfd`: the pidfd Spawn
  // opened of it (SpawnOptions::pidfd), which the watch takes over, or an
  // invalid one, for a child faultinit did not spawn: `pid` must then be an
  // unreaped child of faultinit (kNotFound otherwise), so that the watch
  // names that process and no other. kInvalidArgument for a pid watched
  // already; the errors of registering a watch (EMFILE, ENOMEM). Cancel
  // ends the watch (the child is then reaped as an orphan).
  virtual fault::StatusOr<WatchId> WatchExit(
      pid_t pid, fault::UniqueFd pidfd, fault::Scheduler::ExitCallback fn) = 0;
  // WatchOrphans makes every child that no WatchExit names (one
  // re-parented to faultinit) reaped at its exit (Scheduler::ReapOrphans);
  // nullptr stops that. With kReport each such exit calls `fn` once with
  // its status; with kByKernel, where the kernel can reap them
  // (KernelCanReapOrphans), they end unheard of, costing the loop nothing,
  // and elsewhere it is kReport. Callable again at any time, also from
  // `fn` or an exit watch's callback, to change `fn` or `how`.
  virtual fault::Status WatchOrphans(fault::Scheduler::ExitCallback fn,
                                     fault::Scheduler::OrphanReaping how) = 0;
  // KernelCanReapOrphans: whether WatchOrphans' kByKernel takes effect
  // (fault::ReapedExitsAvailable: Linux >= 6.15). The first call may probe
  // (a fork): make it at start, not on an event. A fake world: false.
  virtual bool KernelCanReapOrphans() { return false; }

  // Now is a fault::MonotonicNow() instant.
  virtual fault::Duration Now() = 0;
  // After runs `fn` once, `delay` from Now(). Cancel forgets a timer or an
  // exit watch (an unknown or finished id is ignored).
  virtual TimerId After(fault::Duration delay,
                        fault::Scheduler::Callback fn) = 0;
  virtual void Cancel(TimerId id) = 0;
};

// RuntimeWorld: the real one, on `scheduler`.
class RuntimeWorld final : public SupervisorWorld {
 public:
  explicit RuntimeWorld(fault::Scheduler& scheduler) : scheduler_(scheduler) {}

  fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) override;
  std::optional<fault::Status> ReadSpawnReport(
      fault::StartedSpawn& spawn) override;
  int Kill(pid_t target, int signo) override;
  std::vector<Member> Processes() override;
  pid_t LastPid() override;
  fault::StatusOr<WatchId> WatchExit(
      pid_t pid, fault::UniqueFd pidfd,
      fault::Scheduler::ExitCallback fn) override;
  fault::Status WatchOrphans(fault::Scheduler::ExitCallback fn,
                             fault::Scheduler::OrphanReaping how) override;
  bool KernelCanReapOrphans() override;
  fault::Duration Now() override;
  TimerId After(fault::Duration delay, fault::Scheduler::Callback fn) override;
  void Cancel(TimerId id) override;

 private:
  fault::Scheduler& scheduler_;
  // /proc/sys/kernel/ns_last_pid, opened at the first LastPid and read
  // again at offset 0 each time; invalid where it cannot be opened.
  fault::UniqueFd last_pid_;
  bool last_pid_tried_ = false;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SUPERVISOR_WORLD_H_
