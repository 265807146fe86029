#include "init/system/main_process_keys.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "init/system/exec_command.h"
#include "init/system/unit_conditions.h"
#include "runtime/status.h"

namespace faultinit {
namespace {

using fault::InvalidArgumentError;
using fault::OkStatus;
using fault::Status;

Status NotifyAccessKey(UnitKeyContext& c, absl::string_view key,
                       absl::string_view value) {
  struct Word {
    absl::string_view word;
    NotifyAccess access;
  };
  static constexpr Word kWords[] = {
      {"", NotifyAccess::kDefault},  {"none", NotifyAccess::kNone},
      {"main", NotifyAccess::kMain}, {"exec", NotifyAccess::kExec},
      {"all", NotifyAccess::kAll},
  };
  for (const Word& w : kWords) {
    if (w.word == value) {
      c.unit.notify_access = w.access;
      return OkStatus();
    }
  }
  return InvalidArgumentError(
      absl::StrCat(key, ": invalid value ", QuoteText(value),
                   ": expected none, main, exec or all"));
}

Status GuessMainPID(UnitKeyContext& c, absl::string_view key,
                    absl::string_view value) {
  if (value.empty()) {
    c.unit.guess_main_pid = true;
    return OkStatus();
  }
  std::optional<bool> b = ParseConditionBoolean(value);
  if (!b) {
    return InvalidArgumentError(absl::StrCat(
        key, ": invalid boolean ", QuoteText(value), ": expected yes or no"));
  }
  c.unit.guess_main_pid = *b;
  if (*b) {
    c.warnings.push_back(absl::StrCat(
        key,
        ": differs from systemd: faultinit never guesses the main process; "
        "a Type=forking service needs PIDFile="));
  }
  return OkStatus();
}

constexpr UnitKey kKeys[] = {
    {UnitSection::kService, "NotifyAccess", &NotifyAccessKey},
    {UnitSection::kService, "GuessMainPID", &GuessMainPID},
};

}  // namespace

UnitKeyTable MainProcessKeys() { return kKeys; }

NotifyAccess EffectiveNotifyAccess(NotifyAccess access, ServiceType type) {
  if (access != NotifyAccess::kDefault) return access;
  return type == ServiceType::kNotify ? NotifyAccess::kMain
                                      : NotifyAccess::kNone;
}

}  // namespace faultinit
