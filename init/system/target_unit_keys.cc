#include "init/system/target_unit_keys.h"

#include "absl/strings/str_cat.h"
#include "init/system/unit_key_values.h"

namespace faultinit {
namespace {

using fault::OkStatus;
using fault::Status;

Status DefaultDependencies(UnitKeyContext& c, absl::string_view key,
                           absl::string_view value) {
  return ParseBooleanKey(key, value, true, &c.unit.default_dependencies);
}

// AllowIsolate=: `systemctl isolate` is not supported, so it changes
// nothing; a `yes` says so.
Status Isolate(UnitKeyContext& c, absl::string_view key,
               absl::string_view value) {
  bool on = false;
  if (Status s = ParseBooleanKey(key, value, false, &on); !s.ok()) return s;
  if (on) {
    c.warnings.push_back(absl::StrCat(
        key, ": differs from systemd: faultinit has no isolate; ignored"));
  }
  return OkStatus();
}

// IgnoreOnIsolate=: a unit faultinit never stops for an isolate, since it
// has none: what `yes` asks for, and `no` changes nothing either.
Status IgnoreOnIsolate(UnitKeyContext&, absl::string_view key,
                       absl::string_view value) {
  bool on = false;
  return ParseBooleanKey(key, value, false, &on);
}

constexpr UnitKey kTargetUnitKeys[] = {
    {UnitSection::kUnit, "DefaultDependencies", &DefaultDependencies},
    {UnitSection::kUnit, "AllowIsolate", &Isolate},
    {UnitSection::kUnit, "IgnoreOnIsolate", &IgnoreOnIsolate},
};

}  // namespace

UnitKeyTable TargetUnitKeys() { return kTargetUnitKeys; }

}  // namespace faultinit
