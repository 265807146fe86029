// File: init/ctl/protocol.h
//
// The control protocol, version 1 (docs/control.md), client side: encoding
// one request line and decoding the lines of a response into structs.
//
//   fault::StatusOr<std::string> request =
//       EncodeRequest("status", {"web", "db"});   // "1\tstatus\tweb\tdb\n"
//   fault::StatusOr<ResponseLine> line = DecodeResponseLine("OK");
//   if (const auto* row = std::get_if<StatusRow>(&*line)) ...
//
// Pure functions: no I/O. Malformed input is never a crash: a request
// faultctl must not send, or a response line that does not follow the
// protocol, is a kInvalidArgument Status.
//
// Threading: everything here is thread-safe (no shared state). Nothing is
// async-signal-safe (allocation).

#ifndef FAULT_INIT_CTL_PROTOCOL_H_
#define FAULT_INIT_CTL_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "runtime/status.h"

namespace faultinit::faultctl {

// kProtocolVersion: the version faultctl speaks, the first request field.
inline constexpr int kProtocolVersion = 1;

// kMaxRequestBytes: the largest request line, its "\n" included.
inline constexpr size_t kMaxRequestBytes = 4096;

// EncodeRequest returns "1\tVERB\tARG...\n", every field escaped
// (init/control_field.h: a tab or newline in an argument travels as "\t"
// or "\n", a backslash as "\\"). Errors (kInvalidArgument): an empty verb;
// a line longer than kMaxRequestBytes once escaped. An argument may be
// empty (it then encodes as an empty field).
fault::StatusOr<std::string> EncodeRequest(absl::string_view verb,
                                           absl::Span<const std::string> args);

// ErrorCode: the CODE of an `ERR` line. kOther stands for a code this
// client does not know (a newer server); its text is kept in ErrorLine.
enum class ErrorCode {
  kUsage,
  kPermission,
  kUnknown,
  kFailed,
  kBusy,
  kVersion,
  kOther,
};

// ParseErrorCode maps "usage" ... "version" to their ErrorCode, anything
// else to kOther.
ErrorCode ParseErrorCode(absl::string_view code);

// OkLine: `OK`, the first line of a successful response.
struct OkLine {};

// ErrorLine: `ERR \t CODE \t MESSAGE`, the first and only line of a
// refused request. MESSAGE may be absent (`ERR \t busy`): then empty.
struct ErrorLine {
  ErrorCode code = ErrorCode::kOther;
  std::string code_text;  // CODE as sent
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
// restart for one service. MESSAGE is empty unless the service failed.
struct ResultRow {
  std::string name;
  std::string state;
  std::string message;
};

// ChangeLine: `C \t KIND \t NAMES` from reload; KIND is "started",
// "stopped" or "restarted" (others are kept as sent), NAMES the
// space-separated service names (none when the field is empty).
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

// DecodeResponseLine decodes one response line, given without its "\n".
// Every field is unescaped (init/control_field.h), so a field holds any
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

}  // namespace faultinit::faultctl

#endif  // FAULT_INIT_CTL_PROTOCOL_H_
