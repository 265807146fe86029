#include "init/supervisor/unit_source.h"

#include <sys/stat.h>

#include "absl/strings/str_join.h"
#include "init/system/systemd_units.h"
#include "init/system/unit_closure.h"
#include "init/system/unit_dropins.h"
#include "init/system/unit_layout.h"
#include "init/system/unit_search_path.h"

namespace faultinit {

std::string UnitSource::Name() const { return absl::StrJoin(directories, ":"); }

UnitSource ChooseUnitSource(const SystemOptions& options, bool machine_init) {
  UnitSource source;
  struct stat st;
  if (options.units_path.empty() &&
      (options.services_given ||
       (stat(options.services.c_str(), &st) == 0 && S_ISDIR(st.st_mode)))) {
    source.directories = {options.services};
    return source;
  }
  source.layout = true;
  source.directories =
      options.units_path.empty() ? DefaultUnitSearchPath() : options.units_path;
  source.start_unit = kDefaultStartUnit;
  if (machine_init) {
    // The kernel command line is at most a few KB; ReadUnitText's limit
    // bounds it anyway.
    fault::StatusOr<std::string> cmdline = ReadUnitText("/proc/cmdline");
    if (cmdline.ok()) {
      if (std::optional<std::string> unit = KernelCommandLineUnit(*cmdline)) {
        source.start_unit = *unit;
      }
    }
  }
  return source;
}

LoadedUnits LoadUnits(const UnitSource& source) {
  if (source.layout) {
    LoadedUnits units = LoadUnitLayout(source.directories, source.start_unit);
    // systemd's own units that faultinit replaces or cannot run.
    SkipSystemdUnits(&units);
    return units;
  }
  return LoadUnitDirectory(source.directories[0]);
}

}  // namespace faultinit
