#include "init/supervisor/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/processes.h"
#include "init/support/accounts.h"
#include "init/support/service_files.h"
#include "init/system/environment_file.h"
#include "init/system/exec_command.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/spawn.h"

namespace faultinit {
namespace {

constexpr char kDefaultPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// How much of one service's output is read per loop wake-up: a service
// that floods its output cannot keep PID 1 from everything else.
constexpr size_t kOutputBudget = 64 * 1024;

bool Down(ServiceState state) {
  return state == ServiceState::kInactive || state == ServiceState::kFailed;
}

ServicePolicy PolicyOf(const Unit& unit) {
  ServicePolicy p;
  p.type = unit.type;
  p.pre_steps = static_cast<int>(unit.exec_start_pre.size());
  for (const ExecLine& line : unit.exec_start_pre) {
    p.pre_ignore_failure.push_back(line.ignore_failure);
  }
  p.start_steps = static_cast<int>(unit.exec_start.size());
  p.has_exec_stop = !unit.exec_stop.empty();
  p.restart = unit.restart;
  p.restart_delay = unit.restart_sec;
  p.restart_steps = static_cast<int>(unit.restart_steps);
  p.restart_max_delay = unit.restart_max_delay;
  p.start_timeout = unit.timeout_start;
  p.stop_timeout = unit.timeout_stop;
  p.start_limit_interval = unit.start_limit_interval;
  p.start_limit_burst = static_cast<int>(unit.start_limit_burst);
  p.kill_signal = unit.kill_signal;
  p.success_exit_codes |= unit.success_exit_codes;
  p.success_signals |= unit.success_signals;
  return p;
}

// Opens a file descriptor for StandardOutput=/StandardError=, or -1 to
// keep faultinit's own. Never waits (OpenOutputFile): a FIFO with no
// reader fails the start, naming the path.
fault::StatusOr<fault::UniqueFd> OpenTarget(const OutputTarget& target,
                                            absl::string_view key) {
  switch (target.kind) {
    case OutputTarget::Kind::kJournal:
    case OutputTarget::Kind::kInherit:
      return fault::UniqueFd();
    case OutputTarget::Kind::kNull:
      return OpenOutputFile("/dev/null", false, false, key);
    case OutputTarget::Kind::kConsole:
      return OpenOutputFile("/dev/console", false, false, key);
    case OutputTarget::Kind::kFile:
      return OpenOutputFile(target.path, true, false, key);
    case OutputTarget::Kind::kAppend:
      return OpenOutputFile(target.path, true, true, key);
  }
  return fault::UniqueFd();
}

// SourceFingerprint: what tells a unit file's text from another's.
struct SourceFingerprint {
  size_t size = 0;
  size_t hash = 0;

