#include "init/system/unit_lifecycle_keys.h"

#include <signal.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "init/system/exec_command.h"
#include "init/system/unit_key_values.h"
#include "runtime/signals.h"

namespace faultinit {
namespace {

using fault::OkStatus;
using fault::Status;

// Exec: one more line of an Exec*= list; an empty value resets the list.
Status Exec(UnitKeyContext& c, absl::string_view key, absl::string_view value,
            std::vector<ExecLine>* list) {
  if (value.empty()) {
    list->clear();
    return OkStatus();
  }
  fault::StatusOr<ExecLine> exec = ParseExecLine(value);
  if (!exec.ok()) return KeyError(key, exec.status().message());
  for (const std::string& warning : exec->warnings) {
    c.warnings.push_back(absl::StrCat(key, ": ", warning));
  }
  list->push_back(*std::move(exec));
  return OkStatus();
}

Status Signal(absl::string_view key, absl::string_view value, int fallback,
              int* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  fault::StatusOr<int> signo = fault::ParseSignal(value);
  if (!signo.ok()) return KeyError(key, signo.status().message());
  *out = *signo;
  return OkStatus();
}

Status ExecStartPost(UnitKeyContext& c, absl::string_view key,
                     absl::string_view value) {
  return Exec(c, key, value, &c.unit.exec_start_post);
}
Status ExecReload(UnitKeyContext& c, absl::string_view key,
                  absl::string_view value) {
  return Exec(c, key, value, &c.unit.exec_reload);
}
Status ExecStopPost(UnitKeyContext& c, absl::string_view key,
                    absl::string_view value) {
  return Exec(c, key, value, &c.unit.exec_stop_post);
}
Status RemainAfterExit(UnitKeyContext& c, absl::string_view key,
                       absl::string_view value) {
  return ParseBooleanKey(key, value, false, &c.unit.remain_after_exit);
}
Status SendSIGHUP(UnitKeyContext& c, absl::string_view key,
                  absl::string_view value) {
  return ParseBooleanKey(key, value, false, &c.unit.send_sighup);
}
Status SendSIGKILL(UnitKeyContext& c, absl::string_view key,
                   absl::string_view value) {
  return ParseBooleanKey(key, value, true, &c.unit.send_sigkill);
}
Status FinalKillSignal(UnitKeyContext& c, absl::string_view key,
                       absl::string_view value) {
  return Signal(key, value, SIGKILL, &c.unit.final_kill_signal);
}
// TimeoutStartFailureMode=, TimeoutStopFailureMode=: systemd's words are
// checked. faultinit does what systemd's default, `terminate`, does: a
// start or stop that timed out gets KillSignal= (a running ExecStop=
// line too), then FinalKillSignal= after TimeoutStopSec=, and fails; the
// other two are documented differences, done as `terminate`.
Status FailureMode(UnitKeyContext& c, absl::string_view key,
                   absl::string_view value) {
  if (value.empty() || value == "terminate") return OkStatus();
  if (value == "kill") {
    c.warnings.push_back(absl::StrCat(
        key,
        ": differs from systemd: `kill` is done as `terminate`: KillSignal= "
        "first, FinalKillSignal= after TimeoutStopSec="));
    return OkStatus();
  }
  if (value == "abort") {
    c.warnings.push_back(absl::StrCat(
        key,
        ": differs from systemd: `abort` is done as `terminate` (no SIGABRT, "
        "no core dump)"));
    return OkStatus();
  }
  return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                    ": expected terminate, abort or kill"));
}
Status RestartKillSignal(UnitKeyContext& c, absl::string_view key,
                         absl::string_view value) {
  // 0: KillSignal= (systemd's default).
  return Signal(key, value, 0, &c.unit.restart_kill_signal);
}

constexpr UnitKey kKeys[] = {
    {UnitSection::kService, "ExecStartPost", &ExecStartPost},
    {UnitSection::kService, "ExecReload", &ExecReload},
    {UnitSection::kService, "ExecStopPost", &ExecStopPost},
    {UnitSection::kService, "RemainAfterExit", &RemainAfterExit},
    {UnitSection::kService, "SendSIGHUP", &SendSIGHUP},
    {UnitSection::kService, "SendSIGKILL", &SendSIGKILL},
    {UnitSection::kService, "FinalKillSignal", &FinalKillSignal},
    {UnitSection::kService, "RestartKillSignal", &RestartKillSignal},
    {UnitSection::kService, "TimeoutStartFailureMode", &FailureMode},
    {UnitSection::kService, "TimeoutStopFailureMode", &FailureMode},
};

}  // namespace

const UnitKeyTable kLifecycleKeys(kKeys);

}  // namespace faultinit
