// File: init/system/unit_layout.h
//
// System mode's units from systemd's layout (docs/units.md, "Layout"):
// every service of the unit search path (unit_search_path.h), each with its
// drop-ins (unit_dropins.h), linked and checked as one graph
// (unit_directory.h's LinkUnits), and the services the start unit pulls in
// (unit_closure.h), which are the ones started at boot:
//
//   LoadedUnits units = LoadUnitLayout(DefaultUnitSearchPath(),
//                                      "default.target");
//   units.boot;    // started at boot, in start order
//   units.masked;  // not loaded
//
//   - a service whose name is masked is not loaded (LoadedUnits::masked):
//     nothing can start it; a unit that Requires=, BindsTo= or Requisite=
//     it fails ("Requires: unit "x" is masked"), as systemd's start job
//     would, and so, along Requires=, what requires that unit; other
//     dependencies on it (Wants=, After=...) are dropped;
//   - an alias is not a unit of its own: what names it (Wants=sshd.service)
//     names the unit it resolves to;
//   - a template (NAME@.service) is not a unit itself: its instances
//     (NAME@INSTANCE.service) are, read from it under their own names
//     (unit_template.h says which);
//   - targets are units (target_unit.h), named with their suffix
//     ("network.target"): every `.target` file, and systemd's standard
//     targets built in where no file has the name (standard_targets.h);
//     every unit's NAME.wants/ and NAME.requires/ entries are its Wants=
//     and Requires=; systemd's default dependencies are added
//     (AddDefaultDependencies); LoadedUnits::boot holds the targets the
//     start unit reaches beside the services; without default.target the
//     start unit is multi-user.target;
//   - a generated unit (LayoutInstances::generated: the fstab's remote
//     mounts, fstab_units.h) is read where no search directory has a file
//     of its name, and is a Wants= of its wanted_by unit;
//   - a drop-in that cannot be read, or has an error, fails its unit, with
//     the drop-in's path and line in the diagnostic.
//
// The unit's ParsedUnit::source holds its file's text followed by each
// drop-in's path and text: a reload (Supervisor::Reload) tells a changed
// drop-in as a changed unit.
//
// Thread safety: reads the file system; thread-safe, not
// async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_UNIT_LAYOUT_H_
#define FAULT_INIT_SYSTEM_UNIT_LAYOUT_H_

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/unit_directory.h"
#include "init/system/unit_template.h"

namespace faultinit {

// The file names ("ssh.service", "multi-user.target", instances too) of
// the only services and targets to read, and the socket units
// ("syslog.socket") to read for LoadedUnits::sockets: what an earlier load
// of the same layout held (needed_units.h). The others are not read, and a
// dependency on one is as on a unit of another type: satisfied. Since the
// needed units are closed under what may start, what is read is what that
// load held, but for what needs the units not read (an ordering cycle
// through one; the boot order through one): the caller takes those from
// that load. The instances named are read whatever names them, and
// LoadedUnits::start_unit and boot are left empty: that load's are the
// ones (a unit not read may be on the way to one).
using UnitFileNames = std::set<std::string, std::less<>>;

// `instances`: the instances loaded besides those the layout names, and
// what generators add (unit_template.h). `only`: null for every unit.
LoadedUnits LoadUnitLayout(const std::vector<std::string>& search_path,
                           absl::string_view start_unit,
                           const LayoutInstances& instances = {},
                           const UnitFileNames* only = nullptr);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_LAYOUT_H_
