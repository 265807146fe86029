#include "init/system/unit.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/system/account_name.h"
#include "init/system/exec_directory_keys.h"
#include "init/system/exec_environment_keys.h"
#include "init/system/exec_privilege_keys.h"
#include "init/system/main_process_keys.h"
#include "init/system/other_unit_keys.h"
#include "init/system/process_attribute_keys.h"
#include "init/system/socket_keys.h"
#include "init/system/standard_io_keys.h"
#include "init/system/target_unit_keys.h"
#include "init/system/unit_conditions.h"
#include "init/system/unit_exit_status.h"
#include "init/system/unit_job_keys.h"
#include "init/system/unit_keys.h"
#include "init/system/unit_lifecycle_keys.h"
#include "init/system/unit_limits.h"
#include "init/system/unit_name.h"
#include "init/system/unit_specifiers.h"
#include "runtime/duration.h"
#include "runtime/signals.h"
#include "runtime/status.h"

namespace faultinit {
namespace {

using fault::InvalidArgumentError;
using fault::OkStatus;
using fault::Status;
using fault::StatusOr;

constexpr absl::string_view kServiceSuffix = ".service";

Status KeyError(absl::string_view key, absl::string_view message) {
  return InvalidArgumentError(absl::StrCat(key, ": ", message));
}

// Choice: one accepted word of an enumerated key.
template <typename E>
struct Choice {
  absl::string_view word;
  E value;
};

// Expected lists the words as "a, b or c".
template <typename E, size_t N>
std::string Expected(const Choice<E> (&choices)[N]) {
  std::string out;
  for (size_t k = 0; k < N; ++k) {
    if (k > 0) out += k + 1 == N ? " or " : ", ";
    out += std::string(choices[k].word);
  }
  return out;
}

template <typename E, size_t N>
Status Choose(absl::string_view key, absl::string_view value,
              const Choice<E> (&choices)[N], E* out) {
  for (const Choice<E>& choice : choices) {
    if (choice.word == value) {
      *out = choice.value;
      return OkStatus();
    }
  }
  return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                    ": expected ", Expected(choices)));
}

constexpr Choice<ServiceType> kTypes[] = {
    {"simple", ServiceType::kSimple},   {"exec", ServiceType::kExec},
    {"oneshot", ServiceType::kOneshot}, {"notify", ServiceType::kNotify},
    {"forking", ServiceType::kForking},
};

constexpr Choice<RestartPolicy> kRestartPolicies[] = {
    {"no", RestartPolicy::kNo},
    {"always", RestartPolicy::kAlways},
    {"on-success", RestartPolicy::kOnSuccess},
    {"on-failure", RestartPolicy::kOnFailure},
    {"on-abnormal", RestartPolicy::kOnAbnormal},
    {"on-abort", RestartPolicy::kOnAbort},
    {"on-watchdog", RestartPolicy::kOnWatchdog},
};

constexpr Choice<KillMode> kKillModes[] = {
    {"control-group", KillMode::kControlGroup},
    {"mixed", KillMode::kMixed},
    {"process", KillMode::kProcess},
    {"none", KillMode::kNone},
};

bool IsValidKey(absl::string_view key) {
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-' && c != '.') {
      return false;
    }
  }
  return !key.empty();
}

enum class Section { kNone, kUnit, kService, kSocket, kIgnored };

class Parser {
 public:
  Parser(absl::string_view path, ParsedUnit* out)
      : path_(path), file_(path), out_(out) {}

  // Parse reads the unit file's `contents`, then each drop-in's over it,
  // in order, then checks the whole (Finish).
  void Parse(absl::string_view contents,
             const std::vector<DropInText>& drop_ins);

 private:
  using Apply = Status (Parser::*)(absl::string_view key,
                                   absl::string_view value);
  struct Key {
    Section section;
    absl::string_view name;
    Apply apply;
  };
  static const Key kKeys[];

  void Report(int line, Severity severity, std::string message);
  void Error(int line, std::string message) {
    Report(line, Severity::kError, std::move(message));
  }
  void Warning(int line, std::string message) {
    Report(line, Severity::kWarning, std::move(message));
  }
  // Read applies the entries of one file, `file` (the unit's or a
  // drop-in's), to the unit; false when it was too large to parse.
  bool Read(absl::string_view file, absl::string_view contents);
  void Entry(absl::string_view text, int line);
  void Finish();

  Unit& unit() { return out_->unit; }

