// File: init/ctl/format.h
//
// How faultctl shows what faultinit answered: the `status` table and its
// `--json` form, and the durations in them.
//
// Table cells come from services (descriptions, STATUS= texts), so control
// characters are shown as '?': a service cannot move the operator's
// cursor or change the terminal's state. JSON output escapes them and
// replaces bytes that are not UTF-8 with U+FFFD, so it is always valid
// JSON.
//
// Threading: thread-safe (pure functions). Not async-signal-safe.

#ifndef FAULT_INIT_CTL_FORMAT_H_
#define FAULT_INIT_CTL_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "init/ctl/protocol.h"

namespace faultinit::faultctl {

// FormatUptime shows whole seconds as at most the two largest units of d,
// h, min, s, as systemd does: "0s", "5s", "1min 5s", "1h 2min", "3d 4h",
// "1h" (a zero second unit is left out).
std::string FormatUptime(uint64_t seconds);

// LastExitCell: "exit 3", "signal TERM", "exit 3 (STATUS_TEXT)",
// "(STATUS_TEXT)" when there was no exit yet, "-" when both are empty.
std::string LastExitCell(const StatusRow& row);

// FormatStatusTable returns the table, header first:
//   NAME  STATE    PID  UPTIME   RESTARTS  LAST-EXIT  DESCRIPTION
// one line per row, columns two spaces apart and padded to their widest
// cell (counted in UTF-8 characters); PID "-" when 0; no trailing spaces.
std::string FormatStatusTable(absl::Span<const StatusRow> rows);

// FormatStatusJson returns a JSON array, one object per row, one line:
//   [{"name":"web","state":"running","pid":42,"uptime_seconds":3720,
//     "restarts":0,"last_exit":"","status":"serving",
//     "description":"Web server"}]
// and a newline. pid is 0 when the service has no process; last_exit is
// "" before the first exit.
std::string FormatStatusJson(absl::Span<const StatusRow> rows);

// JsonString returns `text` as a quoted JSON string: '"', '\\' and control
// characters escaped, invalid UTF-8 bytes replaced by \ufffd.
std::string JsonString(absl::string_view text);

}  // namespace faultinit::faultctl

#endif  // FAULT_INIT_CTL_FORMAT_H_
