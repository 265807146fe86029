#include "init/ctl/faultctl.h"

#include <unistd.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "init/control/protocol.h"
#include "init/control/request.h"
#include "init/control/response.h"
#include "init/ctl/client.h"
#include "init/ctl/command_line.h"
#include "init/ctl/format.h"
#include "init/ctl/systemctl.h"
#include "init/ctl/systemctl_install.h"
#include "init/version.h"
#include "runtime/control.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/invocation.h"

namespace faultinit::faultctl {
namespace {

using control::ChangeLine;
using control::DecodeResponseLine;
using control::DiagnosticLine;
using control::ErrorCode;
using control::ErrorLine;
using control::LogLine;
using control::OkLine;
using control::ResponseLine;
using control::ResultRow;
using control::StatusRow;
using control::Verb;
using control::VerbName;
using fault::Status;

const absl::string_view kImportedVariables[] = {kSocketVariable,
                                                kNotifyVariable};

// How long `notify` waits for the receiver to confirm it read the message.
constexpr fault::Duration kNotifyConfirmTimeout = fault::Seconds(5);

void PrintError(absl::string_view message) {
  fault::WriteString(STDERR_FILENO, absl::StrCat("faultctl: ", message, "\n"));
}

void Print(absl::string_view text) { fault::WriteString(STDOUT_FILENO, text); }

// BodyHandler receives each response line after OK; a non-OK Status is a
// protocol error (a line the verb does not expect).
using BodyHandler = std::function<Status(const ResponseLine& line)>;

Status Unexpected(absl::string_view verb) {
  return fault::InvalidArgumentError(
      absl::StrCat("malformed response: unexpected line for ", verb));
}

int ExitStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUsage:
      return kExitUsage;
    case ErrorCode::kUnknown:
      return kExitNoSuchService;
    case ErrorCode::kBusy:
      return kExitUnreachable;
    case ErrorCode::kPermission:
    case ErrorCode::kFailed:
    case ErrorCode::kVersion:
    case ErrorCode::kOther:
      return kExitFailed;
  }
  return kExitFailed;
}

// ReportError prints an ERR line's message and returns the exit status.
int ReportError(const ErrorLine& error, absl::string_view socket) {
  // The message may quote a name or a reason a service controls.
  const std::string shown = DisplayText(error.message);
  std::string message = error.message.empty()
                            ? absl::StrCat("faultinit refused the request (",
                                           DisplayText(error.code_text), ")")
                            : shown;
  if (error.code == ErrorCode::kBusy) {
    message = absl::StrCat("cannot reach faultinit at ", socket, ": busy",
                           error.message.empty() ? "" : ": ", shown);
  }
  PrintError(message);
  return ExitStatusFor(error.code);
}

// Converse sends `request` to the socket and reads the response: OK then
// lines for `on_body`, or ERR. Returns kExitSuccess when faultinit
// answered OK and every line was accepted; otherwise prints why and
// returns the exit status.
int Converse(const std::string& socket, const std::string& request,
             absl::string_view verb, const BodyHandler& on_body) {
  fault::StatusOr<Connection> connection = Connection::Connect(socket);
  if (!connection.ok()) {
    PrintError(connection.status().message());
    return kExitUnreachable;
  }
  bool answered = false;
  std::optional<ErrorLine> error;
  Status status =
      connection->Exchange(request, [&](absl::string_view text) -> Status {
        FAULT_ASSIGN_OR_RETURN(ResponseLine line, DecodeResponseLine(text));
        const bool first = !answered;
        answered = true;
        if (first) {
          if (auto* e = std::get_if<ErrorLine>(&line)) {
            error = std::move(*e);
            return fault::OkStatus();
          }
          if (std::holds_alternative<OkLine>(line)) return fault::OkStatus();
          return fault::InvalidArgumentError(
              "malformed response: the first line is neither OK nor ERR");
        }
        if (error.has_value()) {
          return fault::InvalidArgumentError(
              "malformed response: a line after ERR");
        }
        if (std::holds_alternative<OkLine>(line) ||
            std::holds_alternative<ErrorLine>(line)) {
          return fault::InvalidArgumentError(
              "malformed response: OK or ERR after the first line");
        }
        return on_body(line);
      });
  if (!status.ok()) {
    PrintError(status.message());
    return kExitFailed;
  }
  if (!answered) {
    PrintError(absl::StrCat("faultinit at ", socket,
                            " closed the connection without answering ", verb));
    return kExitFailed;
  }
  if (error.has_value()) return ReportError(*error, socket);
  return kExitSuccess;
}

