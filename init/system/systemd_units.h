// File: init/system/systemd_units.h
//
// systemd's own units in a root file system that also holds systemd
// (Debian's `systemd` and `udev` packages install them, and enable many in
// sysinit.target.wants/ and multi-user.target.wants/): the ones faultinit
// does not start, each for a documented reason (docs/units.md, "systemd's
// own units"). Every other unit of systemd's is run as any unit: the
// one-shot tools (systemd-tmpfiles-setup, systemd-sysctl,
// systemd-modules-load, systemd-udevd and udev's coldplug
// systemd-udev-trigger, systemd-random-seed, ...) work under faultinit.
//
//   if (const SystemdUnitPolicy* p = FindSystemdUnitPolicy("x.service")) ...
//   SkipSystemdUnits(&loaded);  // in the layout, after the closure is built
//
// Thread safety: pure; the table is constant.

#ifndef FAULT_INIT_SYSTEM_SYSTEMD_UNITS_H_
#define FAULT_INIT_SYSTEM_SYSTEMD_UNITS_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "init/system/unit_directory.h"

namespace faultinit {

// Why a unit of systemd's is not started.
enum class SystemdUnitReason {
  kReplaced,     // faultinit does its work itself
  kUnsupported,  // it needs what only systemd as PID 1 provides
};

struct SystemdUnitPolicy {
  absl::string_view name;  // the full unit name, with its suffix
  SystemdUnitReason reason;
  absl::string_view why;  // one line, for the log and the docs
};

// FindSystemdUnitPolicy returns the entry of the table for `name` (with its
// suffix; a template's instance, NAME@X.service, is looked up as
// NAME@.service), or null when faultinit runs it as any unit.
const SystemdUnitPolicy* FindSystemdUnitPolicy(absl::string_view name);

// The whole table, for docs and tests.
absl::Span<const SystemdUnitPolicy> SystemdUnitPolicies();

// SkipSystemdUnits applies the table to the layout's units: every listed
// service is removed from `units->units` (it cannot be started, by boot,
// by a dependency, by a reload or by `faultctl start`: "no such unit"),
// and from `units->boot`; each that was to start at boot gets one warning
// diagnostic on its file, "systemd-journald.service: not started: WHY
// (docs/units.md, systemd's own units)"; other units' dependencies on a
// listed one are dropped (a Requires= on it is satisfied: its work is done
// by faultinit or not there at all, and the unit that names it still
// starts). Flat unit directories (`--services`) are left as they are.
void SkipSystemdUnits(LoadedUnits* units);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_SYSTEMD_UNITS_H_
