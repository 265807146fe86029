#include "init/ctl/systemctl.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "init/control/protocol.h"
#include "init/control/request.h"
#include "init/control/response.h"
#include "init/ctl/client.h"
#include "init/ctl/format.h"
#include "init/ctl/systemctl_command.h"
#include "init/ctl/systemctl_install.h"
#include "init/ctl/systemctl_state.h"
#include "init/version.h"
#include "runtime/control.h"
#include "runtime/fd.h"
#include "runtime/invocation.h"
#include "runtime/pidfd.h"

// pidfd_send_signal(2) is 424 on every architecture (older libcs lack the
// name).
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

namespace faultinit::systemctl {
namespace {

using faultctl::DisplayText;

using control::ErrorLine;
using control::ResponseLine;
using control::ResultRow;
using control::StatusRow;
using control::Verb;

const absl::string_view kImportedVariables[] = {faultctl::kSocketVariable};

// The name errors are shown under: "systemctl", or "faultctl" when
// faultctl runs a unit file verb (RunUnitFileCommand).
absl::string_view program_name = "systemctl";

void PrintError(absl::string_view message) {
  fault::WriteString(STDERR_FILENO,
                     absl::StrCat(program_name, ": ", message, "\n"));
}

void Print(absl::string_view text) { fault::WriteString(STDOUT_FILENO, text); }

// Answer: what faultinit answered one request. `failure` set: it could
// not be asked or answered malformed (already printed); else `error` for
// ERR, or the lines after OK.
struct Answer {
  bool failure = false;
  std::optional<ErrorLine> error;
  std::vector<ResponseLine> body;
};

class Client {
 public:
  explicit Client(std::string socket) : socket_(std::move(socket)) {}

  // Ask sends one request and collects the answer; a failure to connect,
  // to exchange or to decode is printed here.
  // `peer`, when given, receives faultinit's PID as this process's PID
  // namespace sees it (SO_PEERCRED; 0 when it cannot see it).
  Answer Ask(Verb verb, std::vector<std::string> names, bool nowait = false,
             pid_t* peer = nullptr) {
    Answer answer;
    control::Request request;
    request.verb = verb;
    request.names = std::move(names);
    request.nowait = nowait && control::TakesNowait(verb);
    fault::StatusOr<std::string> line = control::EncodeRequest(request);
    if (!line.ok()) {
      PrintError(line.status().message());
      answer.failure = true;
      return answer;
    }
    fault::StatusOr<faultctl::Connection> connection =
        faultctl::Connection::Connect(socket_);
    if (!connection.ok()) {
      PrintError(connection.status().message());
      answer.failure = true;
      return answer;
    }
    if (peer != nullptr) {
      struct ucred cred = {};
      socklen_t length = sizeof cred;
      *peer = getsockopt(connection->fd(), SOL_SOCKET, SO_PEERCRED, &cred,
                         &length) == 0
                  ? cred.pid
                  : 0;
    }
    bool first = true;
    fault::Status status = connection->Exchange(
        *line, [&](absl::string_view text) -> fault::Status {
          FAULT_ASSIGN_OR_RETURN(ResponseLine decoded,
                                 control::DecodeResponseLine(text));
          if (first) {
            first = false;
            if (auto* e = std::get_if<ErrorLine>(&decoded)) {
              answer.error = std::move(*e);
              return fault::OkStatus();
            }
            if (std::holds_alternative<control::OkLine>(decoded)) {
              return fault::OkStatus();
            }
            return fault::InvalidArgumentError(
                "malformed response: the first line is neither OK nor ERR");
          }
          if (answer.error.has_value() ||
              std::holds_alternative<control::OkLine>(decoded) ||
              std::holds_alternative<ErrorLine>(decoded)) {
            return fault::InvalidArgumentError(
                "malformed response: OK or ERR after the first line");
          }
          answer.body.push_back(std::move(decoded));
          return fault::OkStatus();
        });
    if (!status.ok() || first) {
      PrintError(status.ok() ? absl::StrCat("faultinit at ", socket_,
                                            " closed the connection "
                                            "without answering")
                             : std::string(status.message()));
      answer.failure = true;
    }
    return answer;
  }