  // Key handlers: each applies a value or returns an error naming the key.
  Status Description(absl::string_view key, absl::string_view value);
  // Documentation=: where `systemctl help` points; faultinit shows no
  // documentation, and nothing the unit does at run time depends on it.
  Status Documentation(absl::string_view, absl::string_view) {
    return OkStatus();
  }
  Status After(absl::string_view key, absl::string_view value) {
    return Dependencies(key, value, &unit().after);
  }
  Status Before(absl::string_view key, absl::string_view value) {
    return Dependencies(key, value, &unit().before);
  }
  Status Requires(absl::string_view key, absl::string_view value) {
    return Dependencies(key, value, &unit().required);
  }
  Status Wants(absl::string_view key, absl::string_view value) {
    return Dependencies(key, value, &unit().wanted);
  }
  Status StartLimitIntervalSec(absl::string_view key, absl::string_view value) {
    return DurationValue(key, value, fault::Seconds(10), false,
                         &unit().start_limit_interval);
  }
  Status StartLimitBurst(absl::string_view key, absl::string_view value) {
    return UnsignedValue(key, value, 5, &unit().start_limit_burst);
  }
  Status Type(absl::string_view key, absl::string_view value);
  Status PIDFile(absl::string_view key, absl::string_view value);
  Status NotificationFd(absl::string_view key, absl::string_view value);
  Status ExecCondition(absl::string_view key, absl::string_view value) {
    return Exec(key, value, &unit().exec_condition);
  }
  Status ExecStartPre(absl::string_view key, absl::string_view value) {
    return Exec(key, value, &unit().exec_start_pre);
  }
  Status ExecStart(absl::string_view key, absl::string_view value) {
    return Exec(key, value, &unit().exec_start);
  }
  Status ExecStop(absl::string_view key, absl::string_view value) {
    return Exec(key, value, &unit().exec_stop);
  }
  Status Restart(absl::string_view key, absl::string_view value);
  Status RestartSec(absl::string_view key, absl::string_view value) {
    return DurationValue(key, value, fault::Milliseconds(100), false,
                         &unit().restart_sec);
  }
  Status RestartSteps(absl::string_view key, absl::string_view value) {
    return UnsignedValue(key, value, 0, &unit().restart_steps);
  }
  Status RestartMaxDelaySec(absl::string_view key, absl::string_view value) {
    return DurationValue(key, value, fault::InfiniteDuration(), false,
                         &unit().restart_max_delay);
  }
  Status TimeoutStartSec(absl::string_view key, absl::string_view value) {
    timeout_start_set_ = !value.empty();
    return DurationValue(key, value, fault::Seconds(90), true,
                         &unit().timeout_start);
  }
  Status TimeoutStopSec(absl::string_view key, absl::string_view value) {
    return DurationValue(key, value, fault::Seconds(90), true,
                         &unit().timeout_stop);
  }
  // TimeoutSec=: both of the above.
  Status TimeoutSec(absl::string_view key, absl::string_view value) {
    Status status = TimeoutStartSec(key, value);
    unit().timeout_stop = unit().timeout_start;
    return status;
  }
  Status BusName(absl::string_view key, absl::string_view value);
  Status KillSignal(absl::string_view key, absl::string_view value);
  Status KillModeKey(absl::string_view key, absl::string_view value);
  Status User(absl::string_view key, absl::string_view value) {
    return UserName(key, value, &unit().user);
  }
  Status Group(absl::string_view key, absl::string_view value) {
    return UserName(key, value, &unit().group);
  }
  Status WorkingDirectory(absl::string_view key, absl::string_view value);
  Status Environment(absl::string_view key, absl::string_view value);
  Status EnvironmentFile(absl::string_view key, absl::string_view value);
  Status UMask(absl::string_view key, absl::string_view value);

  // Shared by the handlers.
  Status Dependencies(absl::string_view key, absl::string_view value,
                      std::vector<Dependency>* list);
  Status DurationValue(absl::string_view key, absl::string_view value,
                       fault::Duration fallback, bool zero_is_infinity,
                       fault::Duration* out);
  Status UnsignedValue(absl::string_view key, absl::string_view value,
                       unsigned fallback, unsigned* out);
  Status Exec(absl::string_view key, absl::string_view value,
              std::vector<ExecLine>* list);
  Status UserName(absl::string_view key, absl::string_view value,
                  std::string* out);

  absl::string_view path_;  // the unit file (names the unit, %f)
  absl::string_view file_;  // the file being read, for diagnostics
  ParsedUnit* out_;
  Section section_ = Section::kNone;
  int line_ = 0;  // of the entry being applied
  int errors_ = 0;
  bool stopped_ = false;
  bool timeout_start_set_ = false;
  bool type_set_ = false;  // Type= given (Finish: a oneshot without ExecStart=)
  int restart_line_ = 0;
  int dbus_line_ = 0;  // of a Type=dbus in force
  // The files of the lines above and of the second ExecStart= (a drop-in's
  // or the unit's), for Finish's diagnostics.
  absl::string_view restart_file_, dbus_file_, notification_fd_file_,
      second_exec_start_file_;
  std::string bus_name_;
  int notification_fd_line_ = 0;
};

