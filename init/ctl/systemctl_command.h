// File: init/ctl/systemctl_command.h
//
// faultinit called as `systemctl`: its command line, `systemctl [OPTIONS]
// VERB [UNIT...]`, parsed into a SystemctlCommand (the verbs and options
// scripts use, docs/control.md "systemctl"). systemctl.h runs it against
// the control protocol.
//
// Unit names are taken with or without ".service": "web.service" is the
// service faultinit calls "web"; another suffix (".target") is passed on
// unchanged, and faultinit answers that it has no such service.
//
// Every error is one line (the Status message, shown as "systemctl:
// MESSAGE"), exit status 1 as systemctl's: an unknown verb or option, a
// verb not supported yet (edit, link, revert, or one faultinit does not
// implement), an option the verb does not take, a missing unit name, a bad
// signal or property.
//
// The unit file verbs (enable, disable, reenable, preset, is-enabled,
// mask, unmask, list-unit-files, cat: systemctl_install.h) act on the
// files under --root (default "/"), and name units by their unit file
// names (`unit_files`: "web" is "web.service", as systemctl mangles it).
//
// Threading: thread-safe (pure functions). Not async-signal-safe.

#ifndef FAULT_INIT_CTL_SYSTEMCTL_COMMAND_H_
#define FAULT_INIT_CTL_SYSTEMCTL_COMMAND_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace faultinit::systemctl {

enum class SystemctlVerb {
  kStart,
  kStop,
  kRestart,
  kTryRestart,
  kReload,
  kReloadOrRestart,
  kStatus,
  kIsActive,
  kIsFailed,
  kIsSystemRunning,
  kDaemonReload,
  kListUnits,
  kShow,
  kKill,
  kPowerOff,
  kReboot,
  kHalt,
  // Unit file verbs (systemctl_install.h).
  kEnable,
  kDisable,
  kReenable,
  kPreset,
  kIsEnabled,
  kMask,
  kUnmask,
  kListUnitFiles,
  kCat,
};

// IsUnitFileVerb: one of the unit file verbs, which act on files.
bool IsUnitFileVerb(SystemctlVerb verb);

struct SystemctlCommand {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  SystemctlVerb verb = SystemctlVerb::kStatus;
  // Service names as faultinit knows them ("web" for "web.service").
  std::vector<std::string> units;
  std::optional<std::string> socket;    // --socket PATH (faultinit's own)
  bool no_block = false;                // --no-block
  bool quiet = false;                   // -q, --quiet
  bool value = false;                   // show --value
  bool no_legend = false;               // list-units --no-legend
  bool all = false;                     // list-units -a, --all
  std::vector<std::string> properties;  // show -p (each name once, in order)
  std::vector<std::string> states;      // list-units --state=
  int signal = 15;                      // kill -s (SIGTERM by default)
  // The unit file verbs: the units' file names ("web" -> "web.service").
  std::vector<std::string> unit_files;
  std::string root = "/";            // --root=DIR
  bool root_given = false;           // --root given
  bool now = false;                  // --now (enable, disable, mask...)
  bool runtime = false;              // --runtime
  bool force = false;                // -f, --force
  bool no_reload = false;            // --no-reload
  std::string preset_mode = "full";  // --preset-mode=
  std::vector<std::string> types;    // -t, --type= (as given)
};

// ParseSystemctlCommandLine parses the arguments after the program name.
// Options may stand before or after the verb; "--" ends them. -h/--help
// and --version win over the rest but an unknown option.
fault::StatusOr<SystemctlCommand> ParseSystemctlCommandLine(
    const std::vector<std::string>& argv);

// ServiceName: `unit` without a trailing ".service" (faultinit's name).
std::string ServiceName(absl::string_view unit);

// UnitName: faultinit's service name as systemd names it ("web.service");
// a unit of another type keeps its own ("multi-user.target", a socket
// unit's status row "dbus.socket").
std::string UnitName(absl::string_view service);

// kSystemctlUsage: the --help text.
extern const char kSystemctlUsage[];

}  // namespace faultinit::systemctl

#endif  // FAULT_INIT_CTL_SYSTEMCTL_COMMAND_H_
