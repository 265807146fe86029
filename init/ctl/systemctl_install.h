// File: init/ctl/systemctl_install.h
//
// systemctl's unit file verbs (docs/control.md, "systemctl"), on the files
// under --root through init/system/unit_install.h, as systemctl prints and
// exits:
//   enable, disable, reenable, preset, mask, unmask: "Created symlink LINK
//     -> TARGET." and "Removed "LINK"." on stderr (none with -q), then,
//     when a link changed and --root is "/" and not --no-reload, a
//     daemon-reload of the running faultinit (skipped silently when there
//     is none, as systemctl does off a running systemd); with --now, the
//     units then start (enable, reenable) or stop (disable, mask). Exit 0;
//     1 with "Failed to enable unit: REASON".
//   is-enabled: each unit's state, one a line (none with -q); exit 0 when
//     one is enabled, enabled-runtime, static, alias, indirect or
//     generated, 4 when every one is not-found, else 1 (systemctl's).
//   list-unit-files: "UNIT FILE STATE PRESET" (--state=, --type= filter),
//     then "N unit files listed." (--no-legend: rows only).
//   cat: "# PATH" then the file, for the unit file and each drop-in, a
//     blank line between; exit 1 when a unit has no file or is masked.
//
// Thread safety: not thread-safe (writes stdout, stderr and files).

#ifndef FAULT_INIT_CTL_SYSTEMCTL_INSTALL_H_
#define FAULT_INIT_CTL_SYSTEMCTL_INSTALL_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/ctl/systemctl_command.h"

namespace faultinit::systemctl {

// What the file verbs need of the running faultinit: a daemon-reload
// that is quiet when faultinit cannot be reached (returns true when it was
// not reached or reloaded, false when it refused, already reported), and
// a start or stop of services (returns its exit status).
struct InstallHooks {
  std::function<bool()> reload;
  std::function<int(bool start, const std::vector<std::string>& services)>
      transition;
};

// RunUnitFileVerb runs `c` (IsUnitFileVerb(c.verb)); `program` prefixes
// its error lines ("systemctl: ..."). Returns the exit status.
int RunUnitFileVerb(const SystemctlCommand& c, absl::string_view program,
                    const InstallHooks& hooks);

// MaskedUnit: whether `unit` (a unit file name) is masked in systemd's
// search path under `root`: what status says of a unit faultinit does not
// know (status looks under "/").
bool MaskedUnit(absl::string_view unit, const std::string& root = "/");

}  // namespace faultinit::systemctl

#endif  // FAULT_INIT_CTL_SYSTEMCTL_INSTALL_H_
