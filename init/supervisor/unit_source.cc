#include "init/supervisor/unit_source.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "init/system/getty_generator.h"
#include "init/system/systemd_units.h"
#include "init/system/unit_closure.h"
#include "init/system/unit_dropins.h"
#include "init/system/unit_layout.h"
#include "init/system/unit_search_path.h"

namespace faultinit {

std::string UnitSource::Name() const { return absl::StrJoin(directories, ":"); }

namespace {

// systemd-getty-generator's serial gettys, wanted by getty.target.
void AddGeneratedGettys(const std::string& cmdline, bool injected,
                        LayoutInstances* instances) {
  GettyHost host;
  std::string active;
  if (injected) {
    host.is_tty = [](const std::string&) { return true; };
    host.exists = [](const std::string&) { return false; };
  } else {
    host = SystemGettyHost();
    fault::StatusOr<std::string> text =
        ReadUnitText("/sys/class/tty/console/active");
    if (text.ok()) active = std::move(*text);
  }
  std::vector<std::string> gettys = SerialGettyUnits(cmdline, active, host);
  if (!gettys.empty()) instances->wants[kGettyTarget] = std::move(gettys);
}

}  // namespace

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
  const bool injected = !options.kernel_cmdline.empty();
  if (machine_init || injected) {
    // The kernel command line is at most a few KB; ReadUnitText's limit
    // bounds it anyway.
    fault::StatusOr<std::string> cmdline =
        ReadUnitText(injected ? options.kernel_cmdline : "/proc/cmdline");
    if (!cmdline.ok() && injected) {
      source.kernel_cmdline_error =
          absl::StrCat("--kernel-cmdline ", options.kernel_cmdline, ": ",
                       cmdline.status().message());
    }
    if (cmdline.ok()) {
      if (std::optional<std::string> unit = KernelCommandLineUnit(*cmdline)) {
        source.start_unit = *unit;
      }
      AddGeneratedGettys(*cmdline, injected, &source.instances);
    }
  }
  return source;
}

LoadedUnits LoadUnits(const UnitSource& source, const UnitFileNames* only) {
  if (source.layout) {
    LoadedUnits units = LoadUnitLayout(source.directories, source.start_unit,
                                       source.instances, only);
    // systemd's own units that faultinit replaces or cannot run.
    SkipSystemdUnits(&units);
    return units;
  }
  return LoadUnitDirectory(source.directories[0]);
}

}  // namespace faultinit
