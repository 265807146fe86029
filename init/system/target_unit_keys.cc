#include "init/system/target_unit_keys.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "init/system/exec_command.h"
#include "init/system/unit_conditions.h"

namespace faultinit {
namespace {

using fault::InvalidArgumentError;
using fault::OkStatus;
using fault::Status;

// An empty value resets the key to `fallback`, as systemd's.
Status Boolean(absl::string_view key, absl::string_view value, bool fallback,
               bool* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  std::optional<bool> b = ParseConditionBoolean(value);
  if (!b) {
    return InvalidArgumentError(
        absl::StrCat(key, ": invalid boolean ", QuoteText(value)));
  }
  *out = *b;
  return OkStatus();
}

Status DefaultDependencies(UnitKeyContext& c, absl::string_view key,
                           absl::string_view value) {
  return Boolean(key, value, true, &c.unit.default_dependencies);
}

Status AllowIsolate(UnitKeyContext& c, absl::string_view key,
                    absl::string_view value) {
  return Boolean(key, value, false, &c.unit.jobs.allow_isolate);
}

Status IgnoreOnIsolate(UnitKeyContext& c, absl::string_view key,
                       absl::string_view value) {
  return Boolean(key, value, false, &c.unit.jobs.ignore_on_isolate);
}

constexpr UnitKey kTargetUnitKeys[] = {
    {UnitSection::kUnit, "DefaultDependencies", &DefaultDependencies},
    {UnitSection::kUnit, "AllowIsolate", &AllowIsolate},
    {UnitSection::kUnit, "IgnoreOnIsolate", &IgnoreOnIsolate},
};

}  // namespace

UnitKeyTable TargetUnitKeys() { return kTargetUnitKeys; }

}  // namespace faultinit