  static SourceFingerprint Of(absl::string_view text) {
    return {text.size(), absl::Hash<absl::string_view>{}(text)};
  }
  friend bool operator==(const SourceFingerprint& a,
                         const SourceFingerprint& b) {
    return a.size == b.size && a.hash == b.hash;
  }
};

// The first error that keeps `parsed` from running, or "": its file's, or
// the directory's (an ordering cycle, a Requires= of a missing or failed
// unit), or a setting faultinit cannot honour.
std::string LoadErrorOf(const ParsedUnit& parsed) {
  for (const Diagnostic& d : parsed.diagnostics) {
    if (d.severity == Severity::kError) return d.ToString();
  }
  if (parsed.unit.type == ServiceType::kForking &&
      parsed.unit.pid_file.empty()) {
    return absl::StrCat(
        parsed.unit.path,
        ": error: Type=forking needs PIDFile= (faultinit does not guess the "
        "main process)");
  }
  return "";
}

}  // namespace

struct Supervisor::Entry {
  Unit unit;
  std::unique_ptr<Service> service;
  std::vector<std::string> after;     // After=, and Before= of others
  std::vector<std::string> required;  // Requires=
  std::string load_error;
  // The unit file's text, to see changes on reload: its size and hash, not
  // a copy (PID 1 would keep every file twice; a 64-bit hash and the size
  // both matching by chance is a 2^-64 event).
  SourceFingerprint source;
  bool removed = false;  // reload: stop, then forget
  // A stop was requested (faultctl stop) and no start since: a reload gives
  // the unit its new definition but does not start it (docs/units.md).
  bool stop_requested = false;
  // Reload: stop, then swap in. A pointer: a ParsedUnit is 750 bytes, and
  // is held only while a reload waits for the old processes to go.
  std::unique_ptr<ParsedUnit> replacement;
  bool pending_start = false;
  std::set<pid_t> pids;    // processes spawned and not yet reaped
  std::set<pid_t> groups;  // their process groups (each step a session)
  // Their sessions: each step's (its pid), and a PID file's daemon's. A
  // process in one of them belongs to the service even in a group of its
  // own (setpgid, as a job-control shell does); one that called setsid()
  // itself has left (docs/units.md, KillMode=). An id is dropped once no
  // process is in the session (PruneSessions): it may then be reused.
  std::set<pid_t> sessions;
  fault::Scheduler::WatchId timer = 0;
  std::optional<OutputReader> output;
  fault::UniqueFd output_write;
  fault::Scheduler::WatchId output_watch = 0;
  LineRing ring;
  std::string status_text;
  // NotificationFd=: set while the main process's pipe is read. A pointer:
  // PID 1 keeps an entry per service, and few services use it.
  std::unique_ptr<NotificationPipe> notification;
};

// The read end of a main process's notification pipe (the child holds the
// write end as its descriptor N), its watch, and a line not ended yet.
struct Supervisor::NotificationPipe {
  fault::UniqueFd fd;
  fault::Scheduler::WatchId watch = 0;
  std::string line;
};

Supervisor::Supervisor(fault::Scheduler& scheduler, const Logger& log,
                       SupervisorOptions options, SupervisorWorld* world)
    : scheduler_(scheduler),
      runtime_world_(scheduler),
      world_(world != nullptr ? *world : runtime_world_),
      log_(log),
      options_(std::move(options)) {}

Supervisor::~Supervisor() {
  for (auto& [name, e] : entries_) {
    if (e->timer != 0) world_.Cancel(e->timer);
    if (e->output_watch != 0) scheduler_.Cancel(e->output_watch);
    if (e->notification) scheduler_.Cancel(e->notification->watch);
  }
  if (notify_watch_ != 0) scheduler_.Cancel(notify_watch_);
  (void)world_.WatchExits(nullptr);
}

void Supervisor::Configure(Entry& e, const ParsedUnit& parsed) {
  e.unit = parsed.unit;
  e.load_error = LoadErrorOf(parsed);
  e.required.clear();
  for (const Dependency& d : parsed.unit.required) e.required.push_back(d.name);
  // What was parsed, not the file as it is now: it may have changed since.
  e.source = SourceFingerprint::Of(parsed.source);
  e.service = std::make_unique<Service>(parsed.unit.name, PolicyOf(parsed.unit),
                                        static_cast<ServiceEffects&>(*this));
}

void Supervisor::LinkOrdering() {
  for (auto& [name, e] : entries_) {
    e->after.clear();
    for (const Dependency& d : e->unit.after) e->after.push_back(d.name);
  }
  // Before=X on A orders X after A.
  for (auto& [name, e] : entries_) {
    for (const Dependency& d : e->unit.before) {
      auto it = entries_.find(d.name);
      if (it != entries_.end()) it->second->after.push_back(name);
    }
  }
}

void Supervisor::Order(const LoadedUnits& units) {
  LinkOrdering();
  order_ = StartOrder(units);
  for (const auto& [name, e] : entries_) {
    if (std::find(order_.begin(), order_.end(), name) == order_.end()) {
      order_.push_back(name);
    }
  }
}

Supervisor::Entry& Supervisor::Add(const ParsedUnit& parsed) {
  // In entries_ before its Service exists: the Service reaches its entry
  // through EntryOf on every effect, from its first event on.
  std::unique_ptr<Entry>& slot = entries_[parsed.unit.name];
  slot = std::make_unique<Entry>();
  Configure(*slot, parsed);
  return *slot;
}

void Supervisor::QueueStart(Entry& e) {
  if (!e.load_error.empty()) {
    e.service->Refuse(e.load_error);
  } else {
    e.pending_start = true;
  }
}

void Supervisor::Load(const LoadedUnits& units) {
  for (const ParsedUnit& parsed : units.units) Add(parsed);
  Order(units);
}

ReloadSummary Supervisor::Reload(const LoadedUnits& units) {
  ReloadSummary summary;
  std::set<std::string> present;
  for (const ParsedUnit& parsed : units.units) {
    const std::string& name = parsed.unit.name;
    present.insert(name);
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      QueueStart(Add(parsed));
      summary.started.push_back(name);
      continue;
    }
    Entry& e = *it->second;
    // A unit removed by an earlier reload and back before its processes
    // were gone is stopping: it takes the changed path, and starts again.
    const bool was_removed = std::exchange(e.removed, false);
    // Changed: its file, or what the directory makes of it (a unit whose
    // file is the same gains an error when what it requires is removed or
    // an ordering cycle now runs through it, and loses it when that is
    // undone).
    if (!was_removed && SourceFingerprint::Of(parsed.source) == e.source &&
        LoadErrorOf(parsed) == e.load_error && !e.replacement) {
      continue;
    }
    // Changed: stop what runs, then swap in the new definition
    // (ApplyReplacements), started unless a stop was requested.
    e.replacement = std::make_unique<ParsedUnit>(parsed);
    e.pending_start = false;
    e.service->Stop();
    (e.stop_requested ? summary.changed : summary.restarted).push_back(name);
  }
  for (auto& [name, e] : entries_) {
    if (present.count(name) || e->removed) continue;
    e->removed = true;
    e->pending_start = false;
    e->service->Stop();
    summary.stopped.push_back(name);
  }
  Order(units);
  dirty_ = true;
  Reconcile();
  return summary;
}

