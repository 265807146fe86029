// File: init/system/unit_closure.h
//
// What boots in the systemd layout: the closure of the start unit
// (default.target, or `systemd.unit=NAME` on the kernel command line)
// through Wants= and Requires=, as systemd's start job pulls units in:
//
//   BootClosure boot = PullIn(path, "default.target", wants_of);
//
//   - a name is followed through its aliases (default.target is usually a
//     link to multi-user.target or graphical.target);
//   - a unit pulls in what its file (with its drop-ins) names in Wants= and
//     Requires= (`wants_of`, given by the caller, which parsed them) and the
//     entries of its NAME.wants/ and NAME.requires/ directories in every
//     search directory (and its aliases'), the links `systemctl enable`
//     makes; an entry that is masked (a link to /dev/null) pulls in nothing;
//     an entry naming a template without an instance ("getty@.service")
//     names the instance systemd makes of it (unit_name.h's FillTemplate:
//     the directory's unit's instance, else its prefix);
//   - a masked unit is not pulled in, nor what it would pull in (systemd
//     refuses to start it);
//   - a name no directory holds is kept (the caller says what that means);
//     the walk is breadth-first, each name once, so cycles end.
//
// Thread safety: pure functions (PullIn reads directories); thread-safe,
// not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_UNIT_CLOSURE_H_
#define FAULT_INIT_SYSTEM_UNIT_CLOSURE_H_

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/unit_search_path.h"

namespace faultinit {

// The unit systemd starts without `systemd.unit=`.
inline constexpr char kDefaultStartUnit[] = "default.target";

// BootClosure: the units the start unit pulls in.
struct BootClosure {
  std::string start;  // the start unit, aliases followed
  // Every name pulled in (with its suffix, aliases followed), the start
  // unit included; masked ones left out.
  std::set<std::string> units;
  // Names that were named but are masked, sorted.
  std::vector<std::string> masked;
};

// WantsOf returns the names (with their suffix) unit `name`'s file and
// drop-ins give in Wants= and Requires=.
using WantsOf = std::function<std::vector<std::string>(const std::string&)>;

BootClosure PullIn(const UnitSearchPath& path, absl::string_view start,
                   const WantsOf& wants_of);

// DependencyDirectoryEntries returns the unit names in NAME.wants/ and
// NAME.requires/ of every search directory (`name` with its suffix),
// sorted, each once (a template filled in as FillTemplate does); `masked`
// gets those entries that are masked, as they are named.
// `owner`, when not empty, is the unit whose directories they are when
// `name` is one of its aliases: a template entry takes its instance or
// prefix, as systemd resolves it by the unit's own name.
std::vector<std::string> DependencyDirectoryEntries(
    const std::vector<std::string>& search_path, absl::string_view name,
    std::vector<std::string>* masked, absl::string_view owner = "");

// DirectoryDependencies: the entries of NAME.wants/ and NAME.requires/ of
// every search directory, apart (a Wants= and a Requires= each, as systemd
// reads them), sorted, each once, masked entries left out, a template
// filled in as FillTemplate does.
struct DirectoryDependencies {
  std::vector<std::string> wants;
  std::vector<std::string> requires_;
};
DirectoryDependencies DependencyDirectories(
    const std::vector<std::string>& search_path, absl::string_view name,
    absl::string_view owner = "");

// KernelCommandLineUnit returns the unit of the last `systemd.unit=NAME`
// word of `cmdline` (/proc/cmdline's text), or nullopt when there is none
// or its NAME is not a valid unit name (systemd ignores it then too).
std::optional<std::string> KernelCommandLineUnit(absl::string_view cmdline);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_CLOSURE_H_