int ShowStatus(const Command& command, const std::string& socket,
               const std::string& request) {
  std::vector<StatusRow> rows;
  int result =
      Converse(socket, request, "status", [&](const ResponseLine& line) {
        const auto* row = std::get_if<StatusRow>(&line);
        if (row == nullptr) return Unexpected("status");
        rows.push_back(*row);
        return fault::OkStatus();
      });
  if (result != kExitSuccess) return result;
  Print(command.json ? FormatStatusJson(rows) : FormatStatusTable(rows));
  // A service named but not in the answer counts as not running. The
  // answer has one row per name, in order, named by the unit's own name
  // (which an alias or "NAME.service" is not).
  for (size_t i = 0; i < command.operands.size(); ++i) {
    const bool running = i < rows.size() && rows[i].state == "running";
    if (!running) return kExitNotRunning;
  }
  return kExitSuccess;
}

// ReachedGoal: whether a service's outcome is what the verb asked for.
bool ReachedGoal(const Command& command, const ResultRow& row) {
  if (command.verb == Verb::kStop) {
    return command.no_block || row.state == "inactive" || row.state == "failed";
  }
  if (command.verb == Verb::kReload) {  // reload NAME: done, not failed
    return row.state == "running" && row.message.empty();
  }
  // start, restart. --no-block: taken, unless refused at once.
  if (command.no_block) return row.state != "failed";
  // A oneshot that ran to completion is inactive without a message.
  return row.state == "running" ||
         (row.state == "inactive" && row.message.empty());
}

int Transition(const Command& command, const std::string& socket,
               const std::string& request) {
  const absl::string_view verb = VerbName(command.verb);
  bool all_reached = true;
  int result = Converse(socket, request, verb, [&](const ResponseLine& line) {
    const auto* row = std::get_if<ResultRow>(&line);
    if (row == nullptr) return Unexpected(verb);
    Print(absl::StrCat(DisplayText(row->name), ": ", DisplayText(row->state),
                       row->message.empty() ? "" : ": ",
                       DisplayText(row->message), "\n"));
    if (!ReachedGoal(command, *row)) all_reached = false;
    return fault::OkStatus();
  });
  if (result != kExitSuccess) return result;
  return all_reached ? kExitSuccess : kExitFailed;
}

int Reload(const std::string& socket, const std::string& request) {
  bool errors = false;
  int result =
      Converse(socket, request, "reload", [&](const ResponseLine& line) {
        if (const auto* change = std::get_if<ChangeLine>(&line)) {
          if (!change->names.empty()) {
            Print(absl::StrCat(DisplayText(change->kind), ": ",
                               DisplayText(absl::StrJoin(change->names, " ")),
                               "\n"));
          }
          return fault::OkStatus();
        }
        if (const auto* diagnostic = std::get_if<DiagnosticLine>(&line)) {
          Print(absl::StrCat(diagnostic->text, "\n"));
          if (absl::StrContains(diagnostic->text, ": error: ")) errors = true;
          return fault::OkStatus();
        }
        return Unexpected("reload");
      });
  if (result != kExitSuccess) return result;
  return errors ? kExitFailed : kExitSuccess;
}

int Log(const std::string& socket, const std::string& request) {
  return Converse(socket, request, "log", [](const ResponseLine& line) {
    const auto* log = std::get_if<LogLine>(&line);
    if (log == nullptr) return Unexpected("log");
    Print(absl::StrCat(log->text, "\n"));  // at once: `log -f` streams
    return fault::OkStatus();
  });
}

int Shutdown(const std::string& socket, const std::string& request,
             absl::string_view verb) {
  return Converse(socket, request, verb,
                  [verb](const ResponseLine&) { return Unexpected(verb); });
}

int Notify(const Command& command, const fault::Invocation::Environment& env) {
  auto it = env.find(kNotifyVariable);
  if (it == env.end() || it->second.empty()) {
    PrintError(
        "notify: NOTIFY_SOCKET is not set (faultinit sets it for "
        "Type=notify services)");
    return kExitFailed;
  }
  // faultinit believes the service's main process: usually our parent.
  Status sent = SendNotification(
      it->second, absl::StrJoin(command.operands, "\n"), getppid());
  if (!sent.ok()) {
    PrintError(sent.message());
    return kExitFailed;
  }
  // Stay alive until faultinit has read it (BARRIER=1): it credits a
  // message to a live sender only. The message is sent either way, so a
  // missing confirmation is a warning.
  Status confirmed =
      AwaitNotificationBarrier(it->second, getppid(), kNotifyConfirmTimeout);
  if (!confirmed.ok())
    PrintError(absl::StrCat("warning: ", confirmed.message()));
  return kExitSuccess;
}

