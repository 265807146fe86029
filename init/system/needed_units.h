// File: init/system/needed_units.h
//
// Which of the layout's loaded units (unit_layout.h) system mode holds as
// services. A root file system installs hundreds of units of which a boot
// starts a few dozen, and PID 1 keeps a record for every unit it holds, so
// it holds only those something can start, and loads any other when a
// request names it (init/supervisor/unit_names.h), as systemd loads a unit
// when it is first referenced.
//
//   LoadedUnits units = LoadUnitLayout(path, "default.target");
//   // every diagnostic is reported first: all units were parsed
//   size_t dropped = KeepNeededUnits(&units, {"web"});
//
// Needed: what the start unit pulls in (LoadedUnits::boot), the services
// the socket units activate (socket_keys.h), shutdown.target (a shutdown
// is ordered by its conflicts), the names in `also` (units
// loaded on demand, and those the supervisor holds already: a reload
// keeps what it holds, whatever changed in the links), and, transitively,
// every unit a needed unit's start or failure may start: Wants=,
// Requires=, BindsTo=, Requisite=, OnFailure=, OnSuccess= (with the
// .wants/ and .requires/ entries and the default dependencies, which the
// layout made dependencies). Not followed: After=/Before= (ordering with a
// unit that is not held is moot until it is), PartOf=, Conflicts=,
// PropagatesReloadTo=, ReloadPropagatedFrom= (each acts only on a unit
// that runs, so one that is held); a unit loaded later is linked to the
// ones that name it (Supervisor::AddLoaded).
//
// The dropped units' ParsedUnits are freed here, before the supervisor
// makes its entries from the rest: their memory is free for the entries
// instead of lying between them.
//
// Thread safety: pure; thread-safe, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_NEEDED_UNITS_H_
#define FAULT_INIT_SYSTEM_NEEDED_UNITS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "init/system/unit_directory.h"

namespace faultinit {

// KeepNeededUnits removes from `units->units` every unit not needed (see
// above) and returns how many it removed. `also`: names with or without
// ".service" ("web", "web.service", "rescue.target"); a name no unit has
// is passed over. A flat directory (`layout` false) is left whole: all its
// services start.
size_t KeepNeededUnits(LoadedUnits* units,
                       const std::vector<std::string>& also);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_NEEDED_UNITS_H_
