// File: init/supervisor/forwarding_world.h
//
// ForwardingWorld: a SupervisorWorld that passes every call to another
// (`to`, not owned; it must outlive this) but LastPid, which stays
// SupervisorWorld's (0: unknown). A test's world derives from it to count
// or change what the Supervisor asks, and calls ForwardingWorld's method
// for the rest. Test only; as thread-, signal- and fork-safe as `to`.

#ifndef FAULT_INIT_SUPERVISOR_FORWARDING_WORLD_H_
#define FAULT_INIT_SUPERVISOR_FORWARDING_WORLD_H_

#include <sys/types.h>

#include <optional>
#include <utility>
#include <vector>

#include "init/supervisor/supervisor_world.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/spawn.h"
#include "runtime/status.h"

namespace faultinit {

class ForwardingWorld : public SupervisorWorld {
 public:
  explicit ForwardingWorld(SupervisorWorld& to) : to_(to) {}

  fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) override {
    return to_.Spawn(options);
  }
  std::optional<fault::Status> ReadSpawnReport(
      fault::StartedSpawn& spawn) override {
    return to_.ReadSpawnReport(spawn);
  }
  int Kill(pid_t target, int signo) override { return to_.Kill(target, signo); }
  std::vector<Member> Processes() override { return to_.Processes(); }
  fault::StatusOr<WatchId> WatchExit(
      pid_t pid, fault::UniqueFd pidfd,
      fault::Scheduler::ExitCallback fn) override {
    return to_.WatchExit(pid, std::move(pidfd), std::move(fn));
  }
  fault::Status WatchOrphans(fault::Scheduler::ExitCallback fn,
                             fault::Scheduler::OrphanReaping how) override {
    return to_.WatchOrphans(std::move(fn), how);
  }
  bool KernelCanReapOrphans() override { return to_.KernelCanReapOrphans(); }
  fault::Duration Now() override { return to_.Now(); }
  TimerId After(fault::Duration delay, fault::Scheduler::Callback fn) override {
    return to_.After(delay, std::move(fn));
  }
  void Cancel(TimerId id) override { to_.Cancel(id); }

 private:
  SupervisorWorld& to_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_FORWARDING_WORLD_H_
