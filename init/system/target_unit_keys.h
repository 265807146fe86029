// File: init/system/target_unit_keys.h
//
// The [Unit] keys of targets and default dependencies (docs/units.md,
// "Targets"), as a UnitKey table (unit_keys.h) kUnitKeyTables includes:
//   DefaultDependencies=  a boolean (default yes): whether the layout adds
//                         systemd's implicit dependencies on the standard
//                         targets (target_unit.h, AddDefaultDependencies)
//   AllowIsolate=         a boolean (default no): whether `systemctl
//                         isolate` (faultctl isolate) may take this unit
//   IgnoreOnIsolate=      a boolean (default no): whether an isolate to
//                         another unit leaves this one running
// (UnitJobs::allow_isolate, ignore_on_isolate; supervisor_isolate.cc).
// An invalid boolean is an error naming the key and the value.
//
// Thread safety: pure; thread-safe, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_TARGET_UNIT_KEYS_H_
#define FAULT_INIT_SYSTEM_TARGET_UNIT_KEYS_H_

#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable TargetUnitKeys();

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_TARGET_UNIT_KEYS_H_
