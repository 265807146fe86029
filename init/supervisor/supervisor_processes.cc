// Supervisor: a service's processes, as ServiceEffects asks for them.
//
// Exits. Every process the supervisor spawns gets an exit watch of its own
// (SupervisorWorld::WatchExit, Scheduler::OnExit on the runtime) from the
// pidfd StartSpawn opened before it could exec, made before StartStep
// returns to the loop: its exit is reported to its entry, once,
// and never through the orphan callback. A process that could not be
// watched is killed and its start fails (its exit would reach nobody).
//
// Exec reports (issue #26). StartStep returns once the child is forked;
// its exec report (the spawn's pipe: end of file once exec'd, else the
// failure) is an fd watch, read by OnExecReport and told to the Service
// (ExecReported), so a start wave forks all its services without waiting
// for any exec. The loop may take the child's exit before the report's
// readiness: OnProcessExit reads a pending report first (the child's
// descriptors closed before its exit was reported: it is complete), so a
// failure's reason is never lost, and the report, removed from the entry
// once read, is never told twice. Until its report, a child may not have
// made its session (setsid) yet: Signal sends it the signal by pid when
// its group is not there yet, and HasProcesses and PruneSessions keep its
// group and session.
// OnOrphan hears only of the rest: the processes services left to
// faultinit (re-parented), reaped and logged; one may have been the last
// of a group or session, so those are pruned then: only in the entries
// that hold one that no process of their own (not reaped yet) leads
// (orphan_hosts_, kept by NoteLeaderless when a process of theirs is
// reaped or a PID file's daemon is taken), since a group or session whose
// leader is alive cannot have ended. The others are not looked at: an
// orphan's exit costs what it may have touched, not a walk of every
// service (issue #26). A leaderless group already gone makes no host
// (NoteLeaderless probes it).
//
// Orphan reaping (UpdateOrphanReaping). Orphans need a report only while
// orphan_hosts_ holds an entry: until then, where the kernel keeps reaped
// exits for pidfds (KernelCanReapOrphans, probed once at Begin; not at
// debug verbosity, which logs each orphan reaped), the
// kernel reaps them (Scheduler's kByKernel: SIGCHLD ignored), so an
// orphan costs nothing and a restart no waitid(P_ALL) walk of every
// child. Every spawn's exit watch then holds the pidfd StartSpawn opened;
// a spawn without one (descriptors short: PidfdFits) has orphans reported
// for good (NoPidfds), as a process watched by its pid needs SIGCHLD.
// A Type=forking daemon is still watched only as our unreaped child: the
// scheduler opens its pidfd before it checks that (waitid WNOWAIT), so the
// pidfd names the process checked; one the kernel reaped before is gone.
// The first host switches to reports. An orphan of it may have ended just
// before, reaped unheard of: the next Reconcile pass looks at the hosts as
// that report would have had them looked at (PruneOrphanHosts, with a new
// view of the processes), and a few more times shortly after while hosts
// are left (RecheckOrphanHosts: a process reaped by the kernel can stay in
// its group briefly after its exit). The last host gone, the kernel reaps
// again.
// Where the kernel cannot reap them (Linux < 6.15), orphans are reported
// lazily (Scheduler's kReportLazily) while no host is left: a service's
// exit, which its pidfd reports, then costs no waitid(P_ALL) walk; an
// orphan whose SIGCHLD merged into it stays a zombie for up to 10 s, which
// no stop waits on. A host, or a shutdown (its end waits for every child:
// SystemMode's HasChildren), has them reported promptly, and so do
// descriptors short (NoPidfds: a spawn watched by its pid alone could hide
// its exit in a merged SIGCHLD; asked for before its watch is made, as
// lazily the scheduler opens a pidfd for a watch given none, as it does
// for a Type=forking daemon's).
//
// Type=forking: the daemon named by the PID file is not a process
// faultinit spawned; it is watched from the moment MainPidOf accepts it,
// and only if it is faultinit's own unreaped child (its ExecStart= parent
// exited, so the kernel re-parented it to PID 1 or to the subreaper).
// pidfd_open would open any process, ours or not, and the status of a
// process that is not our child cannot be collected: so faultinit does not
// watch by pidfd alone. An unreaped child's pid cannot be reused before we
// reap it, so the watch made (the scheduler checks the pid is an unreaped
// child, waitid WNOWAIT) names the daemon and no other process. A daemon
// that exited and was reaped as an orphan before its PID file was read is
// "gone" (kill(pid, 0) fails) and fails the start.
//
// Stops: Signal reaches the main process, or with `group` every tracked
// process group and every member of the tracked sessions. Sessions: an id
// is dropped once no live process is in it (PruneSessions, at each exit
// and orphan), before it can be reused. A session whose leader's group
// still exists is not empty; one that never had a member but its leader
// (AloneInSession: O(1)) is; only the others need the view below.
//
// Descriptors (issue #26): a process's pidfd is kept only while it leaves
// a descriptor for every service's output and a reserve (PidfdFits); the
// others are watched through SIGCHLD and their pid, as where pidfd_open
// is missing.
//
// Both find sessions' members in one view of the live processes (Members:
// SupervisorWorld::Processes, a scan of /proc on the runtime), taken when
// first needed and shared until it may be wrong: it is dropped when a
// process it lists as alive is reaped (so a session is never kept for a
// member that is gone), when a session is added (a spawn, a PID file's
// daemon), and at the end of Reconcile, which the main loop runs after
// every dispatch, before it waits again. A shutdown that stops fifty
// services in one pass, and reaps their processes in one dispatch, reads
// /proc about once for each, not once per service. Like any scan, the
// view can miss a process forked after it was taken (here: during the
// same dispatch); a stop that finds such a process still there
// (HasProcesses) keeps waiting, and the stop timeout's SIGKILL comes with
// a new view.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "init/processes.h"
#include "init/supervisor/exec_context.h"
#include "init/supervisor/process_view.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_entry.h"
#include "init/supervisor/unit_directories.h"
#include "init/support/accounts.h"
#include "init/support/service_files.h"
#include "init/system/environment_file.h"
#include "runtime/fd.h"
#include "runtime/privileges.h"

