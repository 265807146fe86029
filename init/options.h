// File: init/options.h
//
// faultinit's command line. Container mode, tini-compatible:
//
//   faultinit [OPTIONS] [--] COMMAND [ARG...]
//   faultinit -P
//
// System mode, when there is no COMMAND and faultinit is PID 1, or with
// --system; and the unit-directory check:
//
//   faultinit [--system] [--services DIR | --units-path DIR:DIR...]
//   faultinit --check [DIR | --units-path DIR:DIR...]
//
// Options end at the first non-option argument, so `faultinit sh -c 'exit
// 3'` needs no `--`. tini's environment variables are honoured:
// TINI_SUBREAPER (accepted; subreaping is automatic), TINI_KILL_PROCESS_GROUP
// (as -g) and TINI_VERBOSITY (as the -v level).
//
// Pure parsing: no side effects, so it is tested without processes.

#ifndef FAULT_INIT_OPTIONS_H_
#define FAULT_INIT_OPTIONS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/control/protocol.h"
#include "runtime/crash.h"
#include "runtime/duration.h"
#include "runtime/invocation.h"
#include "runtime/status.h"

namespace faultinit {

struct ContainerOptions {
  std::vector<std::string> command;  // empty only with pause
  bool pause = false;                // -P: no command, reap until TERM/INT
  bool process_group = false;        // -g: forward to the child's group
  std::map<int, int> rewrite;        // -r FROM:TO
  std::set<int> success_codes;       // -e CODE: child exit codes mapped to 0
  int parent_death_signal = 0;       // -p SIG: faultinit's own
  bool warn_reaped = false;          // -w
  int verbosity = 1;                 // 0 fatal .. 3 debug
  fault::Duration grace = fault::Seconds(5);  // --grace
};

// The default unit directory of system mode.
inline constexpr char kDefaultServicesDirectory[] = "/etc/faultinit/services";

struct SystemOptions {
  std::string services = kDefaultServicesDirectory;  // --services DIR
  bool services_given = false;  // --services (or --check DIR) was given
  // --units-path A:B: systemd's layout over these directories, highest
  // precedence first (docs/units.md, "Layout"); empty: not given. Which
  // units system mode loads: init/supervisor/unit_source.h.
  std::vector<std::string> units_path;
  // --kernel-cmdline FILE: read as the kernel command line instead of
  // /proc/cmdline, whether or not faultinit is the machine's PID 1, and
  // the consoles it names taken as terminals (init/supervisor/unit_source.h);
  // empty: not given.
  std::string kernel_cmdline;
  std::string control = control::kDefaultSocketPath;  // --control PATH
  // --fstab PATH: the fstab system mode mounts before the units start
  // (init/supervisor/fstab_step.h); read as the machine's PID 1, or when
  // given. --check checks it when given.
  std::string fstab = "/etc/fstab";
  bool fstab_given = false;
  int verbosity = 1;
};

// What the command line asks for.
struct CommandLine {
  enum class Action { kRun, kSystem, kCheck, kHelp, kVersion };
  Action action = Action::kRun;
  ContainerOptions options;  // kRun
  SystemOptions system;      // kSystem, kCheck (services: the directory)
  // --crash-action: what a fault in faultinit ends in when it is PID 1
  // (runtime/crash.h); not PID 1, it dies of the signal after the line.
  fault::CrashAction crash_action = fault::CrashAction::kFreeze;
};

// ParseCommandLine reads the arguments (without the command name) and the
// imported environment (runtime Invocation's environ()).
// Errors: kInvalidArgument with a one-line message naming the option and
// the value ("-r: invalid signal \"FOO\": ..."); the caller prints it with
// a hint to --help and exits 2.
// `pid1` says whether faultinit is PID 1: then no COMMAND means system mode.
fault::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args,
    const fault::Invocation::Environment& env, bool pid1 = false);

// The environment variables ParseCommandLine reads.
extern const absl::string_view kImportedVariables[3];

// Usage is the --help text.
extern const char kUsage[];

}  // namespace faultinit

#endif  // FAULT_INIT_OPTIONS_H_
