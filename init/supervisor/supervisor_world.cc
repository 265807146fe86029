#include "init/supervisor/supervisor_world.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "init/processes.h"
#include "runtime/pidfd.h"

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

pid_t RuntimeWorld::LastPid() {
  if (!last_pid_tried_) {
    last_pid_tried_ = true;
    last_pid_ = fault::UniqueFd(
        open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC));
  }
  if (!last_pid_.valid()) return 0;
  char text[32];
  const ssize_t n = pread(last_pid_.get(), text, sizeof text, 0);
  int last = 0;
  if (n <= 0 ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(
                            absl::string_view(text, static_cast<size_t>(n))),
                        &last) ||
      last <= 0) {
    return 0;
  }
  return static_cast<pid_t>(last);
}

fault::StatusOr<RuntimeWorld::WatchId> RuntimeWorld::WatchExit(
    pid_t pid, fault::UniqueFd pidfd, fault::Scheduler::ExitCallback fn) {
  // Without a pidfd, the scheduler checks that `pid` is an unreaped child
  // (and opens one where it would).
  return scheduler_.OnExit(pid, std::move(pidfd), std::move(fn));
}

fault::Status RuntimeWorld::WatchOrphans(fault::Scheduler::ExitCallback fn,
                                         fault::Scheduler::OrphanReaping how) {
  return scheduler_.ReapOrphans(std::move(fn), how);
}

bool RuntimeWorld::KernelCanReapOrphans() {
  return fault::ReapedExitsAvailable();
}

fault::Duration RuntimeWorld::Now() { return fault::MonotonicNow(); }

RuntimeWorld::TimerId RuntimeWorld::After(fault::Duration delay,
                                          fault::Scheduler::Callback fn) {
  return scheduler_.After(delay, std::move(fn));
}

void RuntimeWorld::Cancel(TimerId id) { scheduler_.Cancel(id); }

}  // namespace faultinit
