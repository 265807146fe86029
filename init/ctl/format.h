// File: init/ctl/format.h
//
// How faultctl shows what faultinit answered: the `status` table and its
// `--json` form, and the durations in them.
//
// Table cells come from services (names, descriptions, STATUS= texts,
// failure reasons), which may hold any bytes: the table shows them through
// DisplayText, escaped so that a service can neither move the operator's
// cursor nor forge a row, and so that two different texts never look the
// same. `--json` gives every text exactly (JsonString), as valid JSON.
//
// Threading: thread-safe (pure functions). Not async-signal-safe.

#ifndef FAULT_INIT_CTL_FORMAT_H_
#define FAULT_INIT_CTL_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "init/control/response.h"

namespace faultinit::faultctl {

// FormatUptime shows whole seconds as at most the two largest units of d,
// h, min, s, as systemd does: "0s", "5s", "1min 5s", "1h 2min", "3d 4h",
// "1h" (a zero second unit is left out).
std::string FormatUptime(uint64_t seconds);

// DisplayText returns `text` for a terminal, unambiguously: a backslash as
// "\\", tab, newline and carriage return as "\t", "\n", "\r", every other
// control byte (C0, DEL, and the two bytes of a UTF-8 C1 control,
// U+0080..U+009F) and every byte that is not part of valid UTF-8 as
// "\xNN"; the rest (printable ASCII, valid UTF-8) as it is. One line,
// whatever `text` holds.
std::string DisplayText(absl::string_view text);

// FormatStatusTable returns the table, header first:
//   NAME  STATE    PID  UPTIME   RESTARTS  LAST-EXIT  STATUS   DESCRIPTION
// one line per row, columns two spaces apart and padded to their widest
// cell (counted in UTF-8 characters); PID "-" when 0; LAST-EXIT ("exit 3",
// "signal TERM") and STATUS (the service's STATUS= text) "-" when empty;
// every text through DisplayText; no trailing spaces.
std::string FormatStatusTable(absl::Span<const control::StatusRow> rows);

// FormatStatusJson returns a JSON array, one object per row, one line:
//   [{"name":"web","state":"running","pid":42,"uptime_seconds":3720,
//     "restarts":0,"last_exit":"","status":"serving",
//     "description":"Web server"}]
// and a newline. pid is 0 when the service has no process; last_exit is
// "" before the first exit.
std::string FormatStatusJson(absl::Span<const control::StatusRow> rows);

// JsonString returns `text` as a quoted JSON string that stands for its
// bytes exactly: valid UTF-8 as it is, with '"', '\\' and the control
// characters U+0000..U+001F escaped; each byte that is not part of valid
// UTF-8 (0x80..0xff) as "\udcNN", NN the byte: a lone low surrogate, as
// Python's surrogateescape error handler (PEP 383) decodes such a byte, so
// json.loads(s).encode("utf-8", "surrogateescape") gives the bytes back.
// Lone surrogates are within JSON's grammar (RFC 8259, section 7); a
// parser that refuses them (I-JSON) sees them only where the text was not
// UTF-8.
std::string JsonString(absl::string_view text);

}  // namespace faultinit::faultctl

#endif  // FAULT_INIT_CTL_FORMAT_H_
