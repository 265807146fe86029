#include "init/system/service_keys.h"

#include <signal.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/system/account_name.h"
#include "init/system/exec_command.h"
#include "init/system/unit_key_values.h"
#include "init/system/unit_name.h"
#include "runtime/duration.h"
#include "runtime/signals.h"
#include "runtime/status.h"

namespace faultinit {
namespace {

using fault::OkStatus;
using fault::Status;
using fault::StatusOr;

Status Description(UnitKeyContext& c, absl::string_view,
                   absl::string_view value) {
  c.unit.description = std::string(value);
  return OkStatus();
}

// Documentation=: where `systemctl help` points; faultinit shows no
// documentation, and nothing the unit does at run time depends on it.
Status Documentation(UnitKeyContext&, absl::string_view, absl::string_view) {
  return OkStatus();
}

Status Dependencies(UnitKeyContext& c, absl::string_view key,
                    absl::string_view value, std::vector<Dependency>* list) {
  // As in systemd, an empty value does not reset a dependency list.
  for (absl::string_view word :
       absl::StrSplit(value, absl::ByAnyChar(" \t\n\r"), absl::SkipEmpty())) {
    std::string name = NormalizeUnitName(FillTemplate(word, c.unit.name));
    if (name.empty()) {
      return KeyError(key, absl::StrCat("invalid unit name ", QuoteText(word)));
    }
    bool seen = false;
    for (const Dependency& d : *list) seen = seen || d.name == name;
    if (!seen) list->push_back(Dependency{std::move(name), c.line});
  }
  return OkStatus();
}

// The keys that only parse their value into one field of the unit, each
// an instance of one of these with its field and systemd's default.
template <std::vector<Dependency> Unit::*kList>
Status DependencyKey(UnitKeyContext& c, absl::string_view key,
                     absl::string_view value) {
  return Dependencies(c, key, value, &(c.unit.*kList));
}

template <fault::Duration Unit::*kField, int64_t kFallbackNanoseconds,
          bool kZeroIsInfinity = false>
Status DurationKey(UnitKeyContext& c, absl::string_view key,
                   absl::string_view value) {
  return ParseDurationKey(
      key, value, fault::Duration::FromNanoseconds(kFallbackNanoseconds),
      kZeroIsInfinity, &(c.unit.*kField));
}

template <unsigned Unit::*kField, unsigned kFallback>
Status UnsignedKey(UnitKeyContext& c, absl::string_view key,
                   absl::string_view value) {
  return ParseUnsignedKey(key, value, kFallback, &(c.unit.*kField));
}

constexpr UnitKeyHandler StartLimitIntervalSec =
    &DurationKey<&Unit::start_limit_interval, fault::Seconds(10).nanoseconds()>;
constexpr UnitKeyHandler StartLimitBurst =
    &UnsignedKey<&Unit::start_limit_burst, 5>;

Status PIDFile(UnitKeyContext& c, absl::string_view, absl::string_view value) {
  if (value.empty() || value[0] == '/') {
    c.unit.pid_file = std::string(value);
  } else {
    c.unit.pid_file = absl::StrCat("/run/", value);  // as systemd
  }
  return OkStatus();
}

Status KillSignal(UnitKeyContext& c, absl::string_view key,
                  absl::string_view value) {
  if (value.empty()) {
    c.unit.kill_signal = SIGTERM;
    return OkStatus();
  }
  StatusOr<int> signo = fault::ParseSignal(value);
  if (!signo.ok()) return KeyError(key, signo.status().message());
  c.unit.kill_signal = *signo;
  return OkStatus();
}

Status UserName(absl::string_view key, absl::string_view value,
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
template <std::string Unit::*kField>
Status AccountKey(UnitKeyContext& c, absl::string_view key,
                  absl::string_view value) {
  return UserName(key, value, &(c.unit.*kField));
}

Status WorkingDirectory(UnitKeyContext& c, absl::string_view key,
                        absl::string_view value) {
  bool optional = absl::ConsumePrefix(&value, "-");
  if (!value.empty() && value != "~" && value[0] != '/') {
    return KeyError(key, absl::StrCat("invalid directory ", QuoteText(value),
                                      ": expected an absolute path or \"~\""));
  }
  c.unit.working_directory = std::string(value);
  c.unit.working_directory_optional = optional && !value.empty();
  return OkStatus();
}

Status EnvironmentFile(UnitKeyContext& c, absl::string_view key,
                       absl::string_view value) {
  if (value.empty()) {
    c.unit.environment_files.clear();
    return OkStatus();
  }
  bool optional = absl::ConsumePrefix(&value, "-");
  if (value.empty() || value[0] != '/') {
    return KeyError(key, absl::StrCat("invalid path ", QuoteText(value),
                                      ": expected an absolute path"));
  }
  c.unit.environment_files.push_back(
      EnvironmentFileRef{std::string(value), optional, c.line});
  return OkStatus();
}

Status UMask(UnitKeyContext& c, absl::string_view key,
             absl::string_view value) {
  return ParseModeKey(key, value, 022, "0022", &c.unit.umask);
}

constexpr UnitKey kKeys[] = {
    {UnitSection::kUnit, "Description", &Description},
    {UnitSection::kUnit, "Documentation", &Documentation},
    {UnitSection::kUnit, "After", &DependencyKey<&Unit::after>},
    {UnitSection::kUnit, "Before", &DependencyKey<&Unit::before>},
    {UnitSection::kUnit, "Requires", &DependencyKey<&Unit::required>},
    {UnitSection::kUnit, "Wants", &DependencyKey<&Unit::wanted>},
    {UnitSection::kUnit, "StartLimitIntervalSec", StartLimitIntervalSec},
    {UnitSection::kUnit, "StartLimitBurst", StartLimitBurst},
    // systemd's older names and places, still read by systemd.
    {UnitSection::kUnit, "StartLimitInterval", StartLimitIntervalSec},
    {UnitSection::kService, "StartLimitInterval", StartLimitIntervalSec},
    {UnitSection::kService, "StartLimitBurst", StartLimitBurst},
    {UnitSection::kService, "PIDFile", &PIDFile},
    {UnitSection::kService, "RestartSec",
     &DurationKey<&Unit::restart_sec, fault::Milliseconds(100).nanoseconds()>},
    {UnitSection::kService, "RestartSteps",
     &UnsignedKey<&Unit::restart_steps, 0>},
    {UnitSection::kService, "RestartMaxDelaySec",
     &DurationKey<&Unit::restart_max_delay,
                  fault::InfiniteDuration().nanoseconds()>},
    {UnitSection::kService, "TimeoutStopSec",  // 0: no limit
     &DurationKey<&Unit::timeout_stop, fault::Seconds(90).nanoseconds(), true>},
    {UnitSection::kService, "KillSignal", &KillSignal},
    {UnitSection::kService, "User", &AccountKey<&Unit::user>},
    {UnitSection::kService, "Group", &AccountKey<&Unit::group>},
    {UnitSection::kService, "WorkingDirectory", &WorkingDirectory},
    {UnitSection::kService, "EnvironmentFile", &EnvironmentFile},
    {UnitSection::kService, "UMask", &UMask},
};

}  // namespace

UnitKeyTable ServiceKeys() { return kKeys; }

}  // namespace faultinit
