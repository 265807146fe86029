#include "init/supervisor/model/fake_world.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace faultinit::model {
namespace {

// Whether `signo`'s default action ends a process (core or not).
bool Fatal(int signo) {
  switch (signo) {
    case SIGHUP:
    case SIGINT:
    case SIGQUIT:
    case SIGTERM:
    case SIGUSR1:
    case SIGUSR2:
    case SIGPIPE:
    case SIGALRM:
    case SIGSEGV:
    case SIGABRT:
    case SIGKILL:
      return true;
    default:
      return false;
  }
}

// Parses "/m/NAME/REVISION/STEP" into `p`; false for any other program.
bool Describe(const std::string& program, FakeProcess* p) {
  std::vector<std::string> parts = absl::StrSplit(program, '/');
  if (parts.size() != 5 || !parts[0].empty() || parts[1] != "m") return false;
  p->unit = parts[2];
  p->step = parts[4];
  return absl::SimpleAtoi(parts[3], &p->revision);
}

}  // namespace

fault::StatusOr<fault::StartedSpawn> FakeWorld::Spawn(
    const fault::SpawnOptions& options) {
  const std::string program =
      !options.program.empty()
          ? options.program
          : (options.argv.empty() ? std::string() : options.argv[0]);
  FakeProcess p;
  if (!Describe(program, &p)) {
    if (program.rfind("/m/missing/", 0) == 0) return SpawnMissing(program);
    violations_.push_back(
        absl::StrCat("spawned an unknown program \"", program, "\""));
    return fault::ErrnoToStatus(ENOENT,
                                absl::StrCat("unable to execute ", program));
  }
  if (!options.new_session) {
    violations_.push_back(
        absl::StrCat("spawned ", program, " outside a session of its own"));
  }
  SpawnVerdict verdict;
  if (spawn_hook_) verdict = spawn_hook_(p);
  if (verdict.error != 0) {
    return fault::ErrnoToStatus(verdict.error,
                                absl::StrCat("unable to spawn ", program));
  }
  p.pid = next_pid_++;
  p.group = p.pid;
  p.stubborn = verdict.stubborn;
  if (options.extra_fd.from >= 0) {
    p.notify.Reset(fcntl(options.extra_fd.from, F_DUPFD_CLOEXEC, 3));
  }
  // Exec'd at once: the report is the end of file of a pipe.
  FAULT_ASSIGN_OR_RETURN(fault::Pipe report, fault::MakePipe(O_NONBLOCK));
  fault::StartedSpawn started;
  started.pid = p.pid;
  started.report = std::move(report.read);
  started.program = program;
  if (keep_report_copies_) {
    report_copies_.emplace_back(
        fcntl(started.report.get(), F_DUPFD_CLOEXEC, 3));
  }
  Add(std::move(p));
  return started;
}

fault::StatusOr<fault::StartedSpawn> FakeWorld::SpawnMissing(
    const std::string& program) {
  // As a real child: forked, its exec fails (ENOENT, reported in the
  // runtime's format), and it exits 127, which may be delivered before the
  // loop reads the report.
  FAULT_ASSIGN_OR_RETURN(fault::Pipe report, fault::MakePipe(O_NONBLOCK));
  const fault::SpawnFailureReport failure{
      static_cast<int>(fault::SpawnStage::kExec), ENOENT};
  if (fault::WriteAll(report.write.get(), &failure, sizeof failure) != 0) {
    return fault::ErrnoToStatus(errno, "unable to write a spawn report");
  }
  FakeProcess p;
  p.pid = next_pid_++;
  p.group = p.pid;
  p.unit = program.substr(sizeof "/m/missing/" - 1);
  p.step = "missing";
  fault::StartedSpawn started;
  started.pid = p.pid;
  started.report = std::move(report.read);
  started.program = program;
  Add(std::move(p));
  End(processes_.at(started.pid), 127, 0);
  return started;
}

std::optional<fault::Status> FakeWorld::ReadSpawnReport(
    fault::StartedSpawn& spawn) {
  return fault::ReadSpawnReport(spawn);
}

void FakeWorld::Add(FakeProcess p) {
  const pid_t pid = p.pid;
  alive_.insert(pid);
  groups_[p.group].push_back(pid);
  processes_.emplace(pid, std::move(p));
}

void FakeWorld::Deliver(FakeProcess& p, int signo) {
  if (!p.alive() || signo == 0) return;
  if (signo == SIGKILL) p.killed = true;
  if (!Fatal(signo)) return;
  if (p.stubborn && signo != SIGKILL) {
    p.ignored.push_back(signo);
    return;
  }
  End(p, -1, signo);
}

int FakeWorld::Kill(pid_t target, int signo) {
  if (target == 0 || target == -1 || target == 1) {
    violations_.push_back(
        absl::StrCat("kill(", target, ", ", signo,
                     ") would signal faultinit or every process"));
    errno = EPERM;
    return -1;
  }
  if (target > 0) {
    auto it = processes_.find(target);
    if (it == processes_.end() || !it->second.held()) {
      errno = ESRCH;
      return -1;
    }
    Deliver(it->second, signo);
    return 0;
  }
  bool found = false;
  auto group = groups_.find(-target);
  if (group != groups_.end()) {
    for (pid_t pid : group->second) {  // held members only
      found = true;
      Deliver(processes_.at(pid), signo);
    }
  }
  if (!found) {
    errno = ESRCH;
    return -1;
  }
  return 0;
}

std::vector<FakeWorld::Member> FakeWorld::Processes() {
  ++process_scans_;
  std::vector<Member> members;
  for (pid_t pid : alive_) {
    const FakeProcess& p = processes_.at(pid);
    members.push_back(Member{pid, p.group, p.group});
  }
  return members;
}

