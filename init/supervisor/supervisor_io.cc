// Supervisor: the services' output and notifications. Journal output
// (StandardOutput=journal) is a pipe per service, read at most
// kOutputBudget bytes per wake-up, logged as "[name] line" and kept in the
// entry's ring; sd_notify datagrams on NOTIFY_SOCKET are routed by the
// sender's pid or process group; a NotificationFd= pipe is read one line
// per notification. The files StandardOutput= and StandardError= name are
// opened here too (OpenOutputTarget), never waiting.
//
// Descriptors: PID 1 keeps one per service for its output, the pipe's
// read end, and none once every writer is gone (end of file). Each spawn
// gets a write end of its own, opened through /proc/self/fd/N of the read
// end and closed by PID 1 once the child has it: processes a service left
// behind keep writing into the same pipe, read as before. Without /proc
// the write end is kept as well, for the next spawns (two descriptors).

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_entry.h"
#include "init/support/output_forward.h"
#include "init/support/service_files.h"

namespace faultinit {

fault::StatusOr<fault::UniqueFd> OpenOutputTarget(const OutputTarget& target,
                                                  absl::string_view key) {
  switch (target.kind) {
    case OutputTarget::Kind::kJournal:
    case OutputTarget::Kind::kInherit:
    case OutputTarget::Kind::kKmsg:
    case OutputTarget::Kind::kSyslog:
    case OutputTarget::Kind::kJournalConsole:
    case OutputTarget::Kind::kKmsgConsole:
    case OutputTarget::Kind::kSyslogConsole:
      return fault::UniqueFd();  // the journal's pipe, or faultinit's own
    case OutputTarget::Kind::kTty:
      return fault::UniqueFd();  // opened by the child (spawn.h terminal)
    case OutputTarget::Kind::kSocket:
      return fault::UniqueFd();  // socket activation's (StartStep)
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

namespace {

// /proc/self/fd/N of descriptor `fd`.
std::string ProcFdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

// ReopenWriteEnd opens a write end of the pipe whose read end is `read`:
// opening /proc/self/fd/N of a pipe opens the pipe itself (as a FIFO is
// opened), and with its reader open here it never waits.
fault::StatusOr<fault::UniqueFd> ReopenWriteEnd(int read) {
  fault::UniqueFd write(
      open(ProcFdPath(read).c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
  if (!write) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to open the output pipe for writing "
                            "through ",
                            ProcFdPath(read)));
  }
  return write;
}

// ProcReopens: whether /proc can give the write end of `read`'s pipe
// again. Once it could, it is taken to stay so (PID 1 keeps /proc mounted
// while services run; a /proc gone later fails that reopen, as it does
// for a pipe made before): a start wave looks /proc up once, not once per
// service (issue #26: a lookup through /proc/self was a twentieth of PID
// 1's start-up CPU). A missing /proc is looked for again at each pipe.
bool ProcReopens(int read) {
  static bool seen = false;
  if (!seen) seen = access(ProcFdPath(read).c_str(), F_OK) == 0;
  return seen;
}

}  // namespace

fault::StatusOr<int> Supervisor::OpenOutput(Entry& entry,
                                            fault::UniqueFd& write) {
  if (entry.output) {
    if (entry.output_write() >= 0) return entry.output_write();  // no /proc
    // Still read: a process of the service holds a write end.
    FAULT_ASSIGN_OR_RETURN(write, ReopenWriteEnd(entry.output->reader.fd()));
    return write.get();
  }
  FAULT_ASSIGN_OR_RETURN(fault::Pipe pipe, fault::MakePipe());
  FAULT_ASSIGN_OR_RETURN(OutputReader reader,
                         OutputReader::Create(std::move(pipe.read)));
  auto output = std::make_unique<OutputPipe>(std::move(reader));
  // The entry outlives the watch: it is cancelled before an erase.
  FAULT_ASSIGN_OR_RETURN(
      output->watch, scheduler_.OnReadable(output->reader.fd(), [this, &entry] {
        ReadOutput(entry, kOutputBudget);
      }));
  // Only the read end is kept where /proc can give a write end again for
  // the next spawn; else (no /proc) the write end too, as the pipe must
  // outlive any one spawn: it is never at end of file then.
  entry.output = std::move(output);
  if (!ProcReopens(entry.output->reader.fd())) {
    entry.MutableExtras().output_write = std::move(pipe.write);
    write.Reset();
    return entry.output_write();
  }
  write = std::move(pipe.write);
  return write.get();
}

namespace {

// PipeSink: where the lines of `x`'s journal pipe go: StandardOutput='s
// kind when it is read from the pipe, else StandardError='s. (One pipe
// serves both: a unit that sends them to two different such places gets
// StandardOutput='s for both, docs/units.md.)
OutputTarget::Kind PipeSink(const SpawnExtras& x) {
  if (ThroughJournalPipe(x.standard_output.kind)) return x.standard_output.kind;
  if (x.standard_error.kind == OutputTarget::Kind::kInherit) {
    return x.standard_output.kind;
  }
  return x.standard_error.kind;
}

// Forwarded: lines read from the pipe leave faultinit (kmsg, syslog, the
// console), carrying an identifier.
bool Forwarded(OutputTarget::Kind sink) {
  using Kind = OutputTarget::Kind;
  return sink == Kind::kKmsg || sink == Kind::kKmsgConsole ||
         sink == Kind::kSyslog || sink == Kind::kSyslogConsole ||
         sink == Kind::kJournalConsole;
}

}  // namespace

void Supervisor::NoteOutputProgram(Entry& e, const std::string& path) {
  if (!e.output || !Forwarded(PipeSink(e.settings.extras()))) return;
  e.MutableExtras().output_program = std::make_unique<std::string>(
      path.substr(path.rfind('/') + 1));  // npos + 1: 0
}

void Supervisor::ReadOutput(Entry& e, size_t budget) {
  if (!e.output) return;
  const std::string& name = e.service->name();
  const SpawnExtras& x = e.settings.extras();
  const absl::string_view ident =
      x.rare().io.syslog_identifier.empty()
          ? absl::string_view(name)
          : absl::string_view(x.rare().io.syslog_identifier);
  using Kind = OutputTarget::Kind;
  const Kind sink = PipeSink(x);
  const bool kmsg = sink == Kind::kKmsg || sink == Kind::kKmsgConsole;
  const bool syslog = sink == Kind::kSyslog || sink == Kind::kSyslogConsole;
  const bool console = Forwarded(sink) && !kmsg && !syslog;
  const pid_t pid = e.service->main_pid() != 0 ? e.service->main_pid()
                                               : e.service->step_pid();
  static const ForwardPaths* const kPaths = new ForwardPaths();
  std::string forward_ident;  // declared first: it outlives `forward`
  std::optional<OutputForwarder> forward;
  if (kmsg || syslog || console) {
    // Without SyslogIdentifier=, what leaves faultinit carries the
    // command's file name, as systemd's; faultinit's log keeps the unit's.
    // (A copy: the pipe may end, and be freed, before the forwarder.)
    forward_ident =
        !x.rare().io.syslog_identifier.empty() || !e.output_program()
            ? std::string(ident)
            : *e.output_program();
    forward.emplace(forward_ident, pid,
                    x.rare().io.syslog_facility * 8 + x.rare().io.syslog_level,
                    *kPaths);
  }
  bool ended = e.output->reader.ReadAvailable(
      budget, [&](absl::string_view line, bool truncated) {
        const std::string text =
            truncated ? absl::StrCat(line, " [truncated]") : std::string(line);
        bool journal = !kmsg && !syslog;
        if (kmsg) (void)forward->Kmsg(text);
        if (syslog) {
          if (fault::Status sent = forward->Syslog(text); !sent.ok()) {
            // Nothing listens (or it takes nothing now): faultinit's log
            // has the line, and says why once per start of the service.
            journal = true;
            if (!e.syslog_fallback_said) {
              e.syslog_fallback_said = true;
              log_.Warning(name, ": StandardOutput=syslog: ", sent.message(),
                           "; its lines go to faultinit's log");
            }
          }
        }
        if (console) (void)forward->Console(text);
        if (journal) log_.Output(absl::StrCat("[", ident, "] ", text));
        e.ring.Append(line);
        if (line_listener_) line_listener_(name, line);
      });
  if (ended) {
    // No process holds a write end (or the pipe failed): the next spawn
    // makes a new pipe, so PID 1 holds no descriptor, and no block, for
    // output meanwhile.
    scheduler_.Cancel(e.output->watch);
    e.output.reset();
    if (e.extras) {
      e.extras->output_program.reset();
      e.extras->output_write.Reset();
      e.DropEmptyExtras();
    }
  }
}

void Supervisor::DrainOutput() {
  // Services are gone; what they wrote is bounded by the pipe buffers.
  for (auto& [name, e] : entries_) ReadOutput(*e, 1 << 20);
}

void Supervisor::OnNotify() {
  for (const NotifySocket::Received& r : notify_->ReadAll()) {
    if (r.pid <= 0) continue;
    // NotifyAccess= (systemd's meaning): the sender's pid, from
    // SCM_CREDENTIALS, must be the main process (main), or one faultinit
    // spawned for the service (exec: its ExecStartPre=, ExecStop=...
    // commands too), or any process of the service (all: also what those
    // forked, in their process groups or sessions), while alive.
    pid_t group = -2;    // not looked up yet
    pid_t session = -2;  // idem
    bool credited = false;
    for (auto& [name, e] : entries_) {
      const NotifyAccess access = e->settings.notify_access;
      if (access == NotifyAccess::kNone || access == NotifyAccess::kDefault) {
        continue;
      }
      bool allowed = e->service->main_pid() == r.pid;
      if (!allowed && access != NotifyAccess::kMain) {
        allowed = e->pids().count(r.pid) != 0;
      }
      if (!allowed && access == NotifyAccess::kAll) {
        if (group == -2) group = getpgid(r.pid);
        if (session == -2) session = getsid(r.pid);
        allowed = (group > 0 && e->groups().count(group) != 0) ||
                  (session > 0 && e->sessions().count(session) != 0);
      }
      if (!allowed) continue;
      credited = true;
      ApplyNotification(*e, r.message);
    }
    if (!credited) {
      log_.Debug("notification from pid ", r.pid,
                 " ignored: no service's NotifyAccess= allows it");
    }
  }
}

void Supervisor::ApplyNotification(Entry& e, const NotifyMessage& message) {
  if (message.status) {
    Entry::Extras& x = e.MutableExtras();
    if (x.status_text) {
      *x.status_text = *message.status;
    } else {
      x.status_text = std::make_unique<std::string>(*message.status);
    }
  }
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
  // The entry outlives the watch: CloseNotification cancels it before an
  // erase.
  FAULT_ASSIGN_OR_RETURN(fault::Scheduler::WatchId watch,
                         scheduler_.OnReadable(read.get(), [this, &e] {
                           (void)ReadNotification(e);
                         }));
  auto pipe = std::make_unique<NotificationPipe>();
  pipe->fd = std::move(read);
  pipe->watch = watch;
  e.MutableExtras().notification = std::move(pipe);
  return fault::OkStatus();
}

bool Supervisor::ReadNotification(Entry& e) {
  if (!e.notification()) return false;
  // One read per wakeup: the loop comes back while more is buffered.
  char buffer[256];
  ssize_t n = read(e.notification()->fd.get(), buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
  if (n <= 0) {  // every holder of the write end is gone
    CloseNotification(e);
    return false;
  }
  // The ended lines are taken out before acting on them: acting may end
  // the service, and its pipe with it.
  std::string& pending = e.notification()->line;
  pending.append(buffer, static_cast<size_t>(n));
  const size_t ended = pending.rfind('\n') + 1;  // 0 when none
  std::string lines = pending.substr(0, ended);
  pending.erase(0, ended);
  if (pending.size() > kMaxNotifyDatagram) {
    log_.Warning(e.service->name(),
                 ": NotificationFd=", e.settings.notification_fd,
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
  return e.notification() != nullptr;
}

void Supervisor::CloseNotification(Entry& e) {
  if (!e.notification()) return;
  scheduler_.Cancel(e.notification()->watch);
  e.extras->notification.reset();
  e.DropEmptyExtras();
}

}  // namespace faultinit
