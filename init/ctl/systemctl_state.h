// File: init/ctl/systemctl_state.h
//
// What `systemctl` shows of a service, from the one thing faultinit's
// control protocol tells about it: its `status` row (control::StatusRow).
// systemd's unit states (ActiveState=, SubState=) and the properties
// `systemctl show -p` gives that a status row can answer; any other
// property is an error naming it, never an invented value.
//
// Threading: thread-safe (pure functions). Not async-signal-safe.

#ifndef FAULT_INIT_CTL_SYSTEMCTL_STATE_H_
#define FAULT_INIT_CTL_SYSTEMCTL_STATE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "init/control/response.h"

namespace faultinit::systemctl {

// ActiveState: systemd's name for a faultinit state: running "active",
// starting and restarting (waiting to restart) "activating", stopping
// "deactivating", failed "failed", inactive "inactive". No row (no such
// service): "inactive", as systemd says of a unit it cannot find.
std::string ActiveState(const std::optional<control::StatusRow>& row);

// SubState: running "running", or "exited" when it runs without a process
// (RemainAfterExit=); starting "start"; restarting "auto-restart";
// stopping "stop"; failed "failed"; inactive and no row "dead". A socket
// unit's running row: the first word of its STATUS, "listening" or
// "running".
std::string SubState(const std::optional<control::StatusRow>& row);

// kShowProperties: the properties `show` answers, in the order `show`
// without -p prints them: Id, Names, Description, LoadState, ActiveState,
// SubState, MainPID, ExecMainPID, ExecMainCode, ExecMainStatus, Result,
// NRestarts, StatusText.
extern const absl::string_view kShowProperties[13];

// IsShowProperty: whether `name` is one of kShowProperties (case matters,
// as in systemd).
bool IsShowProperty(absl::string_view name);

// ShowProperties returns (NAME, VALUE) for each of `names` (all of
// kShowProperties when empty), each a kShowProperties member, of the
// service `service` (faultinit's name) whose row is `row` (nullopt: no
// such service, LoadState "not-found", as systemd shows an unknown unit).
// Values as systemd gives them: LoadState "loaded"; MainPID 0 without a
// process; ExecMainCode 1 (CLD_EXITED) or 2 (CLD_KILLED) and
// ExecMainStatus the exit status or signal number of the last exit, 0 0
// before one; Result "success", or for a failed service "signal" when it
// last ended by a signal, else "exit-code"; StatusText the STATUS= text.
std::vector<std::pair<std::string, std::string>> ShowProperties(
    absl::string_view service, const std::optional<control::StatusRow>& row,
    absl::Span<const std::string> names);

// Exit statuses, systemctl's (LSB's for status and is-active).
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;           // also: is-failed, none failed
inline constexpr int kExitNotImplemented = 3;    // reload: not applicable
inline constexpr int kExitNotRunning = 3;        // status, is-active
inline constexpr int kExitNoSuchUnitStatus = 4;  // status: no such unit
inline constexpr int kExitNoPermission = 4;      // refused
inline constexpr int kExitNotInstalled = 5;      // start ...: no such unit
inline constexpr int kExitNotConfigured = 6;     // reload: not active

// ErrorExitStatus: systemctl's exit status for faultinit's ERR answer to a
// start, stop, restart, reload: `unknown` (no such service)
// kExitNotInstalled; `permission`, or RefuseManualStart=/Stop= ("Operation
// refused") kExitNoPermission; "is not applicable" (reload without
// ExecReload=) kExitNotImplemented; "is not active" (reload of a stopped
// service) kExitNotConfigured; anything else kExitFailure.
int ErrorExitStatus(const control::ErrorLine& error);

// IsActiveExit: `is-active`'s status for these ActiveStates: 0 if any is
// "active", else kExitNotRunning. IsFailedExit: 0 if any is "failed", else
// kExitFailure.
int IsActiveExit(absl::Span<const std::string> active_states);
int IsFailedExit(absl::Span<const std::string> active_states);

// FormatServiceStatus: `systemctl status`'s block for one service:
//   ● web.service - the web
//        Loaded: loaded
//        Active: active (running) for 1min 5s
//      Main PID: 42
//        Status: "serving"
// (Main PID and Status only when there are; a failed service's last exit
// as "Active: failed (Result: exit-code) ... last exit 3"). A socket
// unit that is not failed shows a "Listen: ADDRESS" line per address of
// its STATUS in place of Status. Service texts through DisplayText.
std::string FormatServiceStatus(const control::StatusRow& row);

}  // namespace faultinit::systemctl

#endif  // FAULT_INIT_CTL_SYSTEMCTL_STATE_H_