// RequestFor returns the request a command (Action::kRun) sends: `log -f`
// is `follow`, --no-block the -nowait form of a transition.
control::Request RequestFor(const Command& command) {
  control::Request request;
  request.verb = command.verb;
  request.names = command.operands;
  switch (command.verb) {
    case Verb::kStart:
    case Verb::kStop:
    case Verb::kRestart:
      request.nowait = command.no_block;
      break;
    case Verb::kIsolate:  // as systemctl: a name without a type is a target
      request.nowait = command.no_block;
      if (!request.names.empty() &&
          request.names[0].find('.') == std::string::npos) {
        request.names[0] += ".target";
      }
      break;
    case Verb::kLog:
    case Verb::kFollow:
      if (command.follow) request.verb = Verb::kFollow;
      request.lines = command.lines;
      break;
    case Verb::kStatus:
    case Verb::kReload:
    case Verb::kDaemonReload:
    case Verb::kPowerOff:
    case Verb::kReboot:
    case Verb::kHalt:
      break;
  }
  return request;
}

// StatusOfMasked: `status NAME...` where some NAMEs are masked (not
// loaded, so faultinit does not know them): a line each, and the status
// of the others. kExitNotRunning when only masked ones were named.
int StatusOfMasked(Command command, const std::string& socket) {
  std::vector<std::string> others;
  for (const std::string& name : command.operands) {
    if (systemctl::MaskedUnit(absl::StrCat(name, ".service"))) {
      // On stderr with --json, which keeps stdout one JSON array.
      fault::WriteString(
          command.json ? STDERR_FILENO : STDOUT_FILENO,
          absl::StrCat(DisplayText(name),
                       ": masked (its unit file is a link to /dev/null: "
                       "not loaded; faultctl unmask ",
                       DisplayText(name), ")\n"));
    } else {
      others.push_back(name);
    }
  }
  if (others.empty()) return kExitNotRunning;
  command.operands = std::move(others);
  fault::StatusOr<std::string> request =
      control::EncodeRequest(RequestFor(command));
  if (!request.ok()) return kExitUsage;
  const int shown = ShowStatus(command, socket, *request);
  return shown == kExitSuccess ? kExitNotRunning : shown;
}

int Main(const fault::Invocation& invocation) {
  // The unit file verbs are systemctl's (systemctl_install.h).
  if (systemctl::IsUnitFileCommand(invocation.argv())) {
    return systemctl::RunUnitFileCommand(invocation, "faultctl");
  }
  fault::StatusOr<Command> command = ParseCommandLine(invocation.argv());
  if (!command.ok()) {
    PrintError(command.status().message());
    return kExitUsage;
  }
  switch (command->action) {
    case Command::Action::kHelp:
      Print(kUsage);
      return kExitSuccess;
    case Command::Action::kVersion:
      Print(absl::StrCat("faultctl ", kVersion, "\n"));
      return kExitSuccess;
    case Command::Action::kNotify:
      return Notify(*command, invocation.environ());
    case Command::Action::kRun:
      break;
  }
  const absl::string_view verb = VerbName(command->verb);
  fault::StatusOr<std::string> request =
      control::EncodeRequest(RequestFor(*command));
  if (!request.ok()) {
    PrintError(absl::StrCat(verb, ": ", request.status().message()));
    return kExitUsage;
  }
  const std::string socket =
      ChooseSocketPath(command->socket, invocation.environ());
  switch (command->verb) {
    case Verb::kStatus:
      for (const std::string& name : command->operands) {
        if (systemctl::MaskedUnit(absl::StrCat(name, ".service"))) {
          return StatusOfMasked(*command, socket);
        }
      }
      return ShowStatus(*command, socket, *request);
    case Verb::kStart:
    case Verb::kStop:
    case Verb::kRestart:
    case Verb::kIsolate:
      return Transition(*command, socket, *request);
    case Verb::kReload:
      if (!command->operands.empty()) {
        return Transition(*command, socket, *request);
      }
      return Reload(socket, *request);
    case Verb::kDaemonReload:
      return Reload(socket, *request);
    case Verb::kLog:
    case Verb::kFollow:
      return Log(socket, *request);
    case Verb::kPowerOff:
    case Verb::kReboot:
    case Verb::kHalt:
      return Shutdown(socket, *request, verb);
  }
  return kExitSuccess;
}

}  // namespace

void Run(int argc, char** argv, char** envp) {
  fault::Control([=] {
    fault::Invocation invocation =
        fault::Invocation::System(argc, argv, envp, kImportedVariables);
    return Main(invocation);
  });
}

}  // namespace faultinit::faultctl
