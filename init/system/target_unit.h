// File: init/system/target_unit.h
//
// `.target` units (docs/units.md, "Targets"): synchronization points with
// no process of their own, loaded by the layout (unit_layout.h) beside the
// services and run by the supervisor as a unit whose Service has no
// command (a Type=oneshot with RemainAfterExit=yes and no Exec*= line):
// a start goes inactive -> active once what it is ordered after has
// settled, a stop active -> inactive, with no process at any point. Its
// [Unit] keys (Wants=, Requires=, After=, Before=, Conflicts=, BindsTo=,
// PartOf=, conditions...) mean what they mean for a service.
//
//   ParseUnitWithDropInsInto(path, text, drop_ins, &parsed);
//   MakeTarget(&parsed);                  // a target, not a service
//   AddDefaultDependencies(&units);       // systemd's implicit ones
//
// Thread safety: pure functions; thread-safe, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_TARGET_UNIT_H_
#define FAULT_INIT_SYSTEM_TARGET_UNIT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/unit.h"

namespace faultinit {

// The standard targets' names systemd's defaults refer to.
inline constexpr char kSysinitTarget[] = "sysinit.target";
inline constexpr char kBasicTarget[] = "basic.target";
inline constexpr char kShutdownTarget[] = "shutdown.target";

// TargetFileNameProblem: as unit_name.h's UnitFileNameProblem, for a
// `NAME.target` file name: "" when it is a valid one, else why not.
std::string TargetFileNameProblem(absl::string_view name);

// IsTargetName: whether `name` (as Unit keeps it: a service without its
// suffix, other types with theirs) names a target.
bool IsTargetName(absl::string_view name);

// MakeTarget turns a unit parsed by the service parser from a `.target`
// file into a target: the parser's "missing ExecStart=" error does not
// apply (a target has no command) and is dropped; Exec*= lines (a
// [Service] section has no place in a target) are dropped with one
// warning; the unit becomes a oneshot that remains active, with no start
// timeout.
void MakeTarget(ParsedUnit* parsed);

// AddDefaultDependencies adds systemd's default dependencies to every unit
// of `units` whose DefaultDependencies= is yes (the default), as systemd's
// service_add_default_dependencies and target_add_default_dependencies:
//   - a service: Requires= and After= sysinit.target, After= basic.target,
//     Conflicts= and Before= shutdown.target;
//   - a target (but shutdown.target): Conflicts= and Before=
//     shutdown.target, and After= each unit of `units` it Wants=,
//     Requires=, Requisite= or BindsTo= that has DefaultDependencies=yes
//     itself, unless the target is already ordered Before= it (either
//     side's keys), so that no cycle is made.
// A dependency already written is not added twice. Only for the layout:
// a flat directory (--services) has no targets, and gets none.
void AddDefaultDependencies(std::vector<ParsedUnit>* units);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_TARGET_UNIT_H_
