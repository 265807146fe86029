// File: init/supervisor/unit_source.h
//
// Which units system mode (and `faultinit --check`) loads, from where:
//   - `--units-path A:B`: systemd's layout over those directories
//     (init/system/unit_layout.h): default.target's closure starts at boot;
//   - `--services DIR` (or `--check DIR`): that flat directory, every
//     service of which starts (init/system/unit_directory.h);
//   - neither: /etc/faultinit/services when it exists (as before the
//     layout), else the layout over systemd's search path, so that a root
//     file system of a distribution boots with faultinit as /sbin/init and
//     no arguments.
// In the layout, the start unit is default.target, or `systemd.unit=NAME`
// of the kernel command line when faultinit is the machine's PID 1
// (systemd, too, reads /proc/cmdline only outside containers). From the
// same command line (and /sys/class/tty/console/active) come the
// serial-getty@.service instances systemd-getty-generator would add to
// getty.target (init/system/getty_generator.h). `--kernel-cmdline FILE`
// stands for /proc/cmdline, read whether or not faultinit is the machine's
// PID 1; its consoles are then taken as terminals and the active consoles
// and virtualizer consoles are not looked at (it stands for a machine,
// whose devices the test has not).
//
// Loop thread; reads the file system.

#ifndef FAULT_INIT_SUPERVISOR_UNIT_SOURCE_H_
#define FAULT_INIT_SUPERVISOR_UNIT_SOURCE_H_

#include <string>

#include "init/options.h"
#include "init/system/unit_directory.h"
#include "init/system/unit_layout.h"
#include "init/system/unit_template.h"

namespace faultinit {

// UnitSource: where the units come from.
struct UnitSource {
  bool layout = false;
  std::vector<std::string> directories;  // the flat directory, or the path
  std::string start_unit;                // the layout's
  // The layout's instances besides those its units name: the serial
  // gettys of the kernel's consoles (getty_generator.h), and the units
  // and instances loaded on demand (SystemMode appends those; for a unit
  // that is no instance, `load` only tells KeepNeededUnits to hold it).
  LayoutInstances instances;
  // A --kernel-cmdline file that could not be read: the one-line error.
  std::string kernel_cmdline_error;
  // For messages: the directory, or the path joined with ':'.
  std::string Name() const;
};

// ChooseUnitSource applies the rules above. `machine_init`: faultinit is
// the machine's PID 1 (then /proc/cmdline is read).
UnitSource ChooseUnitSource(const SystemOptions& options, bool machine_init);

// LoadUnits loads `source`; in the layout, systemd's own units that
// faultinit replaces or cannot run are left out (systemd_units.h), and
// with `only`, only those services and targets are read (unit_layout.h).
LoadedUnits LoadUnits(const UnitSource& source,
                      const UnitFileNames* only = nullptr);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_UNIT_SOURCE_H_
