#include "init/control/request.h"

#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/control/field.h"

namespace faultinit::control {
namespace {

RequestError Usage(std::string message) {
  return RequestError{ErrorCode::kUsage, std::move(message)};
}

RequestError WrongArguments(absl::string_view verb) {
  return Usage(absl::StrCat("unknown verb or wrong arguments: \"", verb, "\""));
}

// TakesLines: whether the verb's first argument is N.
bool TakesLines(Verb verb) {
  return verb == Verb::kLog || verb == Verb::kFollow;
}

}  // namespace

fault::StatusOr<std::string> EncodeRequest(const Request& request) {
  std::string line =
      absl::StrCat(kProtocolVersion, "\t",
                   EscapeField(WireVerb(request.verb, request.nowait)));
  if (TakesLines(request.verb)) absl::StrAppend(&line, "\t", request.lines);
  for (const std::string& name : request.names) {
    absl::StrAppend(&line, "\t", EscapeField(name));
  }
  line += '\n';
  if (line.size() > kMaxRequestBytes) {
    return fault::InvalidArgumentError(
        absl::StrCat("request too long: ", line.size(), " bytes, at most ",
                     kMaxRequestBytes));
  }
  return line;
}

RequestFrame FrameRequest(absl::string_view received) {
  const size_t newline = received.substr(0, kMaxRequestBytes).find('\n');
  if (newline != absl::string_view::npos) {
    return RequestFrame{RequestFrame::Kind::kLine, received.substr(0, newline)};
  }
  if (received.size() >= kMaxRequestBytes) {
    return RequestFrame{RequestFrame::Kind::kTooLong, {}};
  }
  return RequestFrame{RequestFrame::Kind::kIncomplete, {}};
}

RequestError RequestTooLong() {
  return Usage(
      absl::StrCat("request longer than ", kMaxRequestBytes, " bytes"));
}

ParsedRequest ParseRequest(absl::string_view line) {
  std::vector<std::string> fields;
  for (absl::string_view wire : absl::StrSplit(line, '\t')) {
    std::optional<std::string> field = UnescapeField(wire);
    if (!field) {
      return Usage(
          absl::StrCat("field ", fields.size() + 1, " has an invalid escape"));
    }
    fields.push_back(std::move(*field));
  }
  if (fields.size() < 2) return Usage("expected VERSION<tab>VERB");
  if (fields[0] != absl::StrCat(kProtocolVersion)) {
    return RequestError{
        ErrorCode::kVersion,
        absl::StrCat("unsupported protocol version \"", fields[0],
                     "\"; this faultinit speaks ", kProtocolVersion)};
  }
  const std::optional<ParsedVerb> known = ParseWireVerb(fields[1]);
  if (!known) return WrongArguments(fields[1]);
  const std::string& verb_text = fields[1];
  Request request;
  request.verb = known->verb;
  request.nowait = known->nowait;
  request.names.assign(std::make_move_iterator(fields.begin() + 2),
                       std::make_move_iterator(fields.end()));
  switch (request.verb) {
    case Verb::kStatus:
      break;
    case Verb::kStart:
    case Verb::kStop:
    case Verb::kRestart:
      if (request.names.empty()) {
        return Usage(absl::StrCat(verb_text, " needs a service name"));
      }
      break;
    case Verb::kIsolate:
      if (request.names.size() != 1) {
        return Usage(absl::StrCat(verb_text, " needs one unit name"));
      }
      break;
    case Verb::kLog:
    case Verb::kFollow: {
      if (request.names.size() != 2 ||
          !absl::SimpleAtoi(request.names[0], &request.lines)) {
        return Usage("expected N<tab>NAME");
      }
      request.names.erase(request.names.begin());
      break;
    }
    case Verb::kReload:  // names: their ExecReload=; none: the units
      break;
    case Verb::kDaemonReload:
    case Verb::kPowerOff:
    case Verb::kReboot:
    case Verb::kHalt:
      if (!request.names.empty()) return WrongArguments(verb_text);
      break;
  }
  return request;
}

}  // namespace faultinit::control
