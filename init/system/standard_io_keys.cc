#include "init/system/standard_io_keys.h"

#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "init/system/exec_command.h"
#include "init/system/unit_conditions.h"
#include "init/system/unit_key_values.h"
#include "runtime/status.h"

namespace faultinit {

const std::string& StandardIo::TtyPath() const {
  static const std::string* const kConsole = new std::string("/dev/console");
  return tty_path.empty() ? *kConsole : tty_path;
}

namespace {

using fault::OkStatus;
using fault::Status;

Status Boolean(absl::string_view key, absl::string_view value, bool fallback,
               bool* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  std::optional<bool> b = ParseConditionBoolean(value);
  if (!b) {
    return KeyError(key, absl::StrCat("invalid boolean ", QuoteText(value),
                                      ": expected yes or no"));
  }
  *out = *b;
  return OkStatus();
}

Status AbsolutePath(absl::string_view key, absl::string_view path,
                    absl::string_view value) {
  if (path.empty() || path[0] != '/') {
    return KeyError(
        key, absl::StrCat("invalid path ", QuoteText(path), " in ",
                          QuoteText(value), ": expected an absolute path"));
  }
  return OkStatus();
}

Status Input(UnitKeyContext& c, absl::string_view key,
             absl::string_view value) {
  StandardIo& io = c.unit.io;
  io.input_path.clear();
  if (value.empty() || value == "null") {
    io.input = StandardInput::kNull;
  } else if (value == "tty") {
    io.input = StandardInput::kTty;
  } else if (value == "tty-force") {
    io.input = StandardInput::kTtyForce;
  } else if (value == "tty-fail") {
    io.input = StandardInput::kTtyFail;
  } else if (absl::StartsWith(value, "file:")) {
    absl::string_view path = value.substr(5);
    FAULT_RETURN_IF_ERROR(AbsolutePath(key, path, value));
    io.input = StandardInput::kFile;
    io.input_path = std::string(path);
  } else if (value == "socket") {
    io.input = StandardInput::kSocket;
  } else if (value == "data" || absl::StartsWith(value, "fd:")) {
    return KeyError(key,
                    absl::StrCat("invalid value ", QuoteText(value),
                                 ": not supported (faultinit passes no "
                                 "data or descriptors); expected null, tty, "
                                 "tty-force, tty-fail, file:PATH or socket"));
  } else {
    return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                      ": expected null, tty, tty-force, "
                                      "tty-fail, file:PATH or socket"));
  }
  return OkStatus();
}

Status InputData(UnitKeyContext&, absl::string_view key, absl::string_view) {
  return KeyError(key,
                  "not supported: faultinit passes no data on stdin "
                  "(StandardInput=data)");
}

struct OutputWord {
  absl::string_view word;
  OutputTarget::Kind kind;
};

constexpr OutputWord kOutputWords[] = {
    {"journal", OutputTarget::Kind::kJournal},
    {"inherit", OutputTarget::Kind::kInherit},
    {"null", OutputTarget::Kind::kNull},
    {"console", OutputTarget::Kind::kConsole},
    {"tty", OutputTarget::Kind::kTty},
    {"kmsg", OutputTarget::Kind::kKmsg},
    {"syslog", OutputTarget::Kind::kSyslog},
    {"journal+console", OutputTarget::Kind::kJournalConsole},
    {"kmsg+console", OutputTarget::Kind::kKmsgConsole},
    {"syslog+console", OutputTarget::Kind::kSyslogConsole},
    {"socket", OutputTarget::Kind::kSocket},
};

Status Output(absl::string_view key, absl::string_view value,
              OutputTarget::Kind fallback, OutputTarget* out) {
  if (value.empty()) {
    *out = OutputTarget{fallback, ""};
    return OkStatus();
  }
  for (const OutputWord& w : kOutputWords) {
    if (w.word == value) {
      *out = OutputTarget{w.kind, ""};
      return OkStatus();
    }
  }
  absl::string_view path = value;
  OutputTarget::Kind kind;
  if (absl::ConsumePrefix(&path, "file:")) {
    kind = OutputTarget::Kind::kFile;
  } else if (absl::ConsumePrefix(&path, "append:")) {
    kind = OutputTarget::Kind::kAppend;
  } else {
    return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                      ": expected journal, inherit, null, "
                                      "console, tty, kmsg, syslog, "
                                      "journal+console, kmsg+console, "
                                      "syslog+console, socket, file:PATH "
                                      "or append:PATH"));
  }
  FAULT_RETURN_IF_ERROR(AbsolutePath(key, path, value));
  *out = OutputTarget{kind, std::string(path)};
  return OkStatus();
}

Status StandardOutput(UnitKeyContext& c, absl::string_view key,
                      absl::string_view value) {
  c.unit.io.output_given = !value.empty();
  return Output(key, value, OutputTarget::Kind::kJournal,
                &c.unit.standard_output);
}

Status StandardError(UnitKeyContext& c, absl::string_view key,
                     absl::string_view value) {
  return Output(key, value, OutputTarget::Kind::kInherit,
                &c.unit.standard_error);
}

Status TTYPath(UnitKeyContext& c, absl::string_view key,
               absl::string_view value) {
  if (!value.empty()) FAULT_RETURN_IF_ERROR(AbsolutePath(key, value, value));
  c.unit.io.tty_path = std::string(value);
  return OkStatus();
}

