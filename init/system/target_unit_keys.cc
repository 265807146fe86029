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

Status AllowIsolate(UnitKeyContext& c, absl::string_view key,
                    absl::string_view value) {
  return ParseBooleanKey(key, value, false, &c.unit.jobs.allow_isolate);
}

Status IgnoreOnIsolate(UnitKeyContext& c, absl::string_view key,
                       absl::string_view value) {
  return ParseBooleanKey(key, value, false, &c.unit.jobs.ignore_on_isolate);
}

constexpr UnitKey kTargetUnitKeys[] = {
    {UnitSection::kUnit, "DefaultDependencies", &DefaultDependencies},
    {UnitSection::kUnit, "AllowIsolate", &AllowIsolate},
    {UnitSection::kUnit, "IgnoreOnIsolate", &IgnoreOnIsolate},
};

}  // namespace

UnitKeyTable TargetUnitKeys() { return kTargetUnitKeys; }

}  // namespace faultinit
