// File: init/control/protocol.h
//
// The control protocol's vocabulary (docs/control.md), version 1: its
// version number, its limits, its verbs and their names on the wire, and
// the codes of an `ERR` answer. faultinit's server (init/supervisor/
// control_server.h), faultctl (init/ctl/) and the fuzz targets (fuzz/)
// all take them from here; request.h and response.h encode and decode the
// lines.
//
// Threading: constants and pure functions; thread-safe. Not
// async-signal-safe (WireVerb allocates).

#ifndef FAULT_INIT_CONTROL_PROTOCOL_H_
#define FAULT_INIT_CONTROL_PROTOCOL_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace faultinit::control {

// kDefaultSocketPath: where faultinit listens, and faultctl connects,
// unless told otherwise (`faultinit --control`, `faultctl --socket`).
inline constexpr char kDefaultSocketPath[] = "/run/faultinit/control";

// kProtocolVersion: the version both sides speak, a request's first field.
inline constexpr int kProtocolVersion = 1;

// kMaxRequestBytes: the longest request line, its "\n" included. The
// client refuses to send a longer one (EncodeRequest); the server answers
// one that has no "\n" within this many bytes `ERR usage` (FrameRequest,
// RequestTooLong in request.h).
inline constexpr size_t kMaxRequestBytes = 4096;

// Verb: what a request asks for. `start`, `stop`, `restart` and `isolate`
// also come as `start-nowait` ... (answered once taken, not once done): the
// same Verb with Request::nowait set (request.h).
enum class Verb {
  kStatus,
  kStart,
  kStop,
  kRestart,
  kReload,
  kDaemonReload,  // systemd's daemon-reload: definitions only
  kIsolate,
  kLog,
  kFollow,
  kPowerOff,
  kReboot,
  kHalt,
};

// kVerbs: every Verb, in docs/control.md's order.
inline constexpr Verb kVerbs[] = {
    Verb::kStatus, Verb::kStart,        Verb::kStop,    Verb::kRestart,
    Verb::kReload, Verb::kDaemonReload, Verb::kIsolate, Verb::kLog,
    Verb::kFollow, Verb::kPowerOff,     Verb::kReboot,  Verb::kHalt,
};

// VerbName: the verb's name on the wire without "-nowait" ("status",
// "poweroff", "follow").
absl::string_view VerbName(Verb verb);

// TakesNowait: whether the verb has a "-nowait" form (start, stop,
// restart).
bool TakesNowait(Verb verb);

// WireVerb: the request's second field: VerbName, plus "-nowait" when
// `nowait` and TakesNowait(verb) ("start-nowait").
std::string WireVerb(Verb verb, bool nowait);

// ParsedVerb: a wire verb read back.
struct ParsedVerb {
  Verb verb;
  bool nowait;
};

// ParseWireVerb is WireVerb's inverse: nullopt for any other text
// (case-sensitive: "STATUS" is no verb).
std::optional<ParsedVerb> ParseWireVerb(absl::string_view text);

// ErrorCode: the CODE of an `ERR` line. kOther stands for a code this
// side does not know (a newer server); it is never sent.
enum class ErrorCode {
  kUsage,
  kPermission,
  kUnknown,
  kFailed,
  kBusy,
  kVersion,
  kOther,
};

// ErrorCodeName: the code on the wire ("usage" ... "version"; "other"
// for kOther).
absl::string_view ErrorCodeName(ErrorCode code);

// ParseErrorCode maps "usage" ... "version" to their ErrorCode, anything
// else to kOther.
ErrorCode ParseErrorCode(absl::string_view code);

}  // namespace faultinit::control

#endif  // FAULT_INIT_CONTROL_PROTOCOL_H_
