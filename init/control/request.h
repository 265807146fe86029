// File: init/control/request.h
//
// The control protocol's requests (docs/control.md), both sides, as pure
// functions: faultctl encodes a Request (EncodeRequest); faultinit's
// ControlServer (init/supervisor/control_server.h) finds the request line
// in what a client has sent (FrameRequest) and checks it (ParseRequest)
// before it asks the Supervisor anything. Malformed input can be tested
// and fuzzed (fuzz/control_request_fuzzer.cc) without a socket.
//
//   Request request{Verb::kStart, /*nowait=*/false, {"web", "db"}};
//   fault::StatusOr<std::string> line = EncodeRequest(request);
//   // "1\tstart\tweb\tdb\n"
//
//   RequestFrame frame = FrameRequest(received);
//   if (frame.kind == RequestFrame::Kind::kLine) {
//     ParsedRequest parsed = ParseRequest(frame.line);
//     if (const auto* error = std::get_if<RequestError>(&parsed)) ...
//   }
//
// Threading: pure functions; thread-safe. Not async-signal-safe
// (allocation).

#ifndef FAULT_INIT_CONTROL_REQUEST_H_
#define FAULT_INIT_CONTROL_REQUEST_H_

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/control/protocol.h"
#include "runtime/status.h"

namespace faultinit::control {

// Request: one request. A line ParseRequest accepted passed every check
// that needs no Supervisor (service names are checked against it by the
// server).
struct Request {
  Verb verb = Verb::kStatus;
  bool nowait = false;  // start-nowait, stop-nowait, restart-nowait
  // The service names: any number for status, one or more for the
  // transitions, exactly one for log and follow, none otherwise.
  std::vector<std::string> names;
  size_t lines = 0;  // log and follow: N
};

// EncodeRequest returns "1\tVERB[\tN]\tNAME...\n": the version, WireVerb,
// N for log and follow, then the names, every field escaped
// (init/control/field.h: a tab or newline in a name travels as "\t" or
// "\n", a backslash as "\\"). A name may be empty (it then encodes as an
// empty field); the arguments are not checked against the verb (the
// server does). Errors (kInvalidArgument): a line longer than
// kMaxRequestBytes once escaped, "request too long: 5009 bytes, at most
// 4096".
fault::StatusOr<std::string> EncodeRequest(const Request& request);

// RequestFrame: what the bytes a client sent so far hold.
struct RequestFrame {
  enum class Kind {
    kIncomplete,  // no "\n" yet, and fewer than kMaxRequestBytes bytes
    kLine,        // `line`: the request, without its "\n"
    kTooLong,     // no "\n" within the first kMaxRequestBytes bytes
  };
  Kind kind = Kind::kIncomplete;
  absl::string_view line;  // points into FrameRequest's argument
};

// FrameRequest looks for the request line at the start of `received`:
// kLine when a "\n" ends it within kMaxRequestBytes bytes (what follows
// the "\n" is ignored), kTooLong when none does, kIncomplete while more
// may come.
RequestFrame FrameRequest(absl::string_view received);

// RequestError: the `ERR` answer to a malformed request.
struct RequestError {
  ErrorCode code = ErrorCode::kUsage;  // kUsage or kVersion
  std::string message;                 // unescaped: it may quote a field
};

// RequestTooLong: the answer to a kTooLong frame, `usage` "request longer
// than 4096 bytes".
RequestError RequestTooLong();

using ParsedRequest = std::variant<Request, RequestError>;

// ParseRequest checks one request line, given without its "\n":
// tab-separated fields, each unescaped (init/control/field.h), the
// protocol version "1", a known verb and the arguments it takes. Never
// fails as a whole: a malformed line is a RequestError with the answer to
// send, e.g.
//   usage    field 3 has an invalid escape
//   usage    expected VERSION<tab>VERB
//   version  unsupported protocol version "2"; this faultinit speaks 1
//   usage    unknown verb or wrong arguments: "frobnicate"
//   usage    start needs a service name
//   usage    expected N<tab>NAME
ParsedRequest ParseRequest(absl::string_view line);

}  // namespace faultinit::control

#endif  // FAULT_INIT_CONTROL_REQUEST_H_
