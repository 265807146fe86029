// File: init/supervisor/unit_names.h
//
// The names a client (faultctl, systemctl) may give a unit, and the name
// the supervisor knows it by (its file's, without ".service"):
//
//   - its own name, with or without ".service": "web", "web.service"; a
//     unit of another type by its name with its suffix
//     ("multi-user.target"), and known by it;
//   - in the layout, an alias: a symbolic link of another name to its
//     file ("sshd.service -> ssh.service", the link `Alias=` makes at
//     `systemctl enable`; "default.target -> multi-user.target"),
//     followed as unit_search_path.h resolves it;
//   - in the layout, an instance of a template that is not loaded yet
//     ("getty@tty3.service" with a getty@.service in the search path):
//     systemd loads such a unit when it is asked for; the caller loads it
//     (RequestedUnit::load) and then knows it.
//
// Loop thread; reads the search path's directories (not the unit files)
// when the name is not one the supervisor knows.

#ifndef FAULT_INIT_SUPERVISOR_UNIT_NAMES_H_
#define FAULT_INIT_SUPERVISOR_UNIT_NAMES_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "init/supervisor/unit_source.h"

namespace faultinit {

// RequestedUnit: the unit a requested name stands for.
struct RequestedUnit {
  std::string name;   // without ".service"
  bool load = false;  // an instance of a template, to load first
};

// ResolveRequestedUnit maps `requested` to its unit over `source`;
// `known` tells whether the supervisor has a unit of a name (without
// ".service"). nullopt: no unit has that name (the caller says "no such
// service" with the name as given).
std::optional<RequestedUnit> ResolveRequestedUnit(
    const UnitSource& source, absl::string_view requested,
    const std::function<bool(const std::string&)>& known);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_UNIT_NAMES_H_