fault::StatusOr<FakeWorld::WatchId> FakeWorld::WatchExit(
    pid_t pid, fault::UniqueFd pidfd, fault::Scheduler::ExitCallback fn) {
  (void)pidfd;  // a fake process has none
  FakeProcess* p = Find(pid);
  if (p == nullptr || !p->held()) {
    return fault::NotFoundError(absl::StrCat("unable to watch process ", pid,
                                             ": not an unreaped child"));
  }
  if (exit_watches_.count(pid) != 0) {
    violations_.push_back(absl::StrCat("pid ", pid, " watched twice"));
    return fault::InvalidArgumentError(
        absl::StrCat("unable to watch process ", pid, ": already watched"));
  }
  const WatchId id = next_id_++;
  exit_watches_.emplace(pid, ExitWatch{id, std::move(fn)});
  watched_pids_.emplace(id, pid);
  return id;
}

fault::Status FakeWorld::WatchOrphans(fault::Scheduler::ExitCallback fn,
                                      fault::Scheduler::OrphanReaping how) {
  on_orphan_ = std::move(fn);
  orphans_by_kernel_ = how == fault::Scheduler::OrphanReaping::kByKernel;
  return fault::OkStatus();
}

FakeWorld::TimerId FakeWorld::After(fault::Duration delay,
                                    fault::Scheduler::Callback fn) {
  if (delay < fault::ZeroDuration()) delay = fault::ZeroDuration();
  const TimerId id = next_id_++;
  timers_.emplace(id, Timer{now_ + delay, std::move(fn)});
  due_.emplace(now_ + delay, id);
  return id;
}

void FakeWorld::Cancel(TimerId id) {
  if (auto timer = timers_.find(id); timer != timers_.end()) {
    due_.erase({timer->second.due, id});
    timers_.erase(timer);
    return;
  }
  if (auto watched = watched_pids_.find(id); watched != watched_pids_.end()) {
    exit_watches_.erase(watched->second);
    watched_pids_.erase(watched);
  }
}

void FakeWorld::End(FakeProcess& p, int code, int signo) {
  p.exited = true;
  alive_.erase(p.pid);
  p.notify.Reset();
  exits_.push_back(signo != 0 ? fault::ExitStatus{p.pid, CLD_KILLED, signo}
                              : fault::ExitStatus{p.pid, CLD_EXITED, code});
}

void FakeWorld::Exit(pid_t pid, int code, int signo) {
  FakeProcess* p = Find(pid);
  if (p == nullptr || !p->alive()) return;
  End(*p, code, signo);
}

pid_t FakeWorld::Fork(pid_t parent, bool stubborn) {
  FakeProcess* from = Find(parent);
  if (from == nullptr || !from->alive()) return 0;
  FakeProcess p;
  p.pid = next_pid_++;
  p.group = from->group;
  p.unit = from->unit;
  p.step = "helper";
  p.stubborn = stubborn;
  const pid_t pid = p.pid;
  Add(std::move(p));
  return pid;
}

bool FakeWorld::Relent(pid_t pid) {
  FakeProcess* p = Find(pid);
  if (p == nullptr || !p->alive() || p->ignored.empty()) return false;
  End(*p, -1, p->ignored.front());
  return true;
}

size_t FakeWorld::DeliverExits(size_t n) {
  size_t done = 0;
  while (done < n && !exits_.empty()) {
    const fault::ExitStatus status = exits_.front();
    exits_.pop_front();
    FakeProcess& p = processes_.at(status.pid);
    p.reported = true;
    std::vector<pid_t>& group = groups_.at(p.group);
    group.erase(std::find(group.begin(), group.end(), p.pid));
    if (group.empty()) groups_.erase(p.group);
    ++done;
    // The callback runs moved out of the world's tables, as the
    // scheduler's does: it may add or cancel watches.
    if (auto watch = exit_watches_.find(status.pid);
        watch != exit_watches_.end()) {
      fault::Scheduler::ExitCallback fn = std::move(watch->second.fn);
      watched_pids_.erase(watch->second.id);
      exit_watches_.erase(watch);
      fn(status);
      continue;
    }
    if (p.step != "helper") {
      violations_.push_back(absl::StrCat("pid ", status.pid, " (", p.unit, " ",
                                         p.step,
                                         ") exited with no exit watch"));
    }
    if (on_orphan_) {
      if (orphans_by_kernel_) continue;  // reaped by the kernel, unheard of
      fault::Scheduler::ExitCallback fn = on_orphan_;
      fn(status);
    } else {
      violations_.push_back(absl::StrCat("pid ", status.pid,
                                         " exited while nobody watched exits"));
    }
  }
  return done;
}

bool FakeWorld::FireNext() {
  if (due_.empty()) return false;
  auto next = timers_.find(due_.begin()->second);  // ties: lowest id
  due_.erase(due_.begin());
  if (next->second.due > now_) now_ = next->second.due;
  fault::Scheduler::Callback fn = std::move(next->second.fn);
  timers_.erase(next);
  fn();
  return true;
}

void FakeWorld::Advance(fault::Duration by) {
  const fault::Duration until = now_ + by;
  while (!due_.empty() && due_.begin()->first <= until) {
    auto next = timers_.find(due_.begin()->second);
    due_.erase(due_.begin());
    if (next->second.due > now_) now_ = next->second.due;
    fault::Scheduler::Callback fn = std::move(next->second.fn);
    timers_.erase(next);
    fn();
  }
  if (until > now_) now_ = until;
}

FakeProcess* FakeWorld::Find(pid_t pid) {
  auto it = processes_.find(pid);
  return it == processes_.end() ? nullptr : &it->second;
}

}  // namespace faultinit::model
