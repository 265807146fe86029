// Fuzzes the control protocol's request decoder (init/control/request.h):
// the bytes a client sends, framed by FrameRequest and checked by
// ParseRequest, as ControlServer does before it asks the Supervisor
// anything.
//
// Properties: a framed line is at most kMaxRequestBytes - 1 bytes and
// holds no newline (docs/control.md: 4096 bytes with its "\n"); only
// kMaxRequestBytes bytes without a newline are too long; every field of an
// accepted request, escaped again (init/control/field.h), is the wire text
// it came from; an accepted request has the arguments its verb takes, and
// EncodeRequest (what faultctl sends) writes it in a form that parses to
// the same request, names with tabs, newlines and backslashes included; a
// refusal is a usage or version error that the server's ERR line
// (init/control/response.h) carries to faultctl intact, on one line.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "init/control/field.h"
#include "init/control/protocol.h"
#include "init/control/request.h"
#include "init/control/response.h"

namespace faultinit::control {
namespace {

void CheckRequest(const Request& request) {
  switch (request.verb) {
    case Verb::kStatus:
      FUZZ_CHECK(!request.nowait);
      break;
    case Verb::kStart:
    case Verb::kStop:
    case Verb::kRestart:
      FUZZ_CHECK(!request.names.empty());
      break;
    case Verb::kIsolate:
      FUZZ_CHECK(request.names.size() == 1);
      break;
    case Verb::kLog:
    case Verb::kFollow:
      FUZZ_CHECK(request.names.size() == 1);
      FUZZ_CHECK(!request.nowait);
      break;
    case Verb::kReload:  // names: their ExecReload=; none: the units
      FUZZ_CHECK(!request.nowait);
      break;
    case Verb::kDaemonReload:
    case Verb::kPowerOff:
    case Verb::kReboot:
    case Verb::kHalt:
      FUZZ_CHECK(request.names.empty());
      FUZZ_CHECK(!request.nowait);
      break;
  }
}

// RoundTrip encodes `request` as faultctl would and parses it again.
void RoundTrip(const Request& request) {
  fault::StatusOr<std::string> encoded = EncodeRequest(request);
  if (!encoded.ok()) return;  // too long once "N" is rewritten
  const RequestFrame frame = FrameRequest(*encoded);
  FUZZ_CHECK(frame.kind == RequestFrame::Kind::kLine);
  FUZZ_CHECK(frame.line.size() + 1 == encoded->size());
  ParsedRequest again = ParseRequest(frame.line);
  const auto* same = std::get_if<Request>(&again);
  FUZZ_CHECK(same != nullptr);
  FUZZ_CHECK(same->verb == request.verb);
  FUZZ_CHECK(same->nowait == request.nowait);
  FUZZ_CHECK(same->names == request.names);
  FUZZ_CHECK(same->lines == request.lines);
}

}  // namespace
}  // namespace faultinit::control

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultinit::control;
  const absl::string_view received(reinterpret_cast<const char*>(data), size);
  const RequestFrame frame = FrameRequest(received);
  switch (frame.kind) {
    case RequestFrame::Kind::kIncomplete:
      FUZZ_CHECK(received.find('\n') == absl::string_view::npos);
      FUZZ_CHECK(received.size() < kMaxRequestBytes);
      return 0;
    case RequestFrame::Kind::kTooLong:
      FUZZ_CHECK(received.size() >= kMaxRequestBytes);
      FUZZ_CHECK(received.substr(0, kMaxRequestBytes).find('\n') ==
                 absl::string_view::npos);
      return 0;
    case RequestFrame::Kind::kLine:
      break;
  }
  FUZZ_CHECK(frame.line.size() < kMaxRequestBytes);
  FUZZ_CHECK(frame.line.find('\n') == absl::string_view::npos);
  FUZZ_CHECK(frame.line.data() == received.data());
  FUZZ_CHECK(received[frame.line.size()] == '\n');

  ParsedRequest parsed = ParseRequest(frame.line);
  if (const auto* error = std::get_if<RequestError>(&parsed)) {
    FUZZ_CHECK(error->code == ErrorCode::kUsage ||
               error->code == ErrorCode::kVersion);
    FUZZ_CHECK(!error->message.empty());
    // The message may quote what the client sent; the answer's line
    // (ControlServer::SendError) escapes it.
    std::string answer =
        EncodeResponseLine(ErrorLine{error->code, "", error->message});
    FUZZ_CHECK(!answer.empty() && answer.back() == '\n');
    answer.pop_back();
    FUZZ_CHECK(answer.find('\n') == std::string::npos);
    fault::StatusOr<ResponseLine> decoded = DecodeResponseLine(answer);
    FUZZ_CHECK(decoded.ok());
    const auto* line = std::get_if<ErrorLine>(&*decoded);
    FUZZ_CHECK(line != nullptr && line->code == error->code &&
               line->code_text == ErrorCodeName(error->code) &&
               line->message == error->message);
    return 0;
  }
  for (absl::string_view wire : absl::StrSplit(frame.line, '\t')) {
    const std::optional<std::string> field = UnescapeField(wire);
    FUZZ_CHECK(field.has_value() && EscapeField(*field) == wire);
  }
  const Request& request = std::get<Request>(parsed);
  CheckRequest(request);
  RoundTrip(request);
  return 0;
}
