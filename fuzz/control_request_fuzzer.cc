// Fuzzes the control protocol's request decoder, server side
// (init/supervisor/control_request.h): the bytes a client sends, framed by
// FrameRequest and checked by ParseControlRequest, as ControlServer does
// before it asks the Supervisor anything.
//
// Properties: a framed line is at most 4095 bytes and holds no newline
// (docs/control.md: 4096 bytes with its "\n"); only 4096 bytes without a
// newline are too long; every field of an accepted request, escaped again
// (init/control_field.h), is the wire text it came from; an accepted
// request has the arguments its verb takes, and faultctl's EncodeRequest
// writes it in a form that parses to the same request, names with tabs,
// newlines and backslashes included; a refusal is a usage or version
// error that the server's ERR line carries to faultctl intact, on one
// line.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "init/control_field.h"
#include "init/ctl/protocol.h"
#include "init/supervisor/control_request.h"

namespace faultinit {
namespace {

void CheckRequest(const ControlRequest& request) {
  switch (request.verb) {
    case ControlVerb::kStatus:
      FUZZ_CHECK(!request.nowait);
      break;
    case ControlVerb::kStart:
    case ControlVerb::kStop:
    case ControlVerb::kRestart:
      FUZZ_CHECK(!request.names.empty());
      break;
    case ControlVerb::kLog:
    case ControlVerb::kFollow:
      FUZZ_CHECK(request.names.size() == 1);
      FUZZ_CHECK(!request.nowait);
      break;
    case ControlVerb::kReload:
    case ControlVerb::kPowerOff:
    case ControlVerb::kReboot:
    case ControlVerb::kHalt:
      FUZZ_CHECK(request.names.empty());
      FUZZ_CHECK(!request.nowait);
      break;
  }
}

// RoundTrip encodes `request` as faultctl would and parses it again.
void RoundTrip(const ControlRequest& request) {
  std::vector<std::string> args;
  if (request.verb == ControlVerb::kLog ||
      request.verb == ControlVerb::kFollow) {
    args.push_back(absl::StrCat(request.lines));
  }
  args.insert(args.end(), request.names.begin(), request.names.end());
  fault::StatusOr<std::string> encoded =
      faultctl::EncodeRequest(request.verb_text, args);
  if (!encoded.ok()) return;  // too long once "N" is rewritten
  const RequestFrame frame = FrameRequest(*encoded);
  FUZZ_CHECK(frame.kind == RequestFrame::Kind::kLine);
  FUZZ_CHECK(frame.line.size() + 1 == encoded->size());
  ParsedControlRequest again = ParseControlRequest(frame.line);
  const auto* same = std::get_if<ControlRequest>(&again);
  FUZZ_CHECK(same != nullptr);
  FUZZ_CHECK(same->verb == request.verb);
  FUZZ_CHECK(same->verb_text == request.verb_text);
  FUZZ_CHECK(same->nowait == request.nowait);
  FUZZ_CHECK(same->names == request.names);
  FUZZ_CHECK(same->lines == request.lines);
}

}  // namespace
}  // namespace faultinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultinit;
  const absl::string_view received(reinterpret_cast<const char*>(data), size);
  const RequestFrame frame = FrameRequest(received);
  switch (frame.kind) {
    case RequestFrame::Kind::kIncomplete:
      FUZZ_CHECK(received.find('\n') == absl::string_view::npos);
      FUZZ_CHECK(received.size() < kMaxRequestLine);
      return 0;
    case RequestFrame::Kind::kTooLong:
      FUZZ_CHECK(received.size() >= kMaxRequestLine);
      FUZZ_CHECK(received.substr(0, kMaxRequestLine).find('\n') ==
                 absl::string_view::npos);
      return 0;
    case RequestFrame::Kind::kLine:
      break;
  }
  FUZZ_CHECK(frame.line.size() < kMaxRequestLine);
  FUZZ_CHECK(frame.line.find('\n') == absl::string_view::npos);
  FUZZ_CHECK(frame.line.data() == received.data());
  FUZZ_CHECK(received[frame.line.size()] == '\n');

  ParsedControlRequest parsed = ParseControlRequest(frame.line);
  if (const auto* error = std::get_if<ControlRequestError>(&parsed)) {
    FUZZ_CHECK(error->code == "usage" || error->code == "version");
    FUZZ_CHECK(!error->message.empty());
    // The message may quote what the client sent; the answer's line
    // (ControlServer::SendError) escapes it.
    const std::string answer =
        absl::StrCat("ERR\t", error->code, "\t", EscapeField(error->message));
    FUZZ_CHECK(answer.find('\n') == std::string::npos);
    fault::StatusOr<faultctl::ResponseLine> decoded =
        faultctl::DecodeResponseLine(answer);
    FUZZ_CHECK(decoded.ok());
    const auto* line = std::get_if<faultctl::ErrorLine>(&*decoded);
    FUZZ_CHECK(line != nullptr && line->code_text == error->code &&
               line->message == error->message);
    return 0;
  }
  for (absl::string_view wire : absl::StrSplit(frame.line, '\t')) {
    const std::optional<std::string> field = UnescapeField(wire);
    FUZZ_CHECK(field.has_value() && EscapeField(*field) == wire);
  }
  const ControlRequest& request = std::get<ControlRequest>(parsed);
  CheckRequest(request);
  RoundTrip(request);
  return 0;
}