  // Row: one service's status row; nullopt when faultinit has no such
  // service. `*failed` is set when faultinit could not be asked.
  std::optional<StatusRow> Row(const std::string& name, bool* failed,
                               pid_t* peer = nullptr) {
    Answer a = Ask(Verb::kStatus, {name}, false, peer);
    if (a.failure) {
      *failed = true;
      return std::nullopt;
    }
    if (a.error.has_value()) {
      if (a.error->code != control::ErrorCode::kUnknown) {
        PrintError(DisplayText(a.error->message));
        *failed = true;
      }
      return std::nullopt;
    }
    for (const ResponseLine& line : a.body) {
      if (const auto* row = std::get_if<StatusRow>(&line)) return *row;
    }
    return std::nullopt;
  }

  // Rows: every service's row; nullopt when faultinit could not be asked.
  std::optional<std::vector<StatusRow>> Rows() {
    Answer a = Ask(Verb::kStatus, {});
    if (a.failure) return std::nullopt;
    if (a.error.has_value()) {
      PrintError(DisplayText(a.error->message));
      return std::nullopt;
    }
    std::vector<StatusRow> rows;
    for (const ResponseLine& line : a.body) {
      if (const auto* row = std::get_if<StatusRow>(&line)) rows.push_back(*row);
    }
    return rows;
  }