namespace faultinit {
namespace {

// The contents of `unit`'s EnvironmentFile=s, in order; a missing one
// marked optional ("-") is left out.
fault::StatusOr<std::vector<EnvironmentMap>> ReadEnvironmentFiles(
    const ServiceSettings& unit) {
  std::vector<EnvironmentMap> files;
  for (const EnvironmentFileRef& file : unit.extras().environment_files) {
    fault::StatusOr<EnvironmentMap> read = ReadEnvironmentFile(file.path);
    if (!read.ok()) {
      if (file.optional &&
          read.status().code() == fault::StatusCode::kNotFound) {
        continue;
      }
      return read.status();
    }
    files.push_back(std::move(*read));
  }
  return files;
}

// NullInput: /dev/null, read-only, for every service's stdin: opened once
// and kept, one descriptor for all, not opened and closed at each spawn
// (issue #26: two system calls of every start). What a service can change
// of the shared open file (its offset, O_NONBLOCK) changes nothing a read
// of /dev/null gives another. -1 with errno when it cannot be opened;
// tried again at the next call.
int NullInput() {
  static int null_in = -1;
  if (null_in < 0) null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return null_in;
}

// What a step's commands get from the world besides the journal: the
// accounts, the environment (with the EnvironmentFile=s' contents), the
// descriptors of stdin and of StandardOutput=/StandardError= (empty: the
// journal or faultinit's own). Owns what ExecInputs points at.
struct StepWorld {
  std::optional<Credentials> credentials;
  std::vector<gid_t> supplementary_groups;
  EnvironmentMap variables;
  std::vector<std::string> environment;
  int null_in = -1;  // NullInput's: not owned
  fault::UniqueFd out;
  fault::UniqueFd err;
};

// GatherStepWorld fills `world` for `u`. Never inlined: the account and
// environment files' parsing is off the stack before the spawn, whose
// frames are the deepest PID 1 reaches while it starts services (touched
// stack pages stay resident while it sleeps).
ABSL_ATTRIBUTE_NOINLINE fault::Status GatherStepWorld(
    const ServiceSettings& s, absl::string_view notify_path,
    const std::string& accounts_root, StepWorld& world) {
  const SpawnExtras& u = s.extras();
  if (!u.user.empty() || !u.group.empty()) {
    fault::StatusOr<Credentials> resolved = ResolveCredentials(
        u.user.empty() ? "root" : u.user, u.group, accounts_root);
    if (!resolved.ok()) return resolved.status();
    world.credentials = std::move(*resolved);
  }
  // RuntimeDirectory= and its family: before each command, as systemd.
  FAULT_RETURN_IF_ERROR(MakeUnitDirectories(
      u.rare().directories, world.credentials ? &*world.credentials : nullptr));
  if (!u.rare().exec_environment.supplementary_groups.empty()) {
    FAULT_ASSIGN_OR_RETURN(
        world.supplementary_groups,
        ResolveGroups(u.rare().exec_environment.supplementary_groups,
                      accounts_root));
  }
  FAULT_ASSIGN_OR_RETURN(std::vector<EnvironmentMap> files,
                         ReadEnvironmentFiles(s));
  EnvironmentMap passed;  // PassEnvironment=: from faultinit's environment
  for (const std::string& name :
       s.extras().rare().exec_environment.pass_environment) {
    if (const char* value = getenv(name.c_str()); value != nullptr) {
      passed[name] = value;
    }
  }
  world.variables = ServiceEnvironment(
      s, notify_path, world.credentials ? &*world.credentials : nullptr, files,
      &passed);
  world.environment = EnvironmentStrings(world.variables);

  world.null_in = NullInput();
  if (world.null_in < 0) {  // else the child would get faultinit's stdin
    return fault::ErrnoToStatus(errno, "unable to open /dev/null for stdin");
  }
  FAULT_ASSIGN_OR_RETURN(world.out,
                         OpenOutputTarget(u.standard_output, "StandardOutput"));
  const OutputTarget& err_target =
      u.standard_error.kind == OutputTarget::Kind::kInherit ? u.standard_output
                                                            : u.standard_error;
  FAULT_ASSIGN_OR_RETURN(world.err,
                         OpenOutputTarget(err_target, "StandardError"));
  return fault::OkStatus();
}

// SocketStdioKey: the first of StandardInput=, StandardOutput=,
// StandardError= that is `socket` in `u`; empty when none is.
absl::string_view SocketStdioKey(const SpawnExtras& u) {
  using Kind = OutputTarget::Kind;
  if (u.rare().io.input == StandardInput::kSocket) return "StandardInput";
  if (u.standard_output.kind == Kind::kSocket) return "StandardOutput";
  if (u.standard_error.kind == Kind::kSocket) return "StandardError";
  return "";
}

// TheSocket: the one socket `key`=socket connects, as systemd requires it
// (exec_spawn: "Got no socket.", "Got more than one socket.").
fault::StatusOr<int> TheSocket(absl::string_view key, const ListenFds* listen) {
  if (listen == nullptr || listen->fds.empty()) {
    return fault::FailedPreconditionError(absl::StrCat(
        key,
        "=socket: no socket to connect (the service is not activated by a "
        "listening socket unit)"));
  }
  if (listen->fds.size() > 1) {
    return fault::FailedPreconditionError(
        absl::StrCat(key, "=socket: its socket units pass ", listen->fds.size(),
                     " sockets; socket input and output take exactly one"));
  }
  return listen->fds[0];
}

// PidfdFits: whether a process's pidfd, `pidfd` (the descriptor's
// number), may be kept with `services` services loaded and `soft` the
// RLIMIT_NOFILE soft limit: a pidfd is one descriptor a process, on top of
// one a service for its output, and output capture goes first (issue #26:
// 4,000 services under the 4,096 a real PID 1 gets). The kernel gives a
// new descriptor the lowest free number, so every descriptor below
// `pidfd` is in use; a pidfd is kept only below soft - services -
// kDescriptorReserve. Every kept pidfd is below that line, so at least
// services + kDescriptorReserve descriptors above it hold no pidfd: they
// stay for the output pipes and the reserve, however the pidfds' and the
// others' numbers interleave. O(1): no count of the open descriptors.
bool PidfdFits(int pidfd, size_t services, rlim_t soft) {
  if (soft == RLIM_INFINITY) return true;
  const rlim_t kept = static_cast<rlim_t>(services) + kDescriptorReserve;
  return soft > kept && static_cast<rlim_t>(pidfd) < soft - kept;
}

}  // namespace

void Supervisor::Spawned(pid_t pid) {
  if (run_last_ == 0 || pid != run_last_ + 1) run_first_ = pid;
  run_last_ = pid;
}

fault::StatusOr<pid_t> Supervisor::StartStep(Service& service, StepKind kind,
                                             int index) {
  Entry& e = EntryOf(service);
  const ServiceSettings& settings = e.settings;
  const SpawnExtras& u = settings.extras();
  // What the unit's commands get from the world: accounts, environment
  // files, descriptors. exec_context.h makes the rest of the options.
  StepWorld world;
  FAULT_RETURN_IF_ERROR(GatherStepWorld(
      settings, notify_ ? absl::string_view(notify_->path()) : "",
      options_.accounts_root, world));
  // $MAINPID for the commands that act on a running main process, as
  // systemd sets it (ExecReload=/bin/kill -HUP $MAINPID).
  if (service.main_pid() != 0 &&
      (kind == StepKind::kPost || kind == StepKind::kReload ||
       kind == StepKind::kStop || kind == StepKind::kStopPost)) {
    world.variables["MAINPID"] = absl::StrCat(service.main_pid());
    world.environment = EnvironmentStrings(world.variables);
  }
  // Socket activation: the main process gets the listening sockets, or,
  // with StandardInput=/StandardOutput=/StandardError=socket, every command
  // gets the one socket as those streams and none from fd 3 (systemd's
  // exec_spawn).
  const absl::string_view socket_key = SocketStdioKey(u);
  const ListenFds* listen = nullptr;
  if ((kind == StepKind::kMain || !socket_key.empty()) && listen_fds_) {
    listen = listen_fds_(service.name());
  }
  int socket_fd = -1;
  if (!socket_key.empty()) {
    FAULT_ASSIGN_OR_RETURN(socket_fd, TheSocket(socket_key, listen));
  }
  if (listen != nullptr && !listen->fds.empty()) {
    if (socket_fd < 0) {
      world.variables["LISTEN_FDS"] = absl::StrCat(listen->fds.size());
      world.variables["LISTEN_FDNAMES"] = listen->names;
    }
    for (const auto& [variable, value] : listen->variables) {
      world.variables[variable] = value;
    }
    world.environment = EnvironmentStrings(world.variables);
  }
  const OutputTarget& err_target =
      u.standard_error.kind == OutputTarget::Kind::kInherit ? u.standard_output
                                                            : u.standard_error;
  ExecInputs inputs;
  inputs.variables = &world.variables;
  inputs.environment = &world.environment;
  inputs.credentials = world.credentials ? &*world.credentials : nullptr;
  inputs.supplementary_groups = &world.supplementary_groups;
  inputs.stdin_fd = world.null_in;
  inputs.stdout_fd = world.out.get();
  inputs.stderr_fd = world.err.get();
  if (socket_fd >= 0) {
    if (u.rare().io.input == StandardInput::kSocket)
      inputs.stdin_fd = socket_fd;
    if (u.standard_output.kind == OutputTarget::Kind::kSocket) {
      inputs.stdout_fd = socket_fd;
    }
    if (err_target.kind == OutputTarget::Kind::kSocket) {
      inputs.stderr_fd = socket_fd;
    }
  }
  fault::UniqueFd output;  // this spawn's write end, closed on return
  if (ThroughJournalPipe(u.standard_output.kind) ||
      ThroughJournalPipe(err_target.kind)) {
    FAULT_ASSIGN_OR_RETURN(int journal, OpenOutput(e, output));
    if (ThroughJournalPipe(u.standard_output.kind)) {
      inputs.stdout_fd = journal;
    }
    if (ThroughJournalPipe(err_target.kind)) inputs.stderr_fd = journal;
  }
  // Without LimitNOFILE=, a service gets 1024:options_.service_nofile_hard
  // (or faultinit's own hard limit).
  struct rlimit own_nofile;
  rlim_t nofile_soft = RLIM_INFINITY;
  if (getrlimit(RLIMIT_NOFILE, &own_nofile) == 0) {
    inputs.nofile_hard = options_.service_nofile_hard != 0
                             ? options_.service_nofile_hard
                             : own_nofile.rlim_max;
    nofile_soft = own_nofile.rlim_cur;
  }
  inputs.ambient_capabilities = fault::AmbientCapabilitiesSupported();
  std::optional<fault::Pipe> notification;
  if (kind == StepKind::kMain && settings.notification_fd != 0) {
    FAULT_ASSIGN_OR_RETURN(notification, fault::MakePipe());
    inputs.notification_fd = notification->write.get();
  }

  fault::SpawnOptions spawn = StepSpawnOptions(
      settings, kind, index, inputs,
      [](const std::string& path) { return access(path.c_str(), X_OK) == 0; });
  if (listen != nullptr) {
    if (socket_fd < 0) spawn.listen_fds = listen->fds;
    // As systemd, each start sets O_NONBLOCK on the sockets (shared with
    // PID 1, which only polls them) to NonBlocking=: cleared by default.
    for (int fd : listen->fds) {
      const int flags = fcntl(fd, F_GETFL);
      if (flags < 0) continue;
      const int want =
          u.rare().non_blocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
      if (want != flags) (void)fcntl(fd, F_SETFL, want);
    }
  }
  fault::UniqueFd pidfd;
  // Asked for only where one could be kept: with more services than the
  // limit leaves room for, none can (PidfdFits), and each would be opened
  // and closed again for nothing (issue #26: 4,000 services under 4,096).
  // Without one, orphans are reported from before the child exists
  // (NoPidfds): the kernel must not reap a child watched by its pid.
  if (PidfdFits(0, entries_.size(), nofile_soft)) {
    spawn.pidfd = &pidfd;
  } else {
    NoPidfds();
  }
  FAULT_ASSIGN_OR_RETURN(fault::StartedSpawn started, world_.Spawn(spawn));
  const pid_t pid = started.pid;
  Spawned(pid);
  NoteOutputProgram(e, spawn.program.empty() ? spawn.argv[0] : spawn.program);
  if (pidfd.valid() && !PidfdFits(pidfd.get(), entries_.size(), nofile_soft)) {
    // Watched through SIGCHLD and its pid instead; but while the kernel
    // reaps, the child may be gone already, its status kept for this
    // pidfd alone: kept for its watch, this once.
    if (!kernel_reaps_) pidfd.Reset();
    NoPidfds();
  } else if (spawn.pidfd != nullptr && !pidfd.valid()) {
    NoPidfds();  // out of descriptors: as above, where a child that
                 // exited already was reaped unheard of (not watchable)
  }
  if (fault::Status watched = WatchProcess(e, pid, std::move(pidfd));
      !watched.ok()) {
    // Its exit would reach nobody: it does not run at all. Its group is
    // its session's (setsid), all it can have made yet; it may not have
    // made it yet.
    world_.Kill(-pid, SIGKILL);
    world_.Kill(pid, SIGKILL);
    return watched;
  }
  if (!started.report) {
    // Cloned sharing memory: exec'd (or failed) already, the report known
    // with no descriptor. Told by the next Reconcile pass, not from here
    // (the Service is inside its StartStep).
    e.execs.push_back(PendingExec{std::move(started), 0, kind});
    ++pending_execs_;  // a slot until told: a pass starts so many at most
    known_reports_.emplace_back(&e, pid);
    dirty_ = true;
  } else {
    FAULT_RETURN_IF_ERROR(WatchExecReport(e, std::move(started), kind));
  }
  if (notification) {
    // Our copy of the write end closes on return: end of file comes when
    // the service's processes are gone.
    if (fault::Status s = WatchNotification(e, std::move(notification->read));
        !s.ok()) {
      log_.Warning(service.name(), ": ", s.message(),
                   "; it can still notify over NOTIFY_SOCKET");
    }
  }
  e.groups().insert(pid);
  e.sessions().insert(pid);
  members_.reset();  // a new session: looked for in a new scan
  return pid;
}

fault::Status Supervisor::WatchExecReport(Entry& e, fault::StartedSpawn started,
                                          StepKind kind) {
  const pid_t pid = started.pid;
  // Its exec is reported on the loop (OnExecReport), not waited for here:
  // the next service forks meanwhile.
  // The callback holds the entry (which outlives the watch: it is erased
  // only with no pid left, and each pending report's pid is in `pids`) and
  // the pid, and reaches the Supervisor through the entry: two words fit
  // in std::function's own storage (no allocation per spawn of a wave).
  fault::StatusOr<fault::Scheduler::WatchId> report = scheduler_.OnReadable(
      started.report.get(), [&e, pid] { e.supervisor.OnExecReport(e, pid); });
  if (!report.ok()) {
    // Its report would reach nobody: as above. Its exit watch reaps it.
    world_.Kill(-pid, SIGKILL);
    world_.Kill(pid, SIGKILL);
    return report.status();
  }
  e.execs.push_back(PendingExec{std::move(started), *report, kind});
  ++pending_execs_;
  return fault::OkStatus();
}

void Supervisor::TellKnownReports() {
  std::vector<std::pair<Entry*, pid_t>> known;
  known.swap(known_reports_);
  for (const auto& [e, pid] : known) {
    // Gone already if its exit came first (OnProcessExit told it).
    for (size_t i = 0; i < e->execs.size(); ++i) {
      if (e->execs[i].spawn.pid != pid) continue;
      std::optional<fault::Status> result = ReadExecReport(*e, e->execs[i]);
      ExecReported(*e, i, result ? *result : fault::OkStatus());
      break;
    }
  }
}

bool Supervisor::ExecPending(const Entry& e, pid_t pid) {
  for (const PendingExec& exec : e.execs) {
    if (exec.spawn.pid == pid) return true;
  }
  return false;
}

std::optional<fault::Status> Supervisor::ReadExecReport(Entry& e,
                                                        PendingExec& exec) {
  // The watch ends before the read, which closes the report's descriptor
  // once it has the answer: epoll forgets a descriptor only while it is
  // open (EPOLL_CTL_DEL on a closed one fails), and a child forked
  // meanwhile may still hold a copy of the pipe until its exec, which
  // would keep the forgotten watch's hang-up coming back on every wait.
  if (exec.watch != 0) scheduler_.Cancel(exec.watch);
  exec.watch = 0;
  std::optional<fault::Status> result = world_.ReadSpawnReport(exec.spawn);
  if (result || !exec.spawn.report) return result;
  // Not there yet: watched again. Should that fail, the child's exit
  // (OnProcessExit) reads the report, complete by then.
  const pid_t pid = exec.spawn.pid;
  fault::StatusOr<fault::Scheduler::WatchId> again =
      scheduler_.OnReadable(exec.spawn.report.get(),
                            [&e, pid] { e.supervisor.OnExecReport(e, pid); });
  if (again.ok()) exec.watch = *again;
  return std::nullopt;
}

void Supervisor::OnExecReport(Entry& e, pid_t pid) {
  // Its entry's pending reports (a few at most) hold `pid` until read.
  for (size_t i = 0; i < e.execs.size(); ++i) {
    if (e.execs[i].spawn.pid != pid) continue;
    std::optional<fault::Status> result = ReadExecReport(e, e.execs[i]);
    if (!result) return;  // not there yet: watched again
    ExecReported(e, i, *result);
    return;
  }
}

void Supervisor::ExecReported(Entry& e, size_t index,
                              const fault::Status& result) {
  PendingExec exec = e.execs.Take(index);
  --pending_execs_;
  if (exec.watch != 0) scheduler_.Cancel(exec.watch);
  const pid_t pid = exec.spawn.pid;
  Service& service = *e.service;
  if (result.ok()) {
    // A failure is logged as the service's (its state change), as when
    // the spawn itself failed.
    if (exec.kind == StepKind::kMain && service.start_failures() > 0) {
      log_.Info(e.service->name(), ": started ", exec.spawn.program, " as pid ",
                pid, " after ", service.start_failures(), " failed attempts");
    } else {
      log_.Info(e.service->name(), ": started ", exec.spawn.program, " as pid ",
                pid);
    }
  }
  service.ExecReported(pid, result);
  dirty_ = true;
}

fault::Status Supervisor::WatchProcess(Entry& e, pid_t pid,
                                       fault::UniqueFd pidfd) {
  // The entry outlives the watch: it is erased only with no pid left.
  FAULT_ASSIGN_OR_RETURN(
      SupervisorWorld::WatchId watch,
      world_.WatchExit(pid, std::move(pidfd),
                       [this, &e](const fault::ExitStatus& status) {
                         OnProcessExit(e, status);
                       }));
  e.pids()[pid] = watch;
  return fault::OkStatus();
}

void Supervisor::Signal(Service& service, int signo,
                        ServiceEffects::SignalPhase phase) {
  Entry& e = EntryOf(service);
  const KillMode mode = e.settings.kill_mode;
  if (mode == KillMode::kNone) return;  // deprecated: nothing is signalled
  const bool whole =
      mode == KillMode::kControlGroup ||
      (mode == KillMode::kMixed && phase == ServiceEffects::SignalPhase::kKill);
  if (!whole) {
    pid_t target =
        service.main_pid() != 0 ? service.main_pid() : service.step_pid();
    if (target != 0) world_.Kill(target, signo);
    return;
  }
  // Every group whole. Their members are not signalled again below, so
  // that each process gets the signal once (a process that counts its
  // signals, or takes a second SIGTERM or SIGINT for "at once").
  for (pid_t g : e.groups()) {
    // A child still on its way to exec may not have made its session
    // (setsid) yet: it gets the signal itself, which its set-up holds
    // blocked until just before exec, where it acts.
    if (world_.Kill(-g, signo) != 0 && errno == ESRCH && ExecPending(e, g)) {
      world_.Kill(g, signo);
    }
  }
  // And the sessions' members in groups of their own (setpgid).
  // Each member of one of the sessions, or of a group whose id is one
  // of them, once: found by session and by group in the view.
  if (e.sessions().empty()) return;
  auto reached_already = [&](const SupervisorWorld::Member& m) {
    return e.groups().count(m.group) != 0;
  };
  ProcessView& view = Members();
  for (pid_t s : e.sessions()) {
    view.ForEachInSession(s, [&](const SupervisorWorld::Member& m) {
      if (!reached_already(m)) world_.Kill(m.pid, signo);
    });
  }
  for (pid_t s : e.sessions()) {
    view.ForEachInGroup(s, [&](const SupervisorWorld::Member& m) {
      if (e.sessions().count(m.session) == 0 && !reached_already(m)) {
        world_.Kill(m.pid, signo);
      }
    });
  }
}

void Supervisor::Kill(Service& service, pid_t pid, int signo) {
  Entry& e = EntryOf(service);
  // Only an unreaped child of the service: its pid cannot have been reused.
  if (e.pids().count(pid) != 0) world_.Kill(pid, signo);
}

fault::StatusOr<pid_t> Supervisor::MainPidOf(Service& service) {
  Entry& e = EntryOf(service);
  const std::string& path = e.settings.extras().pid_file;
  // A file the service controls: never waited on, never followed.
  FAULT_ASSIGN_OR_RETURN(pid_t pid, ReadPidFile(path));
  if (world_.Kill(pid, 0) != 0) {
    return fault::NotFoundError(
        absl::StrCat("PIDFile= ", path, " names pid ", pid, ", which is gone"));
  }
  // Only a process of this service, which its exited parent has left to
  // faultinit: a PID file naming any other process would let the service
  // have faultinit signal that process when it stops.
  if (pid_t parent = ParentOf(pid); parent != getpid()) {
    return fault::PermissionDeniedError(absl::StrCat(
        "PIDFile= ", path, " names pid ", pid, ", whose parent is ", parent,
        ", not faultinit: not a process of this service"));
  }
  for (const auto& [name, other] : entries_) {
    if (other.get() != &e && other->pids().count(pid) != 0) {
      return fault::PermissionDeniedError(
          absl::StrCat("PIDFile= ", path, " names pid ", pid, ", which is ",
                       name, "'s: not a process of this service"));
    }
  }
  // Its exit comes through a watch of its own, as a spawned process's does
  // (see the file comment: only as faultinit's unreaped child).
  if (e.pids().count(pid) == 0) {
    if (fault::Status watched = WatchProcess(e, pid, fault::UniqueFd());
        !watched.ok()) {
      return fault::Status(watched.code(),
                           absl::StrCat("PIDFile= ", path, " names pid ", pid,
                                        ": ", watched.message()));
    }
  }
  pid_t group = getpgid(pid);
  if (group > 0) e.groups().insert(group);
  pid_t session = getsid(pid);
  if (session > 0 && session != getsid(0)) e.sessions().insert(session);
  NoteLeaderless(e);  // the daemon's group or session may be another's
  members_.reset();   // what it forked may be newer than the scan
  log_.Info(e.service->name(), ": main process is pid ", pid, " (from ", path,
            ")");
  return pid;
}

bool Supervisor::HasProcesses(Service& service) {
  Entry& e = EntryOf(service);
  for (auto it = e.groups().begin(); it != e.groups().end();) {
    // A child still on its way to exec may not have made its group yet.
    if (world_.Kill(-*it, 0) != 0 && errno == ESRCH && !ExecPending(e, *it)) {
      it = e.groups().erase(it);
    } else {
      ++it;
    }
  }
  PruneSessions(e);
  // KillMode=process signals the main process only, and the stop waits for
  // no more than it signals: the rest is left running, as systemd leaves
  // it (else the stop would wait for ever). Only what faultinit spawned,
  // or took from the PID file, counts.
  // KillMode=none signals nothing: the same holds.
  if (e.settings.kill_mode == KillMode::kProcess ||
      e.settings.kill_mode == KillMode::kNone) {
    return !e.pids().empty();
  }
  return !e.pids().empty() || !e.groups().empty() || !e.sessions().empty();
}

void Supervisor::PruneSessions(Entry& e) {
  // A session whose leader's group still exists is not empty: the group
  // is in it. Only the others need /proc, so most calls scan nothing.
  std::set<pid_t> unsure;
  for (pid_t id : e.sessions()) {
    // A child still on its way to exec may not have made its session yet.
    if (world_.Kill(-id, 0) != 0 && errno == ESRCH && !ExecPending(e, id)) {
      unsure.insert(id);
    }
  }
  // Most often the session was its leader's alone: proven in O(1), and
  // dropped with no scan (AloneInSession).
  for (auto it = unsure.begin(); it != unsure.end();) {
    if (AloneInSession(*it)) {
      e.sessions().erase(*it);
      it = unsure.erase(it);
    } else {
      ++it;
    }
  }
  if (unsure.empty()) return;
  ProcessView& view = Members();
  for (pid_t id : unsure) {
    bool live = false;
    view.ForEachInSession(id,
                          [&](const SupervisorWorld::Member&) { live = true; });
    if (!live) e.sessions().erase(id);
  }
}

// AloneInSession: a session's members are its leader and processes
// forked, directly or not, by its members, so all of them were created
// after the leader. When the leader was one of StartStep's spawns and
// every process created in the PID namespace since (ns_last_pid, LastPid)
// was a later spawn of StartStep's, the session never had another member:
// once its leader's group is gone, it is empty. One read, whatever the
// number of processes: a restart of a service whose process forked
// nothing costs no scan of /proc (issue #26: the scan made one restart's
// cost grow with N). Why not another O(1) proof: Linux has no call that
// asks about a session whose leader is gone (getsid, kill and pidfd_open
// take a process or a group; pidfd_open of a number held only as a
// session id says ESRCH, as for a free one, on Linux 6.18), and a
// deferred or batched scan would keep an id that may be reused (pid_max
// is 32,768 on most boards) or cost the next restart the scan. A
// process created by anything else (a service's fork, a thread) breaks
// the run; sessions of the spawns before it are then found in the scan,
// as before.
bool Supervisor::AloneInSession(pid_t leader) {
  if (run_last_ == 0 || leader < run_first_ || leader > run_last_) {
    return false;
  }
  return world_.LastPid() == run_last_;
}

ProcessView& Supervisor::Members() {
  if (!members_) members_.emplace(world_.Processes());
  return *members_;
}

void Supervisor::Reaped(pid_t pid) {
  if (members_ && members_->Lists(pid)) members_.reset();
}

void Supervisor::CheckStopped(Entry& entry) {
  if (entry.service->state() == ServiceState::kStopping &&
      !HasProcesses(*entry.service)) {
    entry.service->ProcessesGone();
  }
}

void Supervisor::OnProcessExit(Entry& e, const fault::ExitStatus& status) {
  Reaped(status.pid);
  // Its exec report comes before its exit, once: the loop may have taken
  // the exit first. The child's descriptors closed before it was reported
  // exited, so the report is complete now (nothing there: no report).
  for (size_t i = 0; i < e.execs.size(); ++i) {
    if (e.execs[i].spawn.pid != status.pid) continue;
    std::optional<fault::Status> result = ReadExecReport(e, e.execs[i]);
    ExecReported(e, i, result ? *result : fault::OkStatus());
    break;
  }
  // What the process wrote comes before the news of its end, and so do its
  // notifications (a READY=1 written just before it died counts).
  ReadOutput(e, kOutputBudget);
  for (int i = 0; i < 16 && ReadNotification(e); ++i) {
  }
  e.pids().erase(status.pid);  // its watch has ended with this report
  PruneSessions(e);            // the step's session may have ended with it
  NoteLeaderless(e);           // what it forked may outlive it
  log_.Debug(e.service->name(), ": pid ", status.pid, " ended with ",
             status.ToString());
  e.service->ProcessExited(status.pid, status);
  CheckStopped(e);
  Touch(e);  // a service that is down drops its groups (Decide)
}

void Supervisor::OnOrphan(const fault::ExitStatus& status) {
  Reaped(status.pid);
  if (log_.Enabled(LogLevel::kDebug)) {  // ToString allocates: skip it
    log_.Debug("reaped orphan ", status.pid, " (", status.ToString(), ")");
  }
  PruneOrphanHosts();
}

void Supervisor::PruneOrphanHosts() {
  // Taken out (in the order of their names, as the walk of every entry
  // went), then each put back if it still holds a group or session whose
  // leader is gone.
  std::vector<Entry*> hosts;
  hosts.swap(orphan_hosts_);
  std::sort(hosts.begin(), hosts.end(), [](const Entry* a, const Entry* b) {
    return a->service->name() < b->service->name();
  });
  for (Entry* e : hosts) {
    // The orphan may have been the last of a session whose leader is gone,
    // or of a group of a service that is down (HasProcesses drops both).
    if (Down(e->service->state())) {
      (void)HasProcesses(*e->service);
    } else {
      PruneSessions(*e);
    }
    CheckStopped(*e);
  }
  for (Entry* e : hosts) {
    e->orphan_host = false;
    NoteLeaderless(*e);
  }
  dirty_ = true;
  UpdateOrphanReaping();  // none left: the kernel may reap them again
}

void Supervisor::NoteLeaderless(Entry& e) {
  if (e.orphan_host) return;
  bool leaderless = false;
  for (auto it = e.groups().begin(); it != e.groups().end();) {
    if (e.pids().count(*it) != 0) {
      ++it;
    } else if (world_.Kill(-*it, 0) != 0 && errno == ESRCH) {
      // Gone with its leader (the common end of a process that forked
      // nothing): no orphan can end it, so it makes no host.
      it = e.groups().erase(it);
    } else {
      leaderless = true;
      ++it;
    }
  }
  for (pid_t session : e.sessions()) leaderless |= e.pids().count(session) == 0;
  if (!leaderless) return;
  e.orphan_host = true;
  orphan_hosts_.push_back(&e);
  UpdateOrphanReaping();
}

fault::Scheduler::OrphanReaping Supervisor::WantedOrphanReaping() const {
  using Reaping = fault::Scheduler::OrphanReaping;
  if (!orphan_hosts_.empty()) return Reaping::kReport;
  // Lazily only where each process can be watched through its pidfd: one
  // watched by its pid alone may hide its exit in a merged SIGCHLD.
  if (pidfds_short_) return Reaping::kReport;
  if (kernel_can_reap_) return Reaping::kByKernel;
  return shutting_down_ ? Reaping::kReport : Reaping::kReportLazily;
}

void Supervisor::UpdateOrphanReaping() {
  if (!orphans_watched_) return;
  const fault::Scheduler::OrphanReaping wanted = WantedOrphanReaping();
  if (wanted == orphan_reaping_) return;
  fault::Status s = world_.WatchOrphans(
      [this](const fault::ExitStatus& status) { OnOrphan(status); }, wanted);
  if (!s.ok()) {  // only from no reaping at all: not the case here
    log_.Warning(s.message());
    return;
  }
  orphan_reaping_ = wanted;
  const bool by_kernel = wanted == fault::Scheduler::OrphanReaping::kByKernel;
  if (by_kernel == kernel_reaps_) return;
  kernel_reaps_ = by_kernel;
  host_rechecks_ = 0;
  if (!by_kernel) {
    // An orphan of a host noted just now may have ended before the
    // switch, reaped by the kernel with no report: the hosts are looked
    // at as its report would have had them looked at, by the next
    // Reconcile pass (not here: this may run inside a Service's call).
    check_orphan_hosts_ = true;
    dirty_ = true;
  }
}

// A process the kernel marked reaped just before the switch (it ended
// while SIGCHLD was ignored) can stay in its group for a while after its
// exit (EXIT_DEAD, not yet released: seen on Linux 6.18), and no report
// will come for it: the hosts are looked at again after 10 ms, 100 ms
// and 1 s (kHostRechecks), then left to the orphans' reports.
void Supervisor::RecheckOrphanHosts() {
  constexpr int kHostRechecks = 3;
  if (orphan_hosts_.empty() || kernel_reaps_ || !kernel_can_reap_ ||
      host_rechecks_ >= kHostRechecks || host_recheck_ != 0) {
    return;
  }
  constexpr int64_t kAfterMs[kHostRechecks] = {10, 100, 1000};
  const fault::Duration after = fault::Milliseconds(kAfterMs[host_rechecks_]);
  ++host_rechecks_;
  host_recheck_ = world_.After(after, [this] {
    host_recheck_ = 0;
    check_orphan_hosts_ = true;
    dirty_ = true;
  });
}

void Supervisor::NoPidfds() {
  if (pidfds_short_) return;
  pidfds_short_ = true;
  UpdateOrphanReaping();
}

}  // namespace faultinit
