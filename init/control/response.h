// File: init/control/response.h
//
// The control protocol's responses (docs/control.md), version 1, both
// sides: each kind of response line as a struct, how faultinit's
// ControlServer writes it (Encode*) and how faultctl reads it back
// (DecodeResponseLine).
//
//   std::string text = EncodeResponseLine(OkLine{});         // "OK\n"
//   text += EncodeResponseLine(ResultRow{"web", "running", ""});
//   fault::StatusOr<ResponseLine> line = DecodeResponseLine("OK");
//   if (const auto* row = std::get_if<StatusRow>(&*line)) ...
//
// Pure functions: no I/O. Every field is escaped (init/control/field.h),
// so a field holds any bytes and never adds a field or a line. Malformed
// input is never a crash: a response line that does not follow the
// protocol is a kInvalidArgument Status.
//
// Threading: everything here is thread-safe (no shared state). Nothing is
// async-signal-safe (allocation).

#ifndef FAULT_INIT_CONTROL_RESPONSE_H_
#define FAULT_INIT_CONTROL_RESPONSE_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/control/protocol.h"
#include "runtime/status.h"

namespace faultinit::control {

// OkLine: `OK`, the first line of a successful response.
struct OkLine {};

// ErrorLine: `ERR \t CODE \t MESSAGE`, the first and only line of a
// refused request. MESSAGE may be absent (`ERR \t busy`): then empty.
// Encoded from `code` (never kOther) and `message`; decoded, `code_text`
// is CODE as sent (kOther: a code this client does not know).
struct ErrorLine {
  ErrorCode code = ErrorCode::kOther;
  std::string code_text;
  std::string message;
};

// StatusRow: `S \t NAME \t STATE \t PID \t UPTIME_S \t RESTARTS \t
// LAST_EXIT \t STATUS_TEXT \t DESCRIPTION`. pid is 0 when the service has
// no process; last_exit ("exit 3", "signal TERM"), status_text and
// description may be empty.
struct StatusRow {
  std::string name;
  std::string state;
  int64_t pid = 0;
  uint64_t uptime_seconds = 0;
  uint64_t restarts = 0;
  std::string last_exit;
  std::string status_text;
  std::string description;
};

// ResultRow: `R \t NAME \t STATE \t MESSAGE`, the outcome of start, stop or
// restart for one service. MESSAGE is empty unless the service failed
// (the server always sends the field, empty or not).
struct ResultRow {
  std::string name;
  std::string state;
  std::string message;
};

// ChangeLine: `C \t KIND \t NAMES` from reload; KIND is "started",
// "stopped", "restarted" or "changed" (others are kept as sent), NAMES the
// space-separated service names (none when the field is empty; the server
// always sends the field).
struct ChangeLine {
  std::string kind;
  std::vector<std::string> names;
};

// DiagnosticLine: `D \t DIAGNOSTIC`, one unit-file error or warning.
struct DiagnosticLine {
  std::string text;
};

// LogLine: `L \t LINE`, one output line of a service.
struct LogLine {
  std::string text;
};

using ResponseLine = std::variant<OkLine, ErrorLine, StatusRow, ResultRow,
                                  ChangeLine, DiagnosticLine, LogLine>;

// EncodeResponseLine returns the line as the server sends it, "\n"
// included, every field escaped. DecodeResponseLine gives back the same
// struct (for ErrorLine: `code` and `message`, and code_text
// ErrorCodeName(code); for ChangeLine: names without empty ones).
std::string EncodeResponseLine(const OkLine& line);
std::string EncodeResponseLine(const ErrorLine& line);
std::string EncodeResponseLine(const StatusRow& row);
std::string EncodeResponseLine(const ResultRow& row);
std::string EncodeResponseLine(const ChangeLine& line);
std::string EncodeResponseLine(const DiagnosticLine& line);
std::string EncodeResponseLine(const LogLine& line);

// DecodeResponseLine decodes one response line, given without its "\n".
// Every field is unescaped (init/control/field.h), so a field holds any
// bytes exactly as the server had them: a STATUS= text with a tab, a
// failure reason with a newline. Strict about the shape: the tag must be
// one of OK, ERR, S, R, C, D, L; S takes exactly 9 fields with PID,
// UPTIME_S and RESTARTS plain decimal numbers (no sign, no spaces) and a
// non-empty NAME and STATE; R takes a non-empty NAME and STATE and an
// optional MESSAGE (`R \t a \t running` equals `R \t a \t running \t `);
// C takes KIND and an optional NAMES; ERR takes a non-empty CODE and an
// optional MESSAGE; D and L take exactly one field; OK takes nothing.
// Errors: kInvalidArgument "malformed response line \"...\": why" (the
// quoted line shortened to 80 bytes, its control bytes shown as \xNN), for
// a wrong shape or a field that is not escaped as the protocol says.
fault::StatusOr<ResponseLine> DecodeResponseLine(absl::string_view line);

}  // namespace faultinit::control

#endif  // FAULT_INIT_CONTROL_RESPONSE_H_
