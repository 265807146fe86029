// File: init/system/standard_targets.h
//
// systemd's standard targets (systemd.special(7), bootup(7)), built into
// faultinit so that a root file system that has none of their files
// (a board's own units, a minimal image) still has the synchronization
// points its units name: sysinit, basic, local-fs, local-fs-pre, network,
// network-online, network-pre, nss-lookup, time-set, time-sync, remote-fs,
// remote-fs-pre, multi-user, graphical, rescue, emergency, shutdown,
// sockets, timers, paths, getty, swap, slices. A file of the same name in the
// search path (or a mask) wins, whole, as a file in /etc wins over /lib.
//
// Each is the text of systemd's own unit file with its dependencies
// between targets (bootup(7)'s chart), less what names a unit faultinit
// does not have (rescue.service, emergency.service, display-manager.service)
// or an action it does not take (local-fs.target's OnFailure= of
// emergency.target: faultinit has no emergency shell to isolate to).
// AllowIsolate=yes, as systemd's: multi-user, graphical and rescue (an
// isolate to rescue.target leaves what sysinit.target pulls in, with no
// shell); not emergency.target, which without its shell would leave the
// machine with nothing running.
//
// Thread safety: constant data and pure functions.

#ifndef FAULT_INIT_SYSTEM_STANDARD_TARGETS_H_
#define FAULT_INIT_SYSTEM_STANDARD_TARGETS_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "init/system/unit.h"

namespace faultinit {

struct StandardTarget {
  absl::string_view name;  // "multi-user.target"
  absl::string_view text;  // its unit file
};

// The built-in targets, sorted by name.
absl::Span<const StandardTarget> StandardTargets();

// The path a built-in target is shown with (diagnostics, --check):
// "[built-in]/NAME".
std::string StandardTargetPath(absl::string_view name);

// ParseStandardTarget parses `target` into `*out` (a default-constructed
// ParsedUnit) as a target (target_unit.h's MakeTarget).
void ParseStandardTarget(const StandardTarget& target, ParsedUnit* out);

// The start unit when the search path has no default.target: systemd's
// build installs default.target as a link to graphical.target, which on a
// machine with no display manager reaches what multi-user.target does;
// faultinit starts multi-user.target (systemd without any link falls back
// to rescue.target, a shell faultinit does not have).
inline constexpr char kFallbackStartUnit[] = "multi-user.target";

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_STANDARD_TARGETS_H_