// Reload's second half: entries stopped for a reload are dropped or given
// their new definition once nothing of them runs.
void Supervisor::ApplyReplacements() {
  std::vector<std::string> gone;
  bool replaced = false;
  for (auto& [name, e] : entries_) {
    if (!Down(e->service->state()) || HasProcesses(*e->service)) continue;
    if (e->removed) {
      gone.push_back(name);
    } else if (e->replacement) {
      ParsedUnit parsed = std::move(*e->replacement);
      e->replacement.reset();
      if (e->timer != 0) world_.Cancel(e->timer);
      e->timer = 0;
      Configure(*e, parsed);
      replaced = true;
      // A start requested while the replacement waited was for the old
      // definition: one with an error must not run (QueueStart fails it).
      e->pending_start = false;
      // A unit stopped on request stays stopped; an error in its new
      // definition still shows (failed, with the error), as at boot.
      if (!e->stop_requested || !e->load_error.empty()) QueueStart(*e);
      dirty_ = true;
    }
  }
  // The ordering was linked at the reload, from the definitions then in
  // force: a replaced unit's After= and Before= are those of its new one.
  if (replaced) LinkOrdering();
  for (const std::string& name : gone) {
    Entry& e = *entries_[name];
    if (e.timer != 0) world_.Cancel(e.timer);
    if (e.output_watch != 0) scheduler_.Cancel(e.output_watch);
    CloseNotification(e);
    entries_.erase(name);
    order_.erase(std::remove(order_.begin(), order_.end(), name), order_.end());
    log_.Info(name, ": removed");
  }
}

void Supervisor::Begin() {
  if (!options_.notify_socket.empty()) {
    fault::StatusOr<NotifySocket> socket =
        NotifySocket::Open(options_.notify_socket);
    if (!socket.ok()) {
      log_.Warning(socket.status().message(),
                   " (Type=notify services cannot become ready)");
    } else {
      notify_.emplace(std::move(*socket));
      fault::StatusOr<fault::Scheduler::WatchId> watch =
          scheduler_.OnReadable(notify_->fd(), [this] { OnNotify(); });
      if (watch.ok()) notify_watch_ = *watch;
    }
  }
  fault::Status reaping = world_.WatchExits(
      [this](const fault::ExitStatus& status) { OnOrphan(status); });
  if (!reaping.ok()) log_.Warning(reaping.message());
}

void Supervisor::StartAll() {
  for (const std::string& name : order_) QueueStart(*entries_[name]);
  dirty_ = true;
  Reconcile();
}

void Supervisor::Shutdown() {
  shutting_down_ = true;
  for (auto& [name, e] : entries_) {
    e->pending_start = false;
    // A reload's new definition would never be applied now (ApplyReplacements
    // does not run in a shutdown): dropped, so the unit is not Busy forever.
    e->replacement.reset();
  }
  dirty_ = true;
  Reconcile();
}

bool Supervisor::AllStopped() const {
  for (const auto& [name, e] : entries_) {
    if (!Down(e->service->state())) return false;
  }
  return true;
}