const Parser::Key Parser::kKeys[] = {
    {Section::kUnit, "Description", &Parser::Description},
    {Section::kUnit, "Documentation", &Parser::Documentation},
    {Section::kUnit, "After", &Parser::After},
    {Section::kUnit, "Before", &Parser::Before},
    {Section::kUnit, "Requires", &Parser::Requires},
    {Section::kUnit, "Wants", &Parser::Wants},
    {Section::kUnit, "StartLimitIntervalSec", &Parser::StartLimitIntervalSec},
    {Section::kUnit, "StartLimitBurst", &Parser::StartLimitBurst},
    // systemd's older names and places, still read by systemd.
    {Section::kUnit, "StartLimitInterval", &Parser::StartLimitIntervalSec},
    {Section::kService, "StartLimitInterval", &Parser::StartLimitIntervalSec},
    {Section::kService, "StartLimitBurst", &Parser::StartLimitBurst},
    {Section::kService, "Type", &Parser::Type},
    {Section::kService, "PIDFile", &Parser::PIDFile},
    {Section::kService, "NotificationFd", &Parser::NotificationFd},
    {Section::kService, "ExecCondition", &Parser::ExecCondition},
    {Section::kService, "ExecStartPre", &Parser::ExecStartPre},
    {Section::kService, "ExecStart", &Parser::ExecStart},
    {Section::kService, "ExecStop", &Parser::ExecStop},
    {Section::kService, "Restart", &Parser::Restart},
    {Section::kService, "RestartSec", &Parser::RestartSec},
    {Section::kService, "RestartSteps", &Parser::RestartSteps},
    {Section::kService, "RestartMaxDelaySec", &Parser::RestartMaxDelaySec},
    {Section::kService, "TimeoutStartSec", &Parser::TimeoutStartSec},
    {Section::kService, "TimeoutStopSec", &Parser::TimeoutStopSec},
    {Section::kService, "TimeoutSec", &Parser::TimeoutSec},
    {Section::kService, "BusName", &Parser::BusName},
    {Section::kService, "KillSignal", &Parser::KillSignal},
    {Section::kService, "KillMode", &Parser::KillModeKey},
    {Section::kService, "User", &Parser::User},
    {Section::kService, "Group", &Parser::Group},
    {Section::kService, "WorkingDirectory", &Parser::WorkingDirectory},
    {Section::kService, "Environment", &Parser::Environment},
    {Section::kService, "EnvironmentFile", &Parser::EnvironmentFile},
    {Section::kService, "UMask", &Parser::UMask},
};

// The key tables of their own files (unit_keys.h), consulted after kKeys.
const std::array<UnitKeyTable, 14> kUnitKeyTables{
    kConditionKeys,          // unit_conditions.h
    kExitStatusKeys,         // unit_exit_status.h
    kLimitKeys,              // unit_limits.h
    ExecDirectoryKeys(),     // exec_directory_keys.h
    ProcessAttributeKeys(),  // process_attribute_keys.h
    ExecEnvironmentKeys(),   // exec_environment_keys.h
    ExecPrivilegeKeys(),     // exec_privilege_keys.h
    kLifecycleKeys,          // unit_lifecycle_keys.h
    StandardIoKeys(),        // standard_io_keys.h
    MainProcessKeys(),       // main_process_keys.h
    UnitJobKeys(),           // unit_job_keys.h
    TargetUnitKeys(),        // target_unit_keys.h
    SocketKeys(),            // socket_keys.h
    OtherUnitKeys(),         // other_unit_keys.h
};

absl::string_view SectionName(Section section) {
  if (section == Section::kSocket) return "[Socket]";
  return section == Section::kUnit ? "[Unit]" : "[Service]";
}

// Printable writes control bytes and bytes above 0x7e as \xNN, as QuoteText
// does: messages quote values (some through ParseTimeSpan or ParseSignal,
// which quote them raw) and must not carry a file's garbage to a terminal.
std::string Printable(absl::string_view message) {
  std::string out;
  for (char c : message) {
    unsigned char b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f) {
      out.push_back(c);
    } else {
      std::string quoted = QuoteText(absl::string_view(&c, 1));
      out.append(quoted, 1, quoted.size() - 2);  // without the quotes
    }
  }
  return out;
}

