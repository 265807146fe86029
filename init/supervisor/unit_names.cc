#include "init/supervisor/unit_names.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "init/system/standard_targets.h"
#include "init/system/unit_closure.h"
#include "init/system/unit_name.h"
#include "init/system/unit_search_path.h"
#include "init/system/unit_template.h"

namespace faultinit {

std::optional<RequestedUnit> ResolveRequestedUnit(
    const UnitSource& source, absl::string_view requested,
    const std::function<bool(const std::string&)>& known) {
  constexpr absl::string_view kSuffix = ".service";
  absl::string_view bare = requested;
  absl::ConsumeSuffix(&bare, kSuffix);
  if (bare.empty()) return std::nullopt;
  if (known(std::string(bare))) return RequestedUnit{std::string(bare), false};
  if (!source.layout) return std::nullopt;
  // A unit of another type (a target) is known by its full name.
  const absl::string_view type = UnitTypeOf(requested);
  const bool service = type.empty() || type == "service";
  const std::string full =
      service ? absl::StrCat(bare, kSuffix) : std::string(requested);
  if (UnitTypeOf(full).empty()) return std::nullopt;
  const UnitSearchPath path = ScanUnitSearchPath(source.directories);
  if (std::optional<ResolvedUnitFile> resolved = path.Resolve(full)) {
    absl::string_view own = resolved->name;
    if (resolved->file->kind != UnitFile::Kind::kFile ||
        (service ? !absl::ConsumeSuffix(&own, kSuffix)
                 : UnitTypeOf(own) != type)) {
      return std::nullopt;
    }
    // Installed, not held yet (init/system/needed_units.h): loaded now.
    const bool held = known(std::string(own));
    return RequestedUnit{std::string(own), !held};
  }
  if (!service) {
    // default.target with no file or link: the start unit the layout falls
    // back to (standard_targets.h).
    if (full == kDefaultStartUnit) {
      return RequestedUnit{std::string(kFallbackStartUnit),
                           !known(std::string(kFallbackStartUnit))};
    }
    // systemd's standard targets are built in where no file has the name.
    for (const StandardTarget& standard : StandardTargets()) {
      if (standard.name == bare) return RequestedUnit{std::string(bare), true};
    }
    return std::nullopt;
  }
  std::optional<InstanceFile> instance = FindInstanceFile(path, full);
  if (!instance.has_value() || !instance->from_template ||
      instance->file->kind != UnitFile::Kind::kFile) {
    return std::nullopt;
  }
  return RequestedUnit{std::string(bare), true};
}

}  // namespace faultinit
