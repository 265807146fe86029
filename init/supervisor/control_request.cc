#include "init/supervisor/control_request.h"

#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/control_field.h"

namespace faultinit {
namespace {

struct VerbName {
  absl::string_view text;
  ControlVerb verb;
  bool nowait;
};

constexpr VerbName kVerbs[] = {
    {"status", ControlVerb::kStatus, false},
    {"start", ControlVerb::kStart, false},
    {"stop", ControlVerb::kStop, false},
    {"restart", ControlVerb::kRestart, false},
    {"start-nowait", ControlVerb::kStart, true},
    {"stop-nowait", ControlVerb::kStop, true},
    {"restart-nowait", ControlVerb::kRestart, true},
    {"reload", ControlVerb::kReload, false},
    {"log", ControlVerb::kLog, false},
    {"follow", ControlVerb::kFollow, false},
    {"poweroff", ControlVerb::kPowerOff, false},
    {"reboot", ControlVerb::kReboot, false},
    {"halt", ControlVerb::kHalt, false},
};

ControlRequestError Usage(std::string message) {
  return ControlRequestError{"usage", std::move(message)};
}

ControlRequestError WrongArguments(absl::string_view verb) {
  return Usage(absl::StrCat("unknown verb or wrong arguments: \"", verb, "\""));
}

}  // namespace

RequestFrame FrameRequest(absl::string_view received) {
  const size_t newline = received.substr(0, kMaxRequestLine).find('\n');
  if (newline != absl::string_view::npos) {
    return RequestFrame{RequestFrame::Kind::kLine, received.substr(0, newline)};
  }
  if (received.size() >= kMaxRequestLine) {
    return RequestFrame{RequestFrame::Kind::kTooLong, {}};
  }
  return RequestFrame{RequestFrame::Kind::kIncomplete, {}};
}

ParsedControlRequest ParseControlRequest(absl::string_view line) {
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
  if (fields[0] != "1") {
    return ControlRequestError{
        "version", absl::StrCat("unsupported protocol version \"", fields[0],
                                "\"; this faultinit speaks 1")};
  }
  const VerbName* known = nullptr;
  for (const VerbName& v : kVerbs) {
    if (v.text == fields[1]) known = &v;
  }
  if (known == nullptr) return WrongArguments(fields[1]);
  ControlRequest request;
  request.verb = known->verb;
  request.verb_text = std::move(fields[1]);
  request.nowait = known->nowait;
  request.names.assign(std::make_move_iterator(fields.begin() + 2),
                       std::make_move_iterator(fields.end()));
  switch (request.verb) {
    case ControlVerb::kStatus:
      break;
    case ControlVerb::kStart:
    case ControlVerb::kStop:
    case ControlVerb::kRestart:
      if (request.names.empty()) {
        return Usage(absl::StrCat(request.verb_text, " needs a service name"));
      }
      break;
    case ControlVerb::kLog:
    case ControlVerb::kFollow: {
      if (request.names.size() != 2 ||
          !absl::SimpleAtoi(request.names[0], &request.lines)) {
        return Usage("expected N<tab>NAME");
      }
      request.names.erase(request.names.begin());
      break;
    }
    case ControlVerb::kReload:
    case ControlVerb::kPowerOff:
    case ControlVerb::kReboot:
    case ControlVerb::kHalt:
      if (!request.names.empty()) return WrongArguments(request.verb_text);
      break;
  }
  return request;
}

}  // namespace faultinit