bool Supervisor::Settled(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return true;
  const Entry& e = *it->second;
  return !e.pending_start && e.service->state() != ServiceState::kStarting;
}

std::optional<std::string> Supervisor::BrokenRequirement(
    const Entry& entry) const {
  for (const std::string& name : entry.required) {
    auto it = entries_.find(name);
    if (it == entries_.end()) continue;  // the loader failed this unit
    const Entry& dep = *it->second;
    ServiceState state = dep.service->state();
    if (state == ServiceState::kFailed) {
      return absl::StrCat("required unit ", name, " failed");
    }
    if (state == ServiceState::kInactive && !dep.pending_start &&
        !dep.service->succeeded()) {
      return absl::StrCat("required unit ", name, " stopped");
    }
  }
  return std::nullopt;
}

void Supervisor::Reconcile() {
  // Each pass may change states, which may unblock more: bounded repeats.
  for (int pass = 0; dirty_ && pass < 64; ++pass) {
    dirty_ = false;
    if (shutting_down_) {
      for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
        Entry& e = *entries_[*it];
        if (Down(e.service->state())) continue;
        bool dependents_down = true;
        for (const auto& [name, other] : entries_) {
          if (std::find(other->after.begin(), other->after.end(), *it) !=
                  other->after.end() &&
              !Down(other->service->state())) {
            dependents_down = false;
          }
        }
        if (dependents_down) e.service->Stop();
      }
      continue;
    }
    ApplyReplacements();
    for (const std::string& name : order_) {
      Entry& e = *entries_[name];
      if (e.removed || e.replacement) continue;
      if (std::optional<std::string> broken = BrokenRequirement(e)) {
        ServiceState state = e.service->state();
        if (e.pending_start || state == ServiceState::kStarting ||
            state == ServiceState::kRunning ||
            state == ServiceState::kRestarting) {
          e.pending_start = false;
          e.service->DependencyFailed(*broken);
        }
        continue;
      }
      if (!e.pending_start) continue;
      if (!std::all_of(e.after.begin(), e.after.end(),
                       [this](const std::string& a) { return Settled(a); })) {
        continue;
      }
      e.pending_start = false;
      e.service->Start();
    }
  }
}

Supervisor::Entry& Supervisor::EntryOf(const Service& service) {
  return *entries_.find(service.name())->second;
}

fault::StatusOr<std::vector<std::string>> Supervisor::Environment(
    const Entry& entry, const Unit& unit) {
  EnvironmentMap env = {{"PATH", kDefaultPath}};
  if (notify_) env["NOTIFY_SOCKET"] = notify_->path();
  for (const auto& [key, value] : unit.environment) env[key] = value;
  for (const EnvironmentFileRef& file : unit.environment_files) {
    fault::StatusOr<EnvironmentMap> more = ReadEnvironmentFile(file.path);
    if (!more.ok()) {
      if (file.optional &&
          more.status().code() == fault::StatusCode::kNotFound) {
        continue;
      }
      return more.status();
    }
    for (const auto& [key, value] : *more) env[key] = value;
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : env)
    out.push_back(absl::StrCat(key, "=", value));
  return out;
}

fault::Status Supervisor::OpenOutput(Entry& entry) {
  if (entry.output) return fault::OkStatus();
  FAULT_ASSIGN_OR_RETURN(fault::Pipe pipe, fault::MakePipe());
  FAULT_ASSIGN_OR_RETURN(OutputReader reader,
                         OutputReader::Create(std::move(pipe.read)));
  entry.output.emplace(std::move(reader));
  entry.output_write = std::move(pipe.write);
  const std::string name = entry.unit.name;
  FAULT_ASSIGN_OR_RETURN(
      entry.output_watch,
      scheduler_.OnReadable(entry.output->fd(), [this, name] {
        ReadOutput(*entries_[name], kOutputBudget);
      }));
  return fault::OkStatus();
}

void Supervisor::ReadOutput(Entry& e, size_t budget) {
  if (!e.output || e.output_watch == 0) return;
  const std::string& name = e.unit.name;
  bool ended = e.output->ReadAvailable(
      budget, [&](absl::string_view line, bool truncated) {
        log_.Output(absl::StrCat("[", name, "] ", line,
                                 truncated ? " [truncated]" : ""));
        e.ring.Append(line);
        if (line_listener_) line_listener_(name, line);
      });
  if (ended) {
    scheduler_.Cancel(e.output_watch);
    e.output_watch = 0;
  }
}

