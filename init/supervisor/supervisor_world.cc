#include "init/supervisor/supervisor_world.h"

#include <signal.h>
#include <unistd.h>

#include <utility>

#include "init/processes.h"

namespace faultinit {

fault::StatusOr<fault::StartedSpawn> RuntimeWorld::Spawn(
    const fault::SpawnOptions& options) {
  return fault::StartSpawn(options);
}

std::optional<fault::Status> RuntimeWorld::ReadSpawnReport(
    fault::StartedSpawn& spawn) {
  return fault::ReadSpawnReport(spawn);
}

int RuntimeWorld::Kill(pid_t target, int signo) { return kill(target, signo); }

std::vector<RuntimeWorld::Member> RuntimeWorld::Processes() {
  std::vector<Member> members;
  const pid_t self = getpid();
  for (const ProcessIds& p : LiveProcesses()) {
    if (p.pid != self) members.push_back(Member{p.pid, p.group, p.session});
  }
  return members;
}

fault::StatusOr<RuntimeWorld::WatchId> RuntimeWorld::WatchExit(
    pid_t pid, fault::UniqueFd pidfd, fault::Scheduler::ExitCallback fn) {
  // Without a pidfd, the scheduler checks that `pid` is an unreaped child
  // (and opens one where it would).
  return scheduler_.OnExit(pid, std::move(pidfd), std::move(fn));
}

fault::Status RuntimeWorld::WatchOrphans(fault::Scheduler::ExitCallback fn) {
  return scheduler_.ReapOrphans(std::move(fn));
}

fault::Duration RuntimeWorld::Now() { return fault::MonotonicNow(); }

RuntimeWorld::TimerId RuntimeWorld::After(fault::Duration delay,
                                          fault::Scheduler::Callback fn) {
  return scheduler_.After(delay, std::move(fn));
}

void RuntimeWorld::Cancel(TimerId id) { scheduler_.Cancel(id); }

}  // namespace faultinit
