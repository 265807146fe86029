// File: init/supervisor/control_request.h
//
// The control protocol's requests (docs/control.md), server side, as pure
// functions: finding the request line in what a client has sent
// (FrameRequest) and checking it (ParseControlRequest). ControlServer
// (control_server.h) does the I/O and answers from the Supervisor; this file
// decides what a line means, so malformed input can be tested and fuzzed
// (fuzz/control_request_fuzzer.cc) without a socket.
//
//   RequestFrame frame = FrameRequest(received);
//   if (frame.kind == RequestFrame::Kind::kLine) {
//     ParsedControlRequest parsed = ParseControlRequest(frame.line);
//     if (const auto* error = std::get_if<ControlRequestError>(&parsed)) ...
//   }
//
// Threading: pure functions; thread-safe. Not async-signal-safe
// (allocation).

#ifndef FAULT_INIT_SUPERVISOR_CONTROL_REQUEST_H_
#define FAULT_INIT_SUPERVISOR_CONTROL_REQUEST_H_

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"

namespace faultinit {

// kMaxRequestLine: the longest request, its "\n" included.
inline constexpr size_t kMaxRequestLine = 4096;

// RequestFrame: what the bytes a client sent so far hold.
struct RequestFrame {
  enum class Kind {
    kIncomplete,  // no "\n" yet, and fewer than kMaxRequestLine bytes
    kLine,        // `line`: the request, without its "\n"
    kTooLong,     // no "\n" within the first kMaxRequestLine bytes
  };
  Kind kind = Kind::kIncomplete;
  absl::string_view line;  // points into FrameRequest's argument
};

// FrameRequest looks for the request line at the start of `received`:
// kLine when a "\n" ends it within kMaxRequestLine bytes (what follows the
// "\n" is ignored), kTooLong when none does, kIncomplete while more may
// come.
RequestFrame FrameRequest(absl::string_view received);

// ControlVerb: the verbs of docs/control.md.
enum class ControlVerb {
  kStatus,
  kStart,
  kStop,
  kRestart,
  kReload,
  kLog,
  kFollow,
  kPowerOff,
  kReboot,
  kHalt,
};

// ControlRequest: a request line that passed every check that needs no
// Supervisor (service names are checked against it by the server).
struct ControlRequest {
  ControlVerb verb = ControlVerb::kStatus;
  std::string verb_text;  // as sent: "start-nowait"
  bool nowait = false;    // start-nowait, stop-nowait, restart-nowait
  // The service names: any number for status, one or more for the
  // transitions, exactly one for log and follow, none otherwise.
  std::vector<std::string> names;
  size_t lines = 0;  // log and follow: N
};

// ControlRequestError: the `ERR` answer to a malformed request.
struct ControlRequestError {
  std::string code;     // "usage" or "version"
  std::string message;  // unescaped: it may quote a field's bytes
};

using ParsedControlRequest = std::variant<ControlRequest, ControlRequestError>;

// ParseControlRequest checks one request line, given without its "\n":
// tab-separated fields, each unescaped (init/control_field.h), the
// protocol version "1", a known verb and the arguments it takes. Never
// fails as a whole: a malformed line is a ControlRequestError with the
// answer to send, e.g.
//   usage    field 3 has an invalid escape
//   usage    expected VERSION<tab>VERB
//   version  unsupported protocol version "2"; this faultinit speaks 1
//   usage    unknown verb or wrong arguments: "frobnicate"
//   usage    start needs a service name
//   usage    expected N<tab>NAME
ParsedControlRequest ParseControlRequest(absl::string_view line);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_CONTROL_REQUEST_H_