void Parser::Report(int line, Severity severity, std::string message) {
  if (stopped_) return;
  out_->diagnostics.push_back(
      Diagnostic{std::string(file_), line, severity, Printable(message)});
  if (severity == Severity::kError && ++errors_ == kMaxErrorsPerFile) {
    out_->diagnostics.push_back(
        Diagnostic{std::string(file_), line, Severity::kError,
                   absl::StrCat("too many errors (", kMaxErrorsPerFile,
                                "); the rest of the file is not checked")});
    stopped_ = true;
  }
}

// OddTrailingBackslashes: whether `text` ends in an unescaped backslash.
bool OddTrailingBackslashes(absl::string_view text) {
  size_t n = 0;
  while (n < text.size() && text[text.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

bool IsComment(absl::string_view text) {
  absl::string_view s = absl::StripLeadingAsciiWhitespace(text);
  return !s.empty() && (s[0] == '#' || s[0] == ';');
}

void Parser::Parse(absl::string_view contents,
                   const std::vector<DropInText>& drop_ins) {
  absl::string_view file_name =
      path_.substr(path_.rfind('/') + 1);  // npos + 1: the whole path
  // An instance read from its template is checked by its own name.
  const std::string own = absl::StrCat(unit().name, ".service");
  if (IsTemplateName(file_name) && IsInstanceName(own)) file_name = own;
  // A .socket unit's name has a service's rules (socket_keys.h).
  const std::string checked =
      absl::EndsWith(file_name, ".socket")
          ? absl::StrCat(file_name.substr(0, file_name.size() - 7), ".service")
          : std::string(file_name);
  if (std::string why = UnitFileNameProblem(checked); !why.empty()) {
    Error(0, absl::StrCat("invalid unit name ", QuoteText(unit().name), ": ",
                          why));
  }
  if (!Read(path_, contents)) return;
  // As systemd: each drop-in is read over the unit as if appended to it,
  // from no section (a key before its first header is an error).
  for (const DropInText& drop_in : drop_ins) {
    Read(drop_in.path, drop_in.contents);
  }
  file_ = path_;
  Finish();
}

bool Parser::Read(absl::string_view file, absl::string_view contents) {
  file_ = file;
  section_ = Section::kNone;
  if (contents.size() > kMaxUnitFileSize) {
    Error(0, absl::StrCat("the file is ", contents.size(),
                          " bytes, over the limit of ", kMaxUnitFileSize,
                          " (1 MiB); not parsed"));
    return false;
  }
  std::string pending;  // a logical line continued with a backslash
  int pending_line = 0;
  bool continued = false;
  size_t pos = 0;
  int line = 0;
  while (pos < contents.size() && !stopped_) {
    size_t end = contents.find('\n', pos);
    if (end == absl::string_view::npos) end = contents.size();
    absl::string_view raw = contents.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (raw.size() > kMaxUnitLineLength) {
      Error(line,
            absl::StrCat("line longer than ", kMaxUnitLineLength, " bytes"));
      continued = false;
      continue;
    }
    if (raw.find('\0') != absl::string_view::npos) {
      Error(line, "NUL byte in the line");
      continued = false;
      continue;
    }
    while (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (continued) {
      if (IsComment(raw)) continue;  // comments inside a continued line
      if (pending.size() + raw.size() > kMaxUnitLineLength) {
        Error(pending_line, absl::StrCat("continued line longer than ",
                                         kMaxUnitLineLength, " bytes"));
        continued = false;
        continue;
      }
      pending.append(raw.data(), raw.size());
    } else {
      if (IsComment(raw)) continue;  // a comment is never continued
      pending.assign(raw.data(), raw.size());
      pending_line = line;
    }
    if (OddTrailingBackslashes(pending)) {
      pending.back() = ' ';  // as systemd: the backslash becomes a space
      continued = true;
      continue;
    }
    continued = false;
    Entry(pending, pending_line);
  }
  if (continued && !stopped_) Entry(pending, pending_line);
  return true;
}

void Parser::Entry(absl::string_view text, int line) {
  line_ = line;
  absl::string_view s = absl::StripAsciiWhitespace(text);
  if (s.empty()) return;
  if (s[0] == '[') {
    absl::string_view name;
    bool valid = s.size() >= 3 && s.back() == ']';
    if (valid) {
      name = s.substr(1, s.size() - 2);
      valid = name.find_first_of("[]") == absl::string_view::npos;
    }
    if (!valid) {
      Error(line, absl::StrCat("invalid section header ", QuoteText(s)));
      section_ = Section::kIgnored;
      return;
    }
    if (name == "Unit") {
      section_ = Section::kUnit;
    } else if (name == "Service") {
      section_ = Section::kService;
    } else if (name == "Socket" && absl::EndsWith(path_, ".socket")) {
      section_ = Section::kSocket;
    } else {
      section_ = Section::kIgnored;
      if (name != "Install" && !absl::StartsWith(name, "X-")) {
        Warning(line, absl::StrCat("unknown section ", QuoteText(s),
                                   "; its keys are ignored"));
      }
    }
    return;
  }
  size_t eq = s.find('=');
  if (eq == absl::string_view::npos) {
    Error(line, absl::StrCat("expected \"Key=Value\" or \"[Section]\", got ",
                             QuoteText(s)));
    return;
  }
  absl::string_view key = absl::StripTrailingAsciiWhitespace(s.substr(0, eq));
  absl::string_view value = absl::StripLeadingAsciiWhitespace(s.substr(eq + 1));
  if (!IsValidKey(key)) {
    Error(line, key.empty()
                    ? absl::StrCat("missing key before \"=\" in ", QuoteText(s))
                    : absl::StrCat("invalid key ", QuoteText(key)));
    return;
  }
  if (section_ == Section::kNone) {
    Error(line,
          absl::StrCat("key ", QuoteText(key), " before any [Section] header"));
    return;
  }
  if (section_ == Section::kIgnored || absl::StartsWith(key, "X-")) return;
  const Key* other_section = nullptr;
  for (const Key& k : kKeys) {
    if (k.name != key) continue;
    if (k.section != section_) {
      other_section = &k;
      continue;
    }
    // Environment= resolves them in each word once unquoted (as systemd's
    // config_parse_environ), so that a "\\" a specifier gives stays.
    StatusOr<std::string> resolved =
        k.apply == &Parser::Environment
            ? std::string(value)
            : ResolveSpecifiers(value, SpecifierUnit{unit().name, path_},
                                SystemSpecifierHost());
    Status status = resolved.ok() ? (this->*k.apply)(key, *resolved)
                                  : KeyError(key, resolved.status().message());
    if (!status.ok()) Error(line, std::string(status.message()));
    return;
  }
  std::optional<Section> other_table_section;
  for (UnitKeyTable table : kUnitKeyTables) {
    for (const UnitKey& k : table) {
      if (k.name != key) continue;
      Section section = k.section == UnitSection::kUnit     ? Section::kUnit
                        : k.section == UnitSection::kSocket ? Section::kSocket
                                                            : Section::kService;
      if (section != section_) {
        other_table_section = section;
        continue;
      }
      StatusOr<std::string> resolved = ResolveSpecifiers(
          value, SpecifierUnit{unit().name, path_}, SystemSpecifierHost());
      std::vector<std::string> warnings;
      UnitKeyContext context{unit(), warnings, line};
      Status status = resolved.ok()
                          ? k.apply(context, key, *resolved)
                          : KeyError(key, resolved.status().message());
      for (std::string& warning : warnings) Warning(line, std::move(warning));
      if (!status.ok()) Error(line, std::string(status.message()));
      return;
    }
  }
  if (other_section != nullptr) other_table_section = other_section->section;
  Warning(line,
          absl::StrCat(
              "unknown key ", QuoteText(key), " in ", SectionName(section_),
              !other_table_section.has_value()
                  ? ""
                  : absl::StrCat(" (it belongs in ",
                                 SectionName(*other_table_section), ")"),
              "; ignored"));
}

void Parser::Finish() {
  if (stopped_) return;
  Unit& u = unit();
  if (absl::EndsWith(path_, ".socket")) {  // not a service: socket_keys.h
    if (std::string why = SocketUnitProblem(u); !why.empty()) Error(0, why);
    return;
  }
  if (u.exec_start.empty()) {
    // systemd's rules (systemd.service(5)): without ExecStart= and Type=,
    // a service is a oneshot; only a oneshot may have no ExecStart=, and
    // then it needs ExecStop= or SuccessAction=, and RemainAfterExit=yes or
    // SuccessAction= (blk-availability.service: a oneshot that only acts
    // at shutdown).
    if (!type_set_) u.type = ServiceType::kOneshot;
    const bool action = u.jobs.success_action != UnitAction::kNone;
    if (u.type != ServiceType::kOneshot) {
      Error(0, "missing ExecStart=: only Type=oneshot may have none");
    } else if (!action && u.exec_stop.empty()) {
      Error(0,
            "missing ExecStart=: a service needs ExecStart=, ExecStop= or "
            "SuccessAction=");
    } else if (!action && !u.remain_after_exit) {
      Error(0,
            "missing ExecStart=: a Type=oneshot without it needs "
            "RemainAfterExit=yes or SuccessAction=");
    }
  } else if (u.exec_start.size() > 1 && u.type != ServiceType::kOneshot) {
    file_ = second_exec_start_file_;
    Error(u.exec_start[1].line,
          "ExecStart: more than one command; only Type=oneshot may have "
          "several");
  }
  if (u.type == ServiceType::kOneshot &&
      (u.restart == RestartPolicy::kAlways ||
       u.restart == RestartPolicy::kOnSuccess)) {
    file_ = restart_file_;
    Error(restart_line_,
          "Restart: Type=oneshot cannot be restarted always or on success");
  }
  if (u.notification_fd != 0 && u.type != ServiceType::kNotify) {
    file_ = notification_fd_file_;
    Error(notification_fd_line_,
          "NotificationFd: only a Type=notify service reports readiness");
  }
  file_ = dbus_line_ != 0 ? dbus_file_ : path_;
  if (dbus_line_ != 0 && bus_name_.empty()) {
    Error(dbus_line_, "Type: Type=dbus needs BusName=, the name it takes");
  } else if (dbus_line_ != 0) {
    Warning(dbus_line_,
            absl::StrCat("Type: differs from systemd: Type=dbus is ready "
                         "once started, as Type=simple (faultinit does not "
                         "watch the bus for ",
                         bus_name_, ")"));
  } else if (!bus_name_.empty()) {
    Warning(0, absl::StrCat("BusName: differs from systemd: faultinit does "
                            "not watch the bus for ",
                            bus_name_));
  }
  if (u.type == ServiceType::kOneshot && !timeout_start_set_) {
    u.timeout_start = fault::InfiniteDuration();
  }
}

Status Parser::Description(absl::string_view, absl::string_view value) {
  unit().description = std::string(value);
  return OkStatus();
}

Status Parser::Dependencies(absl::string_view key, absl::string_view value,
                            std::vector<Dependency>* list) {
  // As in systemd, an empty value does not reset a dependency list.
  for (absl::string_view word :
       absl::StrSplit(value, absl::ByAnyChar(" \t\n\r"), absl::SkipEmpty())) {
    std::string name = NormalizeUnitName(word);
    if (name.empty()) {
      return KeyError(key, absl::StrCat("invalid unit name ", QuoteText(word)));
    }
    bool seen = false;
    for (const Dependency& d : *list) seen = seen || d.name == name;
    if (!seen) list->push_back(Dependency{std::move(name), line_});
  }
  return OkStatus();
}

Status Parser::DurationValue(absl::string_view key, absl::string_view value,
                             fault::Duration fallback, bool zero_is_infinity,
                             fault::Duration* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  StatusOr<fault::Duration> d = fault::ParseTimeSpan(value);
  if (!d.ok()) return KeyError(key, d.status().message());
  *out = zero_is_infinity && *d == fault::ZeroDuration()
             ? fault::InfiniteDuration()
             : *d;
  return OkStatus();
}

Status Parser::UnsignedValue(absl::string_view key, absl::string_view value,
                             unsigned fallback, unsigned* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  uint32_t number = 0;
  bool digits = true;
  for (char c : value) digits = digits && absl::ascii_isdigit(c);
  if (!digits || !absl::SimpleAtoi(value, &number)) {
    return KeyError(
        key, absl::StrCat("invalid number ", QuoteText(value),
                          ": expected a whole number from 0 to ", UINT32_MAX));
  }
  *out = number;
  return OkStatus();
}

Status Parser::NotificationFd(absl::string_view key, absl::string_view value) {
  notification_fd_line_ = line_;
  notification_fd_file_ = file_;
  unit().notification_fd = 0;
  if (value.empty()) return OkStatus();
  int fd = 0;
  bool digits = value.size() <= 4;
  for (char c : value) digits = digits && absl::ascii_isdigit(c);
  if (!digits || !absl::SimpleAtoi(value, &fd) || fd < 3 || fd > 1023) {
    return KeyError(key, absl::StrCat("invalid descriptor ", QuoteText(value),
                                      ": expected a number from 3 to 1023 "
                                      "(0 to 2 are the standard streams)"));
  }
  unit().notification_fd = fd;
  return OkStatus();
}

Status Parser::Type(absl::string_view key, absl::string_view value) {
  dbus_line_ = 0;
  type_set_ = !value.empty();
  // Type=idle and Type=dbus start as Type=simple does: faultinit has no
  // job queue to wait for, and no bus to watch (checked in Finish).
  if (value == "idle") {
    unit().type = ServiceType::kSimple;
    Warning(line_,
            "Type: differs from systemd: Type=idle starts at once, as "
            "Type=simple (faultinit has no job queue to wait for)");
    return OkStatus();
  }
  if (value == "dbus") {
    unit().type = ServiceType::kSimple;
    dbus_line_ = line_;
    dbus_file_ = file_;
    return OkStatus();
  }
  if (value.empty()) {
    unit().type = ServiceType::kSimple;
    return OkStatus();
  }
  return Choose(key, value, kTypes, &unit().type);
}

Status Parser::BusName(absl::string_view key, absl::string_view value) {
  // A D-Bus well-known name: dot-separated elements of [A-Za-z0-9_-], not
  // starting with a digit, at least two, at most 255 bytes.
  bool valid = !value.empty() && value.size() <= 255 && value[0] != '.';
  int elements = 0;
  for (absl::string_view element : absl::StrSplit(value, '.')) {
    ++elements;
    valid = valid && !element.empty() &&
            !absl::ascii_isdigit(static_cast<unsigned char>(element[0]));
    for (char c : element) {
      valid = valid && (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                        c == '_' || c == '-');
    }
  }
  if (value.empty()) {
    bus_name_.clear();
    return OkStatus();
  }
  if (!valid || elements < 2) {
    return KeyError(key, absl::StrCat("invalid bus name ", QuoteText(value),
                                      ": expected a D-Bus well-known name "
                                      "such as org.example.Daemon"));
  }
  bus_name_ = std::string(value);
  return OkStatus();
}

Status Parser::PIDFile(absl::string_view, absl::string_view value) {
  if (value.empty() || value[0] == '/') {
    unit().pid_file = std::string(value);
  } else {
    unit().pid_file = absl::StrCat("/run/", value);  // as systemd
  }
  return OkStatus();
}

Status Parser::Exec(absl::string_view key, absl::string_view value,
                    std::vector<ExecLine>* list) {
  if (value.empty()) {  // as systemd: an empty value resets the list
    list->clear();
    return OkStatus();
  }
  StatusOr<ExecLine> exec = ParseExecLine(value);
  if (!exec.ok()) return KeyError(key, exec.status().message());
  exec->line = line_;
  if (list == &unit().exec_start && list->size() == 1) {
    second_exec_start_file_ = file_;
  }
  for (const std::string& warning : exec->warnings) {
    Warning(line_, absl::StrCat(key, ": ", warning));
  }
  list->push_back(*std::move(exec));
  return OkStatus();
}

Status Parser::Restart(absl::string_view key, absl::string_view value) {
  restart_line_ = line_;
  restart_file_ = file_;
  if (value.empty()) {
    unit().restart = RestartPolicy::kNo;
    return OkStatus();
  }
  return Choose(key, value, kRestartPolicies, &unit().restart);
}

Status Parser::KillSignal(absl::string_view key, absl::string_view value) {
  if (value.empty()) {
    unit().kill_signal = SIGTERM;
    return OkStatus();
  }
  StatusOr<int> signo = fault::ParseSignal(value);
  if (!signo.ok()) return KeyError(key, signo.status().message());
  unit().kill_signal = *signo;
  return OkStatus();
}

Status Parser::KillModeKey(absl::string_view key, absl::string_view value) {
  if (value.empty()) {
    unit().kill_mode = KillMode::kControlGroup;
    return OkStatus();
  }
  FAULT_RETURN_IF_ERROR(Choose(key, value, kKillModes, &unit().kill_mode));
  if (unit().kill_mode == KillMode::kNone) {  // as systemd warns
    Warning(line_, absl::StrCat(key,
                                "=none is deprecated: only ExecStop= "
                                "runs on stop; no process is signalled"));
  }
  return OkStatus();
}

Status Parser::UserName(absl::string_view key, absl::string_view value,
                        std::string* out) {
  if (!value.empty()) {
    if (std::string why = AccountNameProblem(value); !why.empty()) {
      return KeyError(
          key, absl::StrCat("invalid name ", QuoteText(value), ": ", why));
    }
  }
  *out = std::string(value);
  return OkStatus();
}

Status Parser::WorkingDirectory(absl::string_view key,
                                absl::string_view value) {
  bool optional = absl::ConsumePrefix(&value, "-");
  if (!value.empty() && value != "~" && value[0] != '/') {
    return KeyError(key, absl::StrCat("invalid directory ", QuoteText(value),
                                      ": expected an absolute path or \"~\""));
  }
  unit().working_directory = std::string(value);
  unit().working_directory_optional = optional && !value.empty();
  return OkStatus();
}

Status Parser::Environment(absl::string_view key, absl::string_view value) {
  if (value.empty()) {
    unit().environment.clear();
    return OkStatus();
  }
  std::vector<std::string> warnings;
  StatusOr<std::vector<std::string>> words = UnquoteWords(value, &warnings);
  if (!words.ok()) return KeyError(key, words.status().message());
  for (const std::string& warning : warnings) {
    Warning(line_, absl::StrCat(key, ": ", warning));
  }
  for (const std::string& unquoted : *words) {
    StatusOr<std::string> resolved = ResolveSpecifiers(
        unquoted, SpecifierUnit{unit().name, path_}, SystemSpecifierHost());
    if (!resolved.ok()) return KeyError(key, resolved.status().message());
    const std::string& word = *resolved;
    size_t eq = word.find('=');
    if (eq == std::string::npos ||
        !IsValidEnvironmentName(absl::string_view(word).substr(0, eq))) {
      return KeyError(key, absl::StrCat("invalid assignment ", QuoteText(word),
                                        ": expected NAME=VALUE"));
    }
    unit().environment[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return OkStatus();
}

Status Parser::EnvironmentFile(absl::string_view key, absl::string_view value) {
  if (value.empty()) {
    unit().environment_files.clear();
    return OkStatus();
  }
  bool optional = absl::ConsumePrefix(&value, "-");
  if (value.empty() || value[0] != '/') {
    return KeyError(key, absl::StrCat("invalid path ", QuoteText(value),
                                      ": expected an absolute path"));
  }
  unit().environment_files.push_back(
      EnvironmentFileRef{std::string(value), optional, line_});
  return OkStatus();
}

Status Parser::UMask(absl::string_view key, absl::string_view value) {
  if (value.empty()) {
    unit().umask = 022;
    return OkStatus();
  }
  unsigned mode = 0;
  bool octal = value.size() <= 5;
  for (char c : value) {
    octal = octal && c >= '0' && c <= '7';
    mode = mode * 8 + static_cast<unsigned>(c - '0');
  }
  if (!octal || mode > 07777) {
    return KeyError(key, absl::StrCat("invalid mode ", QuoteText(value),
                                      ": expected an octal number from 0 to "
                                      "07777, such as 0022"));
  }
  unit().umask = static_cast<mode_t>(mode);
  return OkStatus();
}

}  // namespace

std::string Diagnostic::ToString() const {
  absl::string_view level = severity == Severity::kError ? "error" : "warning";
  if (line == 0) return absl::StrCat(file, ": ", level, ": ", message);
  return absl::StrCat(file, ":", line, ": ", level, ": ", message);
}

bool ParsedUnit::ok() const {
  for (const Diagnostic& d : diagnostics) {
    if (d.severity == Severity::kError) return false;
  }
  return true;
}

std::string UnitNameFromPath(absl::string_view path) {
  size_t slash = path.rfind('/');
  absl::string_view base =
      slash == absl::string_view::npos ? path : path.substr(slash + 1);
  absl::ConsumeSuffix(&base, kServiceSuffix);
  return std::string(base);
}

std::string NormalizeUnitName(absl::string_view name) {
  absl::ConsumeSuffix(&name, kServiceSuffix);
  if (name.empty() || name.size() > 255 || name[0] == '@' ||
      name.back() == '@') {
    return "";
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != ':' &&
        c != '_' && c != '.' && c != '@' && c != '-' && c != '\\') {
      return "";
    }
  }
  return std::string(name);
}

void ParseUnitInto(absl::string_view path, absl::string_view contents,
                   ParsedUnit* out) {
  out->unit.path = std::string(path);
  out->unit.name = UnitNameFromPath(path);
  Parser(path, out).Parse(contents, {});
}

void ParseUnitWithDropInsInto(absl::string_view path,
                              absl::string_view contents,
                              const std::vector<DropInText>& drop_ins,
                              ParsedUnit* out) {
  out->unit.path = std::string(path);
  out->unit.name = UnitNameFromPath(path);
  Parser(path, out).Parse(contents, drop_ins);
}

void ParseInstanceWithDropInsInto(absl::string_view path,
                                  absl::string_view name,
                                  absl::string_view contents,
                                  const std::vector<DropInText>& drop_ins,
                                  ParsedUnit* out) {
  out->unit.path = std::string(path);
  out->unit.name = std::string(name);
  Parser(path, out).Parse(contents, drop_ins);
}

ParsedUnit ParseUnit(absl::string_view path, absl::string_view contents) {
  ParsedUnit out;
  ParseUnitInto(path, contents, &out);
  return out;
}

}  // namespace faultinit
