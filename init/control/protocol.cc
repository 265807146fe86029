#include "init/control/protocol.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace faultinit::control {
namespace {

constexpr absl::string_view kNowaitSuffix = "-nowait";

constexpr ErrorCode kSentCodes[] = {
    ErrorCode::kUsage,  ErrorCode::kPermission, ErrorCode::kUnknown,
    ErrorCode::kFailed, ErrorCode::kBusy,       ErrorCode::kVersion,
};

}  // namespace

absl::string_view VerbName(Verb verb) {
  switch (verb) {
    case Verb::kStatus:
      return "status";
    case Verb::kStart:
      return "start";
    case Verb::kStop:
      return "stop";
    case Verb::kRestart:
      return "restart";
    case Verb::kReload:
      return "reload";
    case Verb::kDaemonReload:
      return "daemon-reload";
    case Verb::kIsolate:
      return "isolate";
    case Verb::kLog:
      return "log";
    case Verb::kFollow:
      return "follow";
    case Verb::kPowerOff:
      return "poweroff";
    case Verb::kReboot:
      return "reboot";
    case Verb::kHalt:
      return "halt";
  }
  return "?";
}

bool TakesNowait(Verb verb) {
  switch (verb) {
    case Verb::kStart:
    case Verb::kStop:
    case Verb::kRestart:
    case Verb::kIsolate:
      return true;
    case Verb::kStatus:
    case Verb::kReload:
    case Verb::kDaemonReload:
    case Verb::kLog:
    case Verb::kFollow:
    case Verb::kPowerOff:
    case Verb::kReboot:
    case Verb::kHalt:
      return false;
  }
  return false;
}

std::string WireVerb(Verb verb, bool nowait) {
  if (nowait && TakesNowait(verb)) {
    return absl::StrCat(VerbName(verb), kNowaitSuffix);
  }
  return std::string(VerbName(verb));
}

std::optional<ParsedVerb> ParseWireVerb(absl::string_view text) {
  const bool nowait = absl::ConsumeSuffix(&text, kNowaitSuffix);
  for (Verb verb : kVerbs) {
    if (VerbName(verb) == text && (!nowait || TakesNowait(verb))) {
      return ParsedVerb{verb, nowait};
    }
  }
  return std::nullopt;
}

absl::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUsage:
      return "usage";
    case ErrorCode::kPermission:
      return "permission";
    case ErrorCode::kUnknown:
      return "unknown";
    case ErrorCode::kFailed:
      return "failed";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kVersion:
      return "version";
    case ErrorCode::kOther:
      return "other";
  }
  return "other";
}

ErrorCode ParseErrorCode(absl::string_view code) {
  for (ErrorCode known : kSentCodes) {
    if (ErrorCodeName(known) == code) return known;
  }
  return ErrorCode::kOther;
}

}  // namespace faultinit::control
