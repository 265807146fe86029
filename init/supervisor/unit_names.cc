#include "init/supervisor/unit_names.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
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
  // A unit of another type ("default.target") is named with its suffix,
  // and so is the unit it resolves to; a service without its suffix.
  const absl::string_view type = UnitTypeOf(bare);
  const bool service = type.empty() || type == "service";
  const std::string full =
      service ? absl::StrCat(bare, kSuffix) : std::string(bare);
  if (UnitTypeOf(full).empty()) return std::nullopt;
  const UnitSearchPath path = ScanUnitSearchPath(source.directories);
  if (std::optional<ResolvedUnitFile> resolved = path.Resolve(full)) {
    absl::string_view own = resolved->name;
    if (resolved->file->kind != UnitFile::Kind::kFile ||
        (service && !absl::ConsumeSuffix(&own, kSuffix)) ||
        !known(std::string(own))) {
      return std::nullopt;
    }
    return RequestedUnit{std::string(own), false};
  }
  if (!service) return std::nullopt;
  std::optional<InstanceFile> instance = FindInstanceFile(path, full);
  if (!instance.has_value() || !instance->from_template ||
      instance->file->kind != UnitFile::Kind::kFile) {
    return std::nullopt;
  }
  return RequestedUnit{std::string(bare), true};
}

}  // namespace faultinit
