#include "init/ctl/systemctl_state.h"

#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "init/ctl/format.h"
#include "init/ctl/systemctl_command.h"
#include "runtime/signals.h"

namespace faultinit::systemctl {

using faultctl::DisplayText;
using faultctl::FormatUptime;

const absl::string_view kShowProperties[13] = {
    "Id",       "Names",     "Description", "LoadState",    "ActiveState",
    "SubState", "MainPID",   "ExecMainPID", "ExecMainCode", "ExecMainStatus",
    "Result",   "NRestarts", "StatusText",
};

namespace {

bool IsSocketRow(const control::StatusRow& row) {
  return absl::EndsWith(row.name, ".socket");
}

// The addresses a socket unit's STATUS lists: "listening on A, B; 2
// connections" -> A, B.
std::vector<std::string> ListenAddresses(const control::StatusRow& row) {
  absl::string_view text = row.status_text;
  const size_t on = text.find(" on ");
  if (on == absl::string_view::npos) return {};
  text.remove_prefix(on + 4);
  text = text.substr(0, text.find("; "));
  return absl::StrSplit(text, ", ", absl::SkipEmpty());
}

// LastExit: how the last exit reads as ExecMainCode and ExecMainStatus
// ("exit 3": 1 3; "signal TERM": 2 15; none: 0 0).
std::pair<int, int> LastExit(absl::string_view last_exit) {
  int number = 0;
  if (absl::ConsumePrefix(&last_exit, "exit ") &&
      absl::SimpleAtoi(last_exit, &number)) {
    return {CLD_EXITED, number};
  }
  if (absl::ConsumePrefix(&last_exit, "signal ")) {
    fault::StatusOr<int> signo = fault::ParseSignal(last_exit);
    if (signo.ok()) return {CLD_KILLED, *signo};
  }
  return {0, 0};
}

std::string Result(const control::StatusRow& row) {
  if (row.state != "failed") return "success";
  return absl::StartsWith(row.last_exit, "signal ") ? "signal" : "exit-code";
}

}  // namespace

std::string ActiveState(const std::optional<control::StatusRow>& row) {
  if (!row.has_value()) return "inactive";
  const std::string& s = row->state;
  if (s == "running") return "active";
  if (s == "starting" || s == "restarting") return "activating";
  if (s == "stopping") return "deactivating";
  if (s == "failed") return "failed";
  return "inactive";
}

std::string SubState(const std::optional<control::StatusRow>& row) {
  if (!row.has_value()) return "dead";
  const std::string& s = row->state;
  // A socket unit's STATUS says "listening on ..." or "running on ...".
  if (IsSocketRow(*row) && s == "running") {
    return std::string(absl::string_view(row->status_text)
                           .substr(0, row->status_text.find(' ')));
  }
  if (s == "running") return row->pid == 0 ? "exited" : "running";
  if (s == "starting") return "start";
  if (s == "restarting") return "auto-restart";
  if (s == "stopping") return "stop";
  if (s == "failed") return "failed";
  return "dead";
}

bool IsShowProperty(absl::string_view name) {
  for (absl::string_view p : kShowProperties) {
    if (p == name) return true;
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> ShowProperties(
    absl::string_view service, const std::optional<control::StatusRow>& row,
    absl::Span<const std::string> names) {
  std::vector<std::string> all;
  if (names.empty()) {
    for (absl::string_view p : kShowProperties) all.emplace_back(p);
    names = all;
  }
  const std::pair<int, int> exit =
      row.has_value() ? LastExit(row->last_exit) : std::pair<int, int>{0, 0};
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& name : names) {
    std::string value;
    if (name == "Id" || name == "Names") {
      value = UnitName(service);
    } else if (name == "Description") {
      value = row.has_value() ? row->description : "";
    } else if (name == "LoadState") {
      value = row.has_value() ? "loaded" : "not-found";
    } else if (name == "ActiveState") {
      value = ActiveState(row);
    } else if (name == "SubState") {
      value = SubState(row);
    } else if (name == "MainPID" || name == "ExecMainPID") {
      value = absl::StrCat(row.has_value() ? row->pid : 0);
    } else if (name == "ExecMainCode") {
      value = absl::StrCat(exit.first);
    } else if (name == "ExecMainStatus") {
      value = absl::StrCat(exit.second);
    } else if (name == "Result") {
      value = row.has_value() ? Result(*row) : "success";
    } else if (name == "NRestarts") {
      value = absl::StrCat(row.has_value() ? row->restarts : 0);
    } else if (name == "StatusText") {
      value = row.has_value() ? row->status_text : "";
    } else {
      continue;  // not a kShowProperties member: the parser refused it
    }
    out.emplace_back(name, std::move(value));
  }
  return out;
}

int ErrorExitStatus(const control::ErrorLine& error) {
  switch (error.code) {
    case control::ErrorCode::kUnknown:
      return kExitNotInstalled;
    case control::ErrorCode::kPermission:
      return kExitNoPermission;
    default:
      break;
  }
  if (absl::StartsWith(error.message, "Operation refused")) {
    return kExitNoPermission;
  }
  if (absl::StrContains(error.message, "is not applicable")) {
    return kExitNotImplemented;
  }
  if (absl::StrContains(error.message, "is not active")) {
    return kExitNotConfigured;
  }
  return kExitFailure;
}

int IsActiveExit(absl::Span<const std::string> active_states) {
  for (const std::string& s : active_states) {
    if (s == "active") return kExitSuccess;
  }
  return kExitNotRunning;
}

int IsFailedExit(absl::Span<const std::string> active_states) {
  for (const std::string& s : active_states) {
    if (s == "failed") return kExitSuccess;
  }
  return kExitFailure;
}

std::string FormatServiceStatus(const control::StatusRow& row) {
  const std::optional<control::StatusRow> r = row;
  const std::string active = ActiveState(r);
  std::string text = absl::StrCat(
      active == "active" ? "\xe2\x97\x8f " : "\xe2\x97\x8b ",
      DisplayText(UnitName(row.name)), row.description.empty() ? "" : " - ",
      DisplayText(row.description),
      "\n     Loaded: loaded\n     Active: ", active, " (", SubState(r), ")");
  if (active == "failed")
    absl::StrAppend(&text, " (Result: ", Result(row), ")");
  absl::StrAppend(&text, " for ", FormatUptime(row.uptime_seconds), "\n");
  if (row.pid != 0) absl::StrAppend(&text, "   Main PID: ", row.pid, "\n");
  if (!row.last_exit.empty()) {
    absl::StrAppend(&text, "  Last exit: ", DisplayText(row.last_exit), "\n");
  }
  if (row.restarts != 0) {
    absl::StrAppend(&text, "   Restarts: ", row.restarts, "\n");
  }
  if (IsSocketRow(row) && active != "failed") {
    for (const std::string& address : ListenAddresses(row)) {
      absl::StrAppend(&text, "     Listen: ", DisplayText(address), "\n");
    }
  } else if (!row.status_text.empty()) {
    absl::StrAppend(&text, "     Status: \"", DisplayText(row.status_text),
                    "\"\n");
  }
  return text;
}

}  // namespace faultinit::systemctl