Status TTYReset(UnitKeyContext& c, absl::string_view key,
                absl::string_view value) {
  return Boolean(key, value, false, &c.unit.io.tty_reset);
}

Status TTYVHangup(UnitKeyContext& c, absl::string_view key,
                  absl::string_view value) {
  return Boolean(key, value, false, &c.unit.io.tty_vhangup);
}

Status TTYVTDisallocate(UnitKeyContext& c, absl::string_view key,
                        absl::string_view value) {
  return Boolean(key, value, false, &c.unit.io.tty_vt_disallocate);
}

Status IgnoreSIGPIPE(UnitKeyContext& c, absl::string_view key,
                     absl::string_view value) {
  return Boolean(key, value, true, &c.unit.io.ignore_sigpipe);
}

Status SyslogIdentifier(UnitKeyContext& c, absl::string_view key,
                        absl::string_view value) {
  // It prefixes log lines: no control bytes, no space (syslog's TAG).
  for (char ch : value) {
    unsigned char b = static_cast<unsigned char>(ch);
    if (b <= 0x20 || b == 0x7f) {
      return KeyError(key, absl::StrCat("invalid identifier ", QuoteText(value),
                                        ": no spaces or control bytes"));
    }
  }
  if (value.size() > 64) {
    return KeyError(key, absl::StrCat("invalid identifier ", QuoteText(value),
                                      ": longer than 64 bytes"));
  }
  c.unit.io.syslog_identifier = std::string(value);
  return OkStatus();
}

constexpr absl::string_view kFacilities[] = {
    "kern",   "user",     "mail",    "daemon",       "auth",     "syslog",
    "lpr",    "news",     "uucp",    "cron",         "authpriv", "ftp",
    "ntp",    "security", "console", "solaris-cron", "local0",   "local1",
    "local2", "local3",   "local4",  "local5",       "local6",   "local7",
};
constexpr absl::string_view kLevels[] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

template <size_t N>
Status Named(absl::string_view key, absl::string_view value,
             const absl::string_view (&names)[N], uint8_t fallback,
             uint8_t* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == value) {
      *out = static_cast<uint8_t>(i);
      return OkStatus();
    }
  }
  std::string expected;
  for (size_t i = 0; i < N; ++i) {
    absl::StrAppend(&expected,
                    i == 0       ? ""
                    : i + 1 == N ? " or "
                                 : ", ",
                    names[i]);
  }
  return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                    ": expected ", expected));
}

Status SyslogFacility(UnitKeyContext& c, absl::string_view key,
                      absl::string_view value) {
  return Named(key, value, kFacilities, 3, &c.unit.io.syslog_facility);
}

Status SyslogLevel(UnitKeyContext& c, absl::string_view key,
                   absl::string_view value) {
  return Named(key, value, kLevels, 6, &c.unit.io.syslog_level);
}

Status SyslogLevelPrefix(UnitKeyContext& c, absl::string_view key,
                         absl::string_view value) {
  bool prefix = true;
  FAULT_RETURN_IF_ERROR(Boolean(key, value, true, &prefix));
  if (prefix && !value.empty()) {
    c.warnings.push_back(absl::StrCat(
        key,
        ": differs from systemd: a \"<N>\" at the start of a line is "
        "kept as text, not read as the line's level"));
  }
  return OkStatus();
}

constexpr UnitKey kKeys[] = {
    {UnitSection::kService, "StandardInput", &Input},
    {UnitSection::kService, "StandardInputText", &InputData},
    {UnitSection::kService, "StandardInputData", &InputData},
    {UnitSection::kService, "StandardOutput", &StandardOutput},
    {UnitSection::kService, "StandardError", &StandardError},
    {UnitSection::kService, "TTYPath", &TTYPath},
    {UnitSection::kService, "TTYReset", &TTYReset},
    {UnitSection::kService, "TTYVHangup", &TTYVHangup},
    {UnitSection::kService, "TTYVTDisallocate", &TTYVTDisallocate},
    {UnitSection::kService, "IgnoreSIGPIPE", &IgnoreSIGPIPE},
    {UnitSection::kService, "SyslogIdentifier", &SyslogIdentifier},
    {UnitSection::kService, "SyslogFacility", &SyslogFacility},
    {UnitSection::kService, "SyslogLevel", &SyslogLevel},
    {UnitSection::kService, "SyslogLevelPrefix", &SyslogLevelPrefix},
};

}  // namespace

UnitKeyTable StandardIoKeys() { return kKeys; }

OutputTarget EffectiveStandardOutput(const Unit& unit) {
  const OutputTarget& out = unit.standard_output;
  // systemd's inherit duplicates a terminal's or a socket's stdin.
  const bool inherit =
      !unit.io.output_given || out.kind == OutputTarget::Kind::kInherit;
  if (IsTtyInput(unit.io.input) && inherit) {
    return OutputTarget{OutputTarget::Kind::kTty, ""};
  }
  if (unit.io.input == StandardInput::kSocket && inherit) {
    return OutputTarget{OutputTarget::Kind::kSocket, ""};
  }
  return out;
}

OutputTarget EffectiveStandardError(const Unit& unit) {
  if (unit.standard_error.kind == OutputTarget::Kind::kInherit) {
    return EffectiveStandardOutput(unit);
  }
  return unit.standard_error;
}

}  // namespace faultinit
