// The [Unit] keys about jobs across units: see unit_job_keys.h.

#include "init/system/unit_job_keys.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/system/exec_command.h"
#include "init/system/unit_key_values.h"
#include "init/system/unit_name.h"
#include "runtime/duration.h"
#include "runtime/status.h"

namespace faultinit {
namespace {

using fault::OkStatus;
using fault::Status;

struct ActionName {
  absl::string_view name;
  UnitAction action;
};

constexpr ActionName kActions[] = {
    {"none", UnitAction::kNone},
    {"exit", UnitAction::kExit},
    {"exit-force", UnitAction::kExitForce},
    {"reboot", UnitAction::kReboot},
    {"reboot-force", UnitAction::kRebootForce},
    {"reboot-immediate", UnitAction::kRebootImmediate},
    {"poweroff", UnitAction::kPowerOff},
    {"poweroff-force", UnitAction::kPowerOffForce},
    {"poweroff-immediate", UnitAction::kPowerOffImmediate},
    {"halt", UnitAction::kHalt},
    {"halt-force", UnitAction::kHaltForce},
    {"halt-immediate", UnitAction::kHaltImmediate},
};

// Names appends `value`'s unit names to `list` (all or nothing), each once;
// as systemd, an empty value does not reset the list.
Status Names(UnitKeyContext& context, absl::string_view key,
             absl::string_view value, std::vector<Dependency>& list) {
  std::vector<std::string> names;
  for (absl::string_view word :
       absl::StrSplit(value, absl::ByAnyChar(" \t\n\r"), absl::SkipEmpty())) {
    std::string name = NormalizeUnitName(FillTemplate(word, context.unit.name));
    if (name.empty()) {
      return KeyError(key, absl::StrCat("invalid unit name ", QuoteText(word)));
    }
    names.push_back(std::move(name));
  }
  for (std::string& name : names) {
    bool seen = false;
    for (const Dependency& d : list) seen = seen || d.name == name;
    if (!seen) list.push_back(Dependency{std::move(name), context.line});
  }
  return OkStatus();
}

#define FAULTINIT_NAMES_KEY(Function, field)                      \
  Status Function(UnitKeyContext& context, absl::string_view key, \
                  absl::string_view value) {                      \
    return Names(context, key, value, context.unit.jobs.field);   \
  }
FAULTINIT_NAMES_KEY(BindsTo, binds_to)
FAULTINIT_NAMES_KEY(PartOf, part_of)
FAULTINIT_NAMES_KEY(Conflicts, conflicts)
FAULTINIT_NAMES_KEY(Requisite, requisite)
FAULTINIT_NAMES_KEY(OnFailure, on_failure)
FAULTINIT_NAMES_KEY(OnSuccess, on_success)
FAULTINIT_NAMES_KEY(PropagatesReloadTo, propagates_reload_to)
FAULTINIT_NAMES_KEY(ReloadPropagatedFrom, reload_propagated_from)
#undef FAULTINIT_NAMES_KEY

Status RefuseManualStart(UnitKeyContext& context, absl::string_view key,
                         absl::string_view value) {
  return ParseBooleanKey(key, value, false,
                         &context.unit.jobs.refuse_manual_start);
}
Status RefuseManualStop(UnitKeyContext& context, absl::string_view key,
                        absl::string_view value) {
  return ParseBooleanKey(key, value, false,
                         &context.unit.jobs.refuse_manual_stop);
}
Status StopWhenUnneeded(UnitKeyContext& context, absl::string_view key,
                        absl::string_view value) {
  return ParseBooleanKey(key, value, false,
                         &context.unit.jobs.stop_when_unneeded);
}

Status OnFailureJobMode(UnitKeyContext& context, absl::string_view key,
                        absl::string_view value) {
  bool& fail = context.unit.jobs.on_failure_job_mode_fail;
  if (value.empty() || value == "replace") {
    fail = false;
  } else if (value == "fail") {
    fail = true;
  } else if (value == "replace-irreversibly" || value == "isolate" ||
             value == "flush" || value == "ignore-dependencies" ||
             value == "ignore-requirements") {
    fail = false;
    context.warnings.push_back(absl::StrCat(
        key, ": differs from systemd: ", value,
        " is not supported; the OnFailure= units are started as with "
        "replace"));
  } else {
    return KeyError(key, absl::StrCat("invalid value ", QuoteText(value),
                                      ": expected replace or fail"));
  }
  return OkStatus();
}

Status Action(UnitKeyContext& context, absl::string_view key,
              absl::string_view value, UnitAction* out) {
  if (value.empty()) {
    *out = UnitAction::kNone;
    return OkStatus();
  }
  for (const ActionName& a : kActions) {
    if (a.name != value) continue;
    *out = a.action;
    if (absl::EndsWith(value, "-force") ||
        absl::EndsWith(value, "-immediate")) {
      context.warnings.push_back(
          absl::StrCat(key, ": differs from systemd: ", value,
                       " is performed as ", value.substr(0, value.find('-')),
                       ": the services are stopped in order first"));
    }
    return OkStatus();
  }
  return KeyError(key,
                  absl::StrCat("invalid value ", QuoteText(value),
                               ": expected none, exit, reboot, poweroff or "
                               "halt, or their -force or -immediate forms"));
}

Status SuccessAction(UnitKeyContext& context, absl::string_view key,
                     absl::string_view value) {
  return Action(context, key, value, &context.unit.jobs.success_action);
}
Status FailureAction(UnitKeyContext& context, absl::string_view key,
                     absl::string_view value) {
  return Action(context, key, value, &context.unit.jobs.failure_action);
}

Status ExitStatus(absl::string_view key, absl::string_view value, int* out) {
  if (value.empty()) {
    *out = -1;
    return OkStatus();
  }
  int n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < 0 || n > 255) {
    return KeyError(key, absl::StrCat("invalid exit status ", QuoteText(value),
                                      ": expected 0 to 255"));
  }
  *out = n;
  return OkStatus();
}

Status SuccessActionExitStatus(UnitKeyContext& context, absl::string_view key,
                               absl::string_view value) {
  return ExitStatus(key, value, &context.unit.jobs.success_action_exit_status);
}
Status FailureActionExitStatus(UnitKeyContext& context, absl::string_view key,
                               absl::string_view value) {
  return ExitStatus(key, value, &context.unit.jobs.failure_action_exit_status);
}

Status JobTimeoutSec(UnitKeyContext& context, absl::string_view key,
                     absl::string_view value) {
  if (value.empty()) {
    context.unit.jobs.job_timeout = fault::InfiniteDuration();
    return OkStatus();
  }
  fault::StatusOr<fault::Duration> d = fault::ParseTimeSpan(value);
  if (!d.ok()) return KeyError(key, d.status().message());
  if (key == "JobTimeoutSec") context.unit.jobs.job_timeout = *d;
  if (*d != fault::InfiniteDuration()) {
    context.warnings.push_back(absl::StrCat(
        key,
        ": differs from systemd: faultinit has no job timeout (systemd "
        "cancels the start or stop job when it expires and runs "
        "JobTimeoutAction=); a start is bounded by TimeoutStartSec= alone"));
  }
  return OkStatus();
}

// JobTimeoutAction=: validated as SuccessAction= is; it can never fire.
Status JobTimeoutAction(UnitKeyContext& context, absl::string_view key,
                        absl::string_view value) {
  UnitAction action = UnitAction::kNone;
  if (Status s = Action(context, key, value, &action); !s.ok()) return s;
  if (action != UnitAction::kNone) {
    context.warnings.push_back(absl::StrCat(
        key,
        ": differs from systemd: faultinit has no job timeout, so this "
        "action never runs"));
  }
  return OkStatus();
}

constexpr UnitKey kKeys[] = {
    {UnitSection::kUnit, "BindsTo", &BindsTo},
    {UnitSection::kUnit, "PartOf", &PartOf},
    {UnitSection::kUnit, "Conflicts", &Conflicts},
    {UnitSection::kUnit, "Requisite", &Requisite},
    {UnitSection::kUnit, "OnFailure", &OnFailure},
    {UnitSection::kUnit, "OnSuccess", &OnSuccess},
    {UnitSection::kUnit, "PropagatesReloadTo", &PropagatesReloadTo},
    {UnitSection::kUnit, "ReloadPropagatedFrom", &ReloadPropagatedFrom},
    {UnitSection::kUnit, "RefuseManualStart", &RefuseManualStart},
    {UnitSection::kUnit, "RefuseManualStop", &RefuseManualStop},
    {UnitSection::kUnit, "StopWhenUnneeded", &StopWhenUnneeded},
    {UnitSection::kUnit, "OnFailureJobMode", &OnFailureJobMode},
    {UnitSection::kUnit, "SuccessAction", &SuccessAction},
    {UnitSection::kUnit, "FailureAction", &FailureAction},
    {UnitSection::kUnit, "SuccessActionExitStatus", &SuccessActionExitStatus},
    {UnitSection::kUnit, "FailureActionExitStatus", &FailureActionExitStatus},
    {UnitSection::kUnit, "JobTimeoutSec", &JobTimeoutSec},
    {UnitSection::kUnit, "JobRunningTimeoutSec", &JobTimeoutSec},
    {UnitSection::kUnit, "JobTimeoutAction", &JobTimeoutAction},
};

}  // namespace

UnitKeyTable UnitJobKeys() { return kKeys; }

absl::string_view UnitActionName(UnitAction action) {
  for (const ActionName& a : kActions) {
    if (a.action == action) return a.name;
  }
  return "none";
}

}  // namespace faultinit