void Supervisor::DrainOutput() {
  // Services are gone; what they wrote is bounded by the pipe buffers.
  for (auto& [name, e] : entries_) ReadOutput(*e, 1 << 20);
}

fault::StatusOr<pid_t> Supervisor::StartStep(Service& service, StepKind kind,
                                             int index) {
  Entry& e = EntryOf(service);
  const Unit& u = e.unit;
  const ExecLine& line = kind == StepKind::kPre    ? u.exec_start_pre[index]
                         : kind == StepKind::kMain ? u.exec_start[index]
                                                   : u.exec_stop[index];
  fault::SpawnOptions spawn;
  std::optional<Credentials> credentials;
  if (!u.user.empty() || !u.group.empty()) {
    fault::StatusOr<Credentials> resolved = ResolveCredentials(
        u.user.empty() ? "root" : u.user, u.group, options_.accounts_root);
    if (!resolved.ok()) return resolved.status();
    credentials = std::move(*resolved);
    spawn.uid = credentials->uid;
    spawn.gid = credentials->gid;
    spawn.groups = credentials->supplementary;
  }
  FAULT_ASSIGN_OR_RETURN(std::vector<std::string> env, Environment(e, u));
  if (credentials) {
    env.push_back(absl::StrCat("HOME=", credentials->home));
    env.push_back(absl::StrCat("USER=", credentials->name));
    env.push_back(absl::StrCat("LOGNAME=", credentials->name));
    if (!credentials->shell.empty()) {
      env.push_back(absl::StrCat("SHELL=", credentials->shell));
    }
  }
  EnvironmentMap variables;
  for (const std::string& entry : env) {
    size_t eq = entry.find('=');
    variables[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  Command command = ExpandExecLine(line, variables);
  spawn.program = command.executable;
  spawn.argv = command.argv;
  spawn.environment = &env;
  spawn.signals = fault::SpawnOptions::Signals::kClean;
  spawn.new_session = true;
  spawn.close_other_fds = true;
  spawn.umask = u.umask;
  std::string directory = u.working_directory;
  if (directory == "~") directory = credentials ? credentials->home : "/root";
  if (directory.empty() ||
      (u.working_directory_optional && access(directory.c_str(), X_OK) != 0)) {
    directory = "/";
  }
  spawn.working_directory = directory;

  fault::UniqueFd null_in(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_in.valid()) {  // else the child would get faultinit's stdin
    return fault::ErrnoToStatus(errno, "unable to open /dev/null for stdin");
  }
  spawn.stdin_fd = null_in.get();
  FAULT_ASSIGN_OR_RETURN(fault::UniqueFd out,
                         OpenTarget(u.standard_output, "StandardOutput"));
  const OutputTarget& err_target =
      u.standard_error.kind == OutputTarget::Kind::kInherit ? u.standard_output
                                                            : u.standard_error;
  FAULT_ASSIGN_OR_RETURN(fault::UniqueFd err,
                         OpenTarget(err_target, "StandardError"));
  spawn.stdout_fd = out.get();
  spawn.stderr_fd = err.get();
  if (u.standard_output.kind == OutputTarget::Kind::kJournal ||
      err_target.kind == OutputTarget::Kind::kJournal) {
    FAULT_RETURN_IF_ERROR(OpenOutput(e));
    if (u.standard_output.kind == OutputTarget::Kind::kJournal) {
      spawn.stdout_fd = e.output_write.get();
    }
    if (err_target.kind == OutputTarget::Kind::kJournal) {
      spawn.stderr_fd = e.output_write.get();
    }
  }

  std::optional<fault::Pipe> notification;
  if (kind == StepKind::kMain && u.notification_fd != 0) {
    FAULT_ASSIGN_OR_RETURN(notification, fault::MakePipe());
    spawn.extra_fd = {notification->write.get(), u.notification_fd};
  }

  FAULT_ASSIGN_OR_RETURN(pid_t pid, world_.Spawn(spawn));
  if (notification) {
    // Our copy of the write end closes on return: end of file comes when
    // the service's processes are gone.
    if (fault::Status s = WatchNotification(e, std::move(notification->read));
        !s.ok()) {
      log_.Warning(u.name, ": ", s.message(),
                   "; it can still notify over NOTIFY_SOCKET");
    }
  }
  e.pids.insert(pid);
  e.groups.insert(pid);
  e.sessions.insert(pid);
  owners_[pid] = u.name;
  if (kind == StepKind::kMain && service.start_failures() > 0) {
    log_.Info(u.name, ": started ", command.executable, " as pid ", pid,
              " after ", service.start_failures(), " failed attempts");
  } else {
    log_.Info(u.name, ": started ", command.executable, " as pid ", pid);
  }
  return pid;
}

void Supervisor::Signal(Service& service, int signo, bool group) {
  Entry& e = EntryOf(service);
  const KillMode mode = e.unit.kill_mode;
  bool whole = group && (mode == KillMode::kControlGroup ||
                         (signo == SIGKILL && mode == KillMode::kMixed));
  if (whole) {
    for (pid_t g : e.groups) world_.Kill(-g, signo);
    // And the sessions' members in groups of their own (setpgid).
    for (const SupervisorWorld::Member& m : world_.SessionMembers(e.sessions)) {
      world_.Kill(m.pid, signo);
    }
    return;
  }
  pid_t target =
      service.main_pid() != 0 ? service.main_pid() : service.step_pid();
  if (target != 0) world_.Kill(target, signo);
}

fault::StatusOr<pid_t> Supervisor::MainPidOf(Service& service) {
  Entry& e = EntryOf(service);
  const std::string& path = e.unit.pid_file;
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
  if (auto owner = owners_.find(pid);
      owner != owners_.end() && owner->second != e.unit.name) {
    return fault::PermissionDeniedError(
        absl::StrCat("PIDFile= ", path, " names pid ", pid, ", which is ",
                     owner->second, "'s: not a process of this service"));
  }
  // The daemon is (or becomes, once orphaned) faultinit's child: its exit
  // arrives through orphan reaping, routed here by owners_.
  e.pids.insert(pid);
  owners_[pid] = e.unit.name;
  pid_t group = getpgid(pid);
  if (group > 0) e.groups.insert(group);
  pid_t session = getsid(pid);
  if (session > 0 && session != getsid(0)) e.sessions.insert(session);
  log_.Info(e.unit.name, ": main process is pid ", pid, " (from ", path, ")");
  return pid;
}

bool Supervisor::HasProcesses(Service& service) {
  Entry& e = EntryOf(service);
  for (auto it = e.groups.begin(); it != e.groups.end();) {
    if (world_.Kill(-*it, 0) != 0 && errno == ESRCH) {
      it = e.groups.erase(it);
    } else {
      ++it;
    }
  }
  PruneSessions(e);
  // KillMode=process signals the main process only, and the stop waits for
  // no more than it signals: the rest is left running, as systemd leaves
  // it (else the stop would wait for ever). Only what faultinit spawned,
  // or took from the PID file, counts.
  if (e.unit.kill_mode == KillMode::kProcess) return !e.pids.empty();
  return !e.pids.empty() || !e.groups.empty() || !e.sessions.empty();
}

void Supervisor::PruneSessions(Entry& e) {
  // A session whose leader's group still exists is not empty: the group
  // is in it. Only the others need /proc, so most calls scan nothing.
  std::set<pid_t> unsure;
  for (pid_t id : e.sessions) {
    if (world_.Kill(-id, 0) != 0 && errno == ESRCH) unsure.insert(id);
  }
  if (unsure.empty()) return;
  std::set<pid_t> live;
  for (const SupervisorWorld::Member& m : world_.SessionMembers(unsure)) {
    live.insert(m.session);
  }
  for (pid_t id : unsure) {
    if (live.count(id) == 0) e.sessions.erase(id);
  }
}

void Supervisor::ArmTimer(Service& service, fault::Duration after) {
  Entry& e = EntryOf(service);
  if (e.timer != 0) world_.Cancel(e.timer);
  const std::string name = service.name();
  e.timer = world_.After(after, [this, name] {
    Entry& entry = *entries_[name];
    entry.timer = 0;
    entry.service->TimerFired();
    CheckStopped(entry);
    dirty_ = true;
  });
}

void Supervisor::CancelTimer(Service& service) {
  Entry& e = EntryOf(service);
  if (e.timer != 0) world_.Cancel(e.timer);
  e.timer = 0;
}

void Supervisor::StateChanged(Service& service, ServiceState from,
                              ServiceState to) {
  dirty_ = true;
  const std::string& name = service.name();
  switch (to) {
    case ServiceState::kRunning:
      log_.Info(name, ": running");
      return;
    case ServiceState::kFailed:
      log_.Warning(name, ": failed: ", service.reason());
      return;
    case ServiceState::kRestarting:
      // A start short of resources is logged once per episode: the first
      // failure as a warning, the retries at debug level, until a main
      // process is spawned again.
      if (service.start_failures() == 1) {
        log_.Warning(name, ": ", service.reason(), "; retrying in ",
                     fault::FormatTimeSpan(service.restart_delay()),
                     " with back-off, not logged again until a start "
                     "succeeds");
      } else if (service.start_failures() > 1) {
        log_.Debug(name, ": start attempt ", service.start_failures(),
                   " failed; retrying in ",
                   fault::FormatTimeSpan(service.restart_delay()));
      } else {
        log_.Info(name, ": ", service.reason(), "; restarting in ",
                  fault::FormatTimeSpan(service.restart_delay()));
      }
      return;
    case ServiceState::kInactive:
      if (from == ServiceState::kStarting || from == ServiceState::kRunning) {
        log_.Info(name, ": finished (", service.reason(), ")");
      } else if (from == ServiceState::kStopping) {
        log_.Info(name, ": stopped");
      }
      return;
    case ServiceState::kStarting:
    case ServiceState::kStopping:
      log_.Debug(name, ": ", ServiceStateName(to));
      return;
  }
}

fault::Duration Supervisor::Now() { return world_.Now(); }

void Supervisor::CheckStopped(Entry& entry) {
  if (entry.service->state() == ServiceState::kStopping &&
      !HasProcesses(*entry.service)) {
    entry.service->ProcessesGone();
  }
}

void Supervisor::OnProcessExit(std::string name,
                               const fault::ExitStatus& status) {
  Entry& e = *entries_[name];
  // What the process wrote comes before the news of its end, and so do its
  // notifications (a READY=1 written just before it died counts).
  ReadOutput(e, kOutputBudget);
  for (int i = 0; i < 16 && ReadNotification(e); ++i) {
  }
  e.pids.erase(status.pid);
  owners_.erase(status.pid);
  PruneSessions(e);  // the step's session may have ended with it
  log_.Debug(name, ": pid ", status.pid, " ended with ", status.ToString());
  e.service->ProcessExited(status.pid, status);
  CheckStopped(e);
  dirty_ = true;
}

void Supervisor::OnOrphan(const fault::ExitStatus& status) {
  auto owner = owners_.find(status.pid);
  if (owner != owners_.end()) {
    OnProcessExit(owner->second, status);
    return;
  }
  if (log_.Enabled(LogLevel::kDebug)) {  // ToString allocates: skip it
    log_.Debug("reaped orphan ", status.pid, " (", status.ToString(), ")");
  }
  for (auto& [name, e] : entries_) {
    // The orphan may have been the last of a session whose leader is gone.
    PruneSessions(*e);
    CheckStopped(*e);
  }
  dirty_ = true;
}

void Supervisor::OnNotify() {
  for (const NotifySocket::Received& r : notify_->ReadAll()) {
    // From the main process, or any process in the service's groups
    // (a helper such as `faultctl notify` run by its shell), while alive.
    const pid_t group = r.pid > 0 ? getpgid(r.pid) : -1;
    for (auto& [name, e] : entries_) {
      if (r.pid <= 0 || (e->service->main_pid() != r.pid &&
                         (group <= 0 || e->groups.count(group) == 0))) {
        continue;
      }
      ApplyNotification(*e, r.message);
    }
  }
}

void Supervisor::ApplyNotification(Entry& e, const NotifyMessage& message) {
  if (message.status) e.status_text = *message.status;
  if (message.ready) {
    ReadOutput(e, kOutputBudget);  // what it wrote before READY=1
    e.service->Ready();
  }
  dirty_ = true;
}

fault::Status Supervisor::WatchNotification(Entry& e, fault::UniqueFd read) {
  CloseNotification(e);  // a previous instance's
  if (fcntl(read.get(), F_SETFL, O_NONBLOCK) != 0) {
    return fault::ErrnoToStatus(errno, "unable to watch NotificationFd=");
  }
  const std::string name = e.unit.name;
  FAULT_ASSIGN_OR_RETURN(fault::Scheduler::WatchId watch,
                         scheduler_.OnReadable(read.get(), [this, name] {
                           (void)ReadNotification(*entries_[name]);
                         }));
  e.notification = std::make_unique<NotificationPipe>();
  e.notification->fd = std::move(read);
  e.notification->watch = watch;
  return fault::OkStatus();
}

bool Supervisor::ReadNotification(Entry& e) {
  if (!e.notification) return false;
  // One read per wakeup: the loop comes back while more is buffered.
  char buffer[256];
  ssize_t n = read(e.notification->fd.get(), buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
  if (n <= 0) {  // every holder of the write end is gone
    CloseNotification(e);
    return false;
  }
  // The ended lines are taken out before acting on them: acting may end
  // the service, and its pipe with it.
  std::string& pending = e.notification->line;
  pending.append(buffer, static_cast<size_t>(n));
  const size_t ended = pending.rfind('\n') + 1;  // 0 when none
  std::string lines = pending.substr(0, ended);
  pending.erase(0, ended);
  if (pending.size() > kMaxNotifyDatagram) {
    log_.Warning(e.unit.name, ": NotificationFd=", e.unit.notification_fd,
                 ": a line longer than ", kMaxNotifyDatagram,
                 " bytes; the descriptor is no longer read");
    CloseNotification(e);
  }
  for (absl::string_view line : absl::StrSplit(lines, '\n')) {
    if (line.data() == lines.data() + lines.size()) break;  // after the last
    NotifyMessage message;
    if (line.empty()) {
      message.ready = true;  // s6's protocol: a bare newline
    } else {
      message = ParseNotifyMessage(line);
    }
    ApplyNotification(e, message);
  }
  return e.notification != nullptr;
}

void Supervisor::CloseNotification(Entry& e) {
  if (!e.notification) return;
  scheduler_.Cancel(e.notification->watch);
  e.notification.reset();
}

fault::Status Supervisor::StartService(absl::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second->removed) {
    return fault::NotFoundError(absl::StrCat("no such service: ", name));
  }
  Entry& e = *it->second;
  e.stop_requested = false;
  if (!e.load_error.empty()) {
    e.service->Refuse(e.load_error);
  } else if (!shutting_down_) {
    e.pending_start = true;
  }
  dirty_ = true;
  return fault::OkStatus();
}

fault::Status Supervisor::StopService(absl::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    return fault::NotFoundError(absl::StrCat("no such service: ", name));
  }
  // A unit a reload removed is listed until its processes are gone, and a
  // stop of it then holds too: a reload that brings it back before that
  // gives it the changed path, which keeps a requested stop.
  it->second->stop_requested = true;
  it->second->pending_start = false;
  it->second->service->Stop();
  dirty_ = true;
  return fault::OkStatus();
}

fault::Status Supervisor::RestartService(absl::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second->removed) {
    return fault::NotFoundError(absl::StrCat("no such service: ", name));
  }
  FAULT_RETURN_IF_ERROR(StopService(name));
  return StartService(name);
}

bool Supervisor::Busy(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return false;
  const Entry& e = *it->second;
  ServiceState state = e.service->state();
  return e.pending_start || e.replacement != nullptr ||
         state == ServiceState::kStarting || state == ServiceState::kStopping ||
         state == ServiceState::kRestarting;
}

ServiceView Supervisor::RowOf(const Entry& e) {
  const Service& s = *e.service;
  return ServiceView{
      e.unit.name,       s.state(),
      s.main_pid(),      s.since(),
      s.restarts(),      s.last_exit().pid != 0 ? s.last_exit().ToString() : "",
      s.reason(),        e.status_text,
      e.unit.description};
}

// One lookup: the control server asks this after every loop dispatch while
// a client waits, so it does not build the whole table.
std::optional<ServiceView> Supervisor::View(absl::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return RowOf(*it->second);
}

std::vector<ServiceView> Supervisor::Status() const {
  std::vector<ServiceView> rows;
  for (const std::string& name : order_)
    rows.push_back(RowOf(*entries_.at(name)));
  return rows;
}

std::vector<std::string> Supervisor::Log(absl::string_view name,
                                         size_t n) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return {};
  return it->second->ring.Lines(n);
}

}  // namespace faultinit