 private:
  std::string socket_;
};

// ReachedGoal: whether a service's outcome is what the verb asked for (as
// faultctl's: a oneshot that ran is inactive without a message).
bool ReachedGoal(Verb verb, bool no_block, const ResultRow& row) {
  if (verb == Verb::kStop) {
    return no_block || row.state == "inactive" || row.state == "failed";
  }
  if (verb == Verb::kReload) {
    return row.state == "running" && row.message.empty();
  }
  if (no_block) return row.state != "failed";
  return row.state == "running" ||
         (row.state == "inactive" && row.message.empty());
}

absl::string_view JobWord(Verb verb) {
  switch (verb) {
    case Verb::kStop:
      return "stop";
    case Verb::kRestart:
      return "restart";
    case Verb::kReload:
      return "reload";
    default:
      return "start";
  }
}

// Transition: start, stop, restart or reload NAMES, answered as systemctl
// answers a job: nothing on success; "Job for X.service failed." when a
// service did not reach the goal.
int Transition(Client& client, Verb verb, const std::vector<std::string>& names,
               bool no_block) {
  if (names.empty()) return kExitSuccess;
  Answer a = client.Ask(verb, names, no_block);
  if (a.failure) return kExitFailure;
  if (a.error.has_value()) {
    PrintError(absl::StrCat("Failed to ", JobWord(verb), " ",
                            names.size() == 1 ? UnitName(names[0]) : "units",
                            ": ", DisplayText(a.error->message)));
    return ErrorExitStatus(*a.error);
  }
  int result = kExitSuccess;
  for (const ResponseLine& line : a.body) {
    const auto* row = std::get_if<ResultRow>(&line);
    if (row == nullptr) continue;
    if (!ReachedGoal(verb, no_block, *row)) {
      PrintError(absl::StrCat("Job for ", DisplayText(UnitName(row->name)),
                              " failed: ", DisplayText(row->state),
                              row->message.empty() ? "" : ": ",
                              DisplayText(row->message)));
      result = kExitFailure;
    }
  }
  return result;
}

// Isolate: `isolate TARGET` (and `default`, `rescue`): a start job in
// systemd's isolate mode, answered as Transition answers a start; the
// target named by its own name ("rescue.target").
int Isolate(Client& client, const std::string& target, bool no_block) {
  Answer a = client.Ask(Verb::kIsolate, {target}, no_block);
  if (a.failure) return kExitFailure;
  if (a.error.has_value()) {
    PrintError(absl::StrCat("Failed to start ", DisplayText(target), ": ",
                            DisplayText(a.error->message)));
    return ErrorExitStatus(*a.error);
  }
  for (const ResponseLine& line : a.body) {
    const auto* row = std::get_if<ResultRow>(&line);
    if (row != nullptr && !ReachedGoal(Verb::kStart, no_block, *row)) {
      PrintError(absl::StrCat(
          "Job for ", DisplayText(target), " failed: ", DisplayText(row->state),
          row->message.empty() ? "" : ": ", DisplayText(row->message)));
      return kExitFailure;
    }
  }
  return kExitSuccess;
}

// TryRestart: restart those of `units` that are active or activating.
int TryRestart(Client& client, const SystemctlCommand& c) {
  std::vector<std::string> up;
  for (const std::string& name : c.units) {
    bool failed = false;
    std::optional<StatusRow> row = client.Row(name, &failed);
    if (failed) return kExitFailure;
    if (!row.has_value()) {
      PrintError(absl::StrCat("Failed to try-restart ", UnitName(name),
                              ": Unit ", UnitName(name), " not found."));
      return kExitNotInstalled;
    }
    const std::string state = ActiveState(row);
    if (state == "active" || state == "activating") up.push_back(name);
  }
  return Transition(client, Verb::kRestart, up, c.no_block);
}

// ReloadOrRestart: each unit: start when not active; else reload, or
// restart when it has no ExecReload=.
int ReloadOrRestart(Client& client, const SystemctlCommand& c) {
  int result = kExitSuccess;
  for (const std::string& name : c.units) {
    bool failed = false;
    std::optional<StatusRow> row = client.Row(name, &failed);
    if (failed) return kExitFailure;
    int r;
    if (!row.has_value()) {
      PrintError(absl::StrCat("Failed to reload-or-restart ", UnitName(name),
                              ": Unit ", UnitName(name), " not found."));
      r = kExitNotInstalled;
    } else if (ActiveState(row) != "active") {
      r = Transition(client, Verb::kStart, {name}, c.no_block);
    } else {
      Answer a = client.Ask(Verb::kReload, {name});
      if (a.failure) return kExitFailure;
      if (a.error.has_value() &&
          ErrorExitStatus(*a.error) == kExitNotImplemented) {
        r = Transition(client, Verb::kRestart, {name}, c.no_block);
      } else if (a.error.has_value()) {
        PrintError(absl::StrCat("Failed to reload ", UnitName(name), ": ",
                                DisplayText(a.error->message)));
        r = ErrorExitStatus(*a.error);
      } else {
        r = kExitSuccess;
        for (const ResponseLine& line : a.body) {
          const auto* rr = std::get_if<ResultRow>(&line);
          if (rr != nullptr && rr->name == name &&
              !ReachedGoal(Verb::kReload, false, *rr)) {
            PrintError(absl::StrCat("Job for ", UnitName(name), " failed."));
            r = kExitFailure;
          }
        }
      }
    }
    if (result == kExitSuccess) result = r;
  }
  return result;
}

int Status(Client& client, const SystemctlCommand& c) {
  if (c.units.empty()) {
    std::optional<std::vector<StatusRow>> rows = client.Rows();
    if (!rows.has_value()) return kExitFailure;
    std::string text;
    for (const StatusRow& row : *rows) {
      if (!text.empty()) text += "\n";
      text += FormatServiceStatus(row);
    }
    Print(text);
    return kExitSuccess;
  }
  int result = kExitSuccess;
  bool printed = false;
  for (const std::string& name : c.units) {
    bool failed = false;
    std::optional<StatusRow> row = client.Row(name, &failed);
    if (failed) return kExitFailure;
    if (!row.has_value() && MaskedUnit(UnitName(name))) {
      // Not loaded because masked: systemctl's block for a masked unit.
      Print(absl::StrCat(
          printed ? "\n" : "", "\xe2\x97\x8b ", DisplayText(UnitName(name)),
          "\n     Loaded: masked (Reason: Unit ", DisplayText(UnitName(name)),
          " is masked.)\n     Active: inactive (dead)\n"));
      printed = true;
      if (result == kExitSuccess) result = kExitNotRunning;
      continue;
    }
    if (!row.has_value()) {
      PrintError(absl::StrCat("Unit ", UnitName(name), " could not be found."));
      if (result == kExitSuccess) result = kExitNoSuchUnitStatus;
      continue;
    }
    Print(absl::StrCat(printed ? "\n" : "", FormatServiceStatus(*row)));
    printed = true;
    if (ActiveState(row) != "active" && result == kExitSuccess) {
      result = kExitNotRunning;
    }
  }
  return result;
}

// IsState: is-active and is-failed: each unit's ActiveState, one a line.
int IsState(Client& client, const SystemctlCommand& c) {
  std::vector<std::string> states;
  std::string text;
  for (const std::string& name : c.units) {
    bool failed = false;
    std::optional<StatusRow> row = client.Row(name, &failed);
    if (failed) return kExitFailure;
    states.push_back(ActiveState(row));
    absl::StrAppend(&text, states.back(), "\n");
  }
  if (!c.quiet) Print(text);
  return c.verb == SystemctlVerb::kIsActive ? IsActiveExit(states)
                                            : IsFailedExit(states);
}

// IsSystemRunning: "running" (0); "degraded" (1) when a service failed;
// "offline" (1) when faultinit cannot be reached. faultinit does not
// report boot or shutdown in progress, so never "starting"/"stopping".
int IsSystemRunning(Client& client, const SystemctlCommand& c) {
  std::optional<std::vector<StatusRow>> rows = client.Rows();
  std::string state = "running";
  if (!rows.has_value()) {
    state = "offline";
  } else {
    for (const StatusRow& row : *rows) {
      if (row.state == "failed") state = "degraded";
    }
  }
  if (!c.quiet) Print(absl::StrCat(state, "\n"));
  return state == "running" ? kExitSuccess : kExitFailure;
}

// DaemonReload: systemd's daemon-reload (the `daemon-reload` request):
// units re-read, none started, stopped or restarted; silent but for the
// unit files' errors and warnings.
int DaemonReload(Client& client) {
  Answer a = client.Ask(Verb::kDaemonReload, {});
  if (a.failure) return kExitFailure;
  if (a.error.has_value()) {
    PrintError(absl::StrCat("Failed to reload daemon: ",
                            DisplayText(a.error->message)));
    return kExitFailure;
  }
  for (const ResponseLine& line : a.body) {
    if (const auto* d = std::get_if<control::DiagnosticLine>(&line)) {
      fault::WriteString(STDERR_FILENO, absl::StrCat(d->text, "\n"));
    }
  }
  return kExitSuccess;
}

int ListUnits(Client& client, const SystemctlCommand& c) {
  std::optional<std::vector<StatusRow>> rows = client.Rows();
  if (!rows.has_value()) return kExitFailure;
  struct Line {
    std::string unit, active, sub, description;
  };
  std::vector<Line> lines;
  size_t unit_width = 4, active_width = 6, sub_width = 3;
  for (const StatusRow& row : *rows) {
    const std::optional<StatusRow> r = row;
    Line l{DisplayText(UnitName(row.name)), ActiveState(r), SubState(r),
           DisplayText(row.description)};
    if (!c.states.empty()) {
      bool match = false;
      for (const std::string& s : c.states) {
        if (s == l.active || s == l.sub || s == "loaded") match = true;
      }
      if (!match) continue;
    } else if (!c.all && l.active == "inactive") {
      continue;  // as systemctl: active, failed, or in a job
    }
    unit_width = std::max(unit_width, l.unit.size());
    active_width = std::max(active_width, l.active.size());
    sub_width = std::max(sub_width, l.sub.size());
    lines.push_back(std::move(l));
  }
  auto pad = [](const std::string& s, size_t width) {
    return s + std::string(width - s.size(), ' ');
  };
  std::string text;
  if (!c.no_legend) {
    text = absl::StrCat(pad("UNIT", unit_width), " LOAD   ",
                        pad("ACTIVE", active_width), " ", pad("SUB", sub_width),
                        " DESCRIPTION\n");
  }
  for (const Line& l : lines) {
    std::string line = absl::StrCat(pad(l.unit, unit_width), " loaded ",
                                    pad(l.active, active_width), " ",
                                    pad(l.sub, sub_width), " ", l.description);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&text, line, "\n");
  }
  if (!c.no_legend) {
    absl::StrAppend(&text, "\n", lines.size(), " loaded units listed.\n");
  }
  Print(text);
  return kExitSuccess;
}

int Show(Client& client, const SystemctlCommand& c) {
  std::string text;
  for (size_t i = 0; i < c.units.size(); ++i) {
    bool failed = false;
    std::optional<StatusRow> row = client.Row(c.units[i], &failed);
    if (failed) return kExitFailure;
    if (i > 0) text += "\n";
    for (const auto& [name, value] :
         ShowProperties(c.units[i], row, c.properties)) {
      // Escaped as faultctl escapes every text it shows (a STATUS= text is
      // the service's): one line, no terminal control bytes.
      const std::string shown = DisplayText(value);
      absl::StrAppend(&text, c.value ? "" : name, c.value ? "" : "=", shown,
                      "\n");
    }
  }
  Print(text);
  return kExitSuccess;
}

// SamePidNamespace: whether faultinit (`peer`, as SO_PEERCRED gave it)
// is in this process's PID namespace, so that the PIDs its status gives
// name the processes this process would signal. Compared through /proc,
// which must be the one of this namespace (a false answer otherwise: the
// kill is refused, never misdirected).
bool SamePidNamespace(pid_t peer) {
  if (peer <= 0) return false;
  struct stat mine, theirs;
  return stat("/proc/self/ns/pid", &mine) == 0 &&
         stat(absl::StrCat("/proc/", peer, "/ns/pid").c_str(), &theirs) == 0 &&
         mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino;
}

// Kill signals each unit's main process. A pidfd is opened on the PID a
// first status gave, then a second status confirms the PID is still the
// service's main process, and the signal goes through the pidfd: a PID
// reused in between is never signalled.
int Kill(Client& client, const SystemctlCommand& c) {
  int result = kExitSuccess;
  for (const std::string& name : c.units) {
    bool failed = false;
    pid_t peer = 0;
    std::optional<StatusRow> row = client.Row(name, &failed, &peer);
    if (failed) return kExitFailure;
    if (!row.has_value()) {
      PrintError(absl::StrCat("Failed to kill unit ", UnitName(name), ": Unit ",
                              UnitName(name), " not loaded."));
      return kExitNotInstalled;
    }
    if (row->pid <= 0) {
      PrintError(absl::StrCat("Failed to kill unit ", UnitName(name),
                              ": No main process to kill"));
      result = kExitFailure;
      continue;
    }
    if (!SamePidNamespace(peer)) {
      PrintError(absl::StrCat(
          "Failed to kill unit ", UnitName(name),
          ": faultinit is not in this PID namespace (or /proc is not its), "
          "so its main PID ",
          row->pid, " cannot be signalled from here"));
      return kExitFailure;
    }
    const pid_t pid = static_cast<pid_t>(row->pid);
    fault::UniqueFd pidfd = fault::OpenPidfd(pid);
    const int open_errno = errno;
    std::optional<StatusRow> again = client.Row(name, &failed);
    if (failed) return kExitFailure;
    if (!pidfd.valid() || !again.has_value() || again->pid != row->pid) {
      PrintError(absl::StrCat(
          "Failed to kill unit ", UnitName(name), ": its main process ", pid,
          pidfd.valid()
              ? " changed meanwhile"
              : absl::StrCat(" cannot be reached: ", strerror(open_errno))));
      result = kExitFailure;
      continue;
    }
    if (syscall(SYS_pidfd_send_signal, pidfd.get(), c.signal, nullptr, 0) !=
        0) {
      PrintError(absl::StrCat("Failed to kill unit ", UnitName(name), ": ",
                              strerror(errno)));
      result = kExitFailure;
    }
  }
  return result;
}

int Shutdown(Client& client, Verb verb) {
  Answer a = client.Ask(verb, {});
  if (a.failure) return kExitFailure;
  if (a.error.has_value()) {
    PrintError(DisplayText(a.error->message));
    return kExitFailure;
  }
  return kExitSuccess;
}

Verb TransitionVerb(SystemctlVerb v) {
  switch (v) {
    case SystemctlVerb::kStop:
      return Verb::kStop;
    case SystemctlVerb::kRestart:
      return Verb::kRestart;
    case SystemctlVerb::kReload:
      return Verb::kReload;
    default:
      return Verb::kStart;
  }
}

// UnitFiles: the unit file verbs, with the running faultinit (if any)
// reloaded and, for --now, starting or stopping the units.
int UnitFiles(Client& client, const std::string& socket,
              const SystemctlCommand& c) {
  InstallHooks hooks;
  hooks.reload = [&] {
    // No faultinit to reload (not running, or not at this socket): the
    // files are changed all the same, as systemctl off a running systemd.
    if (!faultctl::Connection::Connect(socket).ok()) return true;
    return DaemonReload(client) == kExitSuccess;
  };
  hooks.transition = [&](bool start, const std::vector<std::string>& names) {
    return Transition(client, start ? Verb::kStart : Verb::kStop, names,
                      c.no_block);
  };
  return RunUnitFileVerb(c, program_name, hooks);
}

int Main(const fault::Invocation& invocation) {
  fault::StatusOr<SystemctlCommand> command =
      ParseSystemctlCommandLine(invocation.argv());
  if (!command.ok()) {
    PrintError(command.status().message());
    return program_name == "systemctl" ? kExitFailure : 2;
  }
  const SystemctlCommand& c = *command;
  switch (c.action) {
    case SystemctlCommand::Action::kHelp:
      Print(kSystemctlUsage);
      return kExitSuccess;
    case SystemctlCommand::Action::kVersion:
      Print(absl::StrCat("systemctl (faultinit ", kVersion, ")\n"));
      return kExitSuccess;
    case SystemctlCommand::Action::kRun:
      break;
  }
  const std::string socket =
      faultctl::ChooseSocketPath(c.socket, invocation.environ());
  Client client(socket);
  if (IsUnitFileVerb(c.verb)) return UnitFiles(client, socket, c);
  switch (c.verb) {
    case SystemctlVerb::kStart:
    case SystemctlVerb::kStop:
    case SystemctlVerb::kRestart:
    case SystemctlVerb::kReload:
      return Transition(client, TransitionVerb(c.verb), c.units, c.no_block);
    case SystemctlVerb::kTryRestart:
      return TryRestart(client, c);
    case SystemctlVerb::kReloadOrRestart:
      return ReloadOrRestart(client, c);
    case SystemctlVerb::kStatus:
      return Status(client, c);
    case SystemctlVerb::kIsActive:
    case SystemctlVerb::kIsFailed:
      return IsState(client, c);
    case SystemctlVerb::kIsSystemRunning:
      return IsSystemRunning(client, c);
    case SystemctlVerb::kDaemonReload:
      return DaemonReload(client);
    case SystemctlVerb::kListUnits:
      return ListUnits(client, c);
    case SystemctlVerb::kShow:
      return Show(client, c);
    case SystemctlVerb::kKill:
      return Kill(client, c);
    case SystemctlVerb::kPowerOff:
      return Shutdown(client, Verb::kPowerOff);
    case SystemctlVerb::kReboot:
      return Shutdown(client, Verb::kReboot);
    case SystemctlVerb::kHalt:
      return Shutdown(client, Verb::kHalt);
    case SystemctlVerb::kIsolate:
      return Isolate(client, c.units[0], c.no_block);
    case SystemctlVerb::kDefault:
      return Isolate(client, "default.target", c.no_block);
    case SystemctlVerb::kRescue:
      return Isolate(client, "rescue.target", c.no_block);
    default:
      break;
  }
  return kExitFailure;
}

}  // namespace

bool IsUnitFileCommand(const std::vector<std::string>& argv) {
  fault::StatusOr<SystemctlCommand> c = ParseSystemctlCommandLine(argv);
  if (c.ok()) {
    return c->action == SystemctlCommand::Action::kRun &&
           IsUnitFileVerb(c->verb);
  }
  // A bad command line of one of those verbs is theirs to report.
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word == "--socket" || word == "--root") {
      ++i;  // its value
      continue;
    }
    if (word.empty() || word[0] == '-') continue;
    for (absl::string_view verb :
         {"enable", "disable", "reenable", "preset", "is-enabled", "mask",
          "unmask", "list-unit-files", "cat"}) {
      if (word == verb) return true;
    }
    return false;
  }
  return false;
}

int RunUnitFileCommand(const fault::Invocation& invocation,
                       absl::string_view program) {
  program_name = program;
  return Main(invocation);
}

void Run(int argc, char** argv, char** envp) {
  fault::Control([=] {
    fault::Invocation invocation =
        fault::Invocation::System(argc, argv, envp, kImportedVariables);
    return Main(invocation);
  });
}

}  // namespace faultinit::systemctl
