// File: init/system/unit_directory.h
//
// A directory of unit files, loaded and checked as one graph: what
// `faultinit --check DIR` prints and what system mode boots from.
//
//   LoadedUnits units = LoadUnitDirectory("/etc/faultinit/services");
//   CheckReport report = RenderCheckReport(units);   // --check's output
//   std::vector<std::string> order = StartOrder(units);
//
// The checks across units (LinkUnits), after each file's own (ParseUnit):
//   - a dependency (Requires=, Wants=, After=, Before=, and Unit::jobs'
//     lists: BindsTo=, PartOf=, Conflicts=...) naming no unit in the
//     directory (nor one of the caller's `other_units`, its sockets): a
//     warning saying why: no file of the name (a service, a socket; a
//     target neither in the layout nor built in; a flat directory has no
//     targets), or a unit of a type faultinit has none of (.mount,
//     .device, .automount, .swap, .slice, .scope, .timer, .path: what
//     happens instead). It is "treated as satisfied" for Requires=,
//     BindsTo= and Requisite=, and "ignored" for the others;
//   - a unit naming itself in any of them: a warning, the name is dropped;
//   - an ordering cycle over After=/Before= (Before=X in A is the edge
//     After=A in X): every unit on it fails, each with one error naming the
//     whole cycle, "ordering cycle: a -> b -> c -> a" (a starts before b);
//   - failure propagates along Requires=: a unit requiring a failed unit
//     fails with "required unit "b" failed", transitively.
// Every other unit is unaffected.
//
// Thread safety: pure functions (LoadUnitDirectory and ReadUnitFile read the
// file system); thread-safe, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_UNIT_DIRECTORY_H_
#define FAULT_INIT_SYSTEM_UNIT_DIRECTORY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/unit.h"

namespace faultinit {

// LoadedUnits: every unit of a directory and what was found checking them.
struct LoadedUnits {
  std::string directory;
  // One per *.service file that is not skipped, sorted by name; failed ones
  // included (ParsedUnit::ok() is false).
  std::vector<ParsedUnit> units;
  // About the directory itself and the entries that are not units (an
  // unreadable directory, a *.service that is not a regular file).
  std::vector<Diagnostic> diagnostics;

  // The systemd layout only (unit_layout.h; empty for a flat directory,
  // whose units all start at boot).
  bool layout = false;
  std::string start_unit;           // the start unit, aliases followed
  std::vector<std::string> boot;    // what it pulls in, in start order
  std::vector<std::string> masked;  // masked services, sorted; not loaded
  // Socket units (socket_keys.h) to listen on: a flat directory's every
  // *.socket; the layout's, those the start unit pulls in. Not linked
  // with the services; failed ones included.
  std::vector<ParsedUnit> sockets;

  // Find returns the unit named `name` (without ".service"), or null.
  const ParsedUnit* Find(absl::string_view name) const;
  // has_errors: whether any diagnostic, here or in a unit, is an error.
  bool has_errors() const;
};

// ReadUnitFile reads one unit file (at most kMaxUnitFileSize bytes; the
// size is checked before reading) and parses it. A file that cannot be
// read gives a unit with one error, "unable to read unit file: strerror".
ParsedUnit ReadUnitFile(absl::string_view path);

// LoadUnitDirectory reads every `*.service` entry of `dir` (not
// recursively), in name order, and links them (LinkUnits). An entry whose
// name is not a valid unit name (UnitFileNameProblem, unit_name.h: a tab,
// a newline, a space, a template...) is not read: one error on `dir`,
// "unit file "NAME" not loaded: WHY", NAME shown with \xNN escapes. An
// entry that is not a regular file after following symbolic links (a
// directory, a unit masked with a link to /dev/null) is skipped with a
// warning; one that cannot be read is a failed unit. An unreadable
// directory is one error.
LoadedUnits LoadUnitDirectory(absl::string_view dir);

// LinkUnits runs the checks across `units` (see the top of this file), adds
// their diagnostics to the units, and returns them sorted by name.
// `directory` is only for messages. A second unit with a name already seen
// is dropped with an error in LoadedUnits::diagnostics. `other_units`:
// the names, with their suffix, of the socket units there are
// ("dbus.socket"); a dependency on one is satisfied without a word (the
// sockets are open before any service starts).
LoadedUnits LinkUnits(absl::string_view directory,
                      std::vector<ParsedUnit> units,
                      const std::vector<std::string>& other_units = {});

// StartOrder returns the names of the units that are not failed in an order
// that honours every After=/Before= between them: a topological order in
// which, of the units ready to start, the one with the smallest name comes
// first. Deterministic.
std::vector<std::string> StartOrder(const LoadedUnits& units);

// CheckReport: the output of `faultinit --check`.
struct CheckReport {
  // Every diagnostic, one per line ("FILE:LINE: error: MESSAGE"): the
  // directory's, then each unit's by name, each file's (the unit's, then
  // its drop-ins') in line order; then "start order: a b c"; for the
  // layout, then "boot (START): a b", START the start unit with its
  // aliases followed (multi-user.target), and "masked: c".
  std::string text;
  // The exit status decision: true (exit 1) when any diagnostic is an error.
  bool has_errors = false;
};

CheckReport RenderCheckReport(const LoadedUnits& units);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_DIRECTORY_H_
