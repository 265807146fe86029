#include "init/options.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/duration.h"
#include "runtime/options.h"
#include "runtime/signals.h"

namespace faultinit {

const char kUsage[] =
    "Usage: faultinit [OPTIONS] [--] COMMAND [ARG...]\n"
    "       faultinit -P\n"
    "Run COMMAND as the child of a minimal init: reap zombies, forward\n"
    "signals, and exit with the child's status (128+N when killed by\n"
    "signal N). Leftover processes get SIGTERM, then SIGKILL after the\n"
    "grace period, when the child exits.\n"
    "\n"
    "  -g, --process-group      forward signals to the child's process group\n"
    "  -r, --rewrite FROM:TO    forward signal FROM as TO (repeatable),\n"
    "                           e.g. -r TERM:QUIT\n"
    "  -e, --remap-exit CODE    report child exit CODE as 0 (repeatable)\n"
    "  -p, --pdeath SIGNAL      signal faultinit gets when its parent dies\n"
    "  -s, --subreaper          accepted for tini compatibility: faultinit\n"
    "                           is a subreaper whenever it is not PID 1\n"
    "  -w, --warn-reaped        log the pid of each zombie reaped\n"
    "  -v, --verbose            more messages (repeatable: -vvv)\n"
    "  -P, --pause              run no command: reap until SIGTERM or SIGINT,\n"
    "                           then exit 0\n"
    "      --grace DURATION     leftovers' time between SIGTERM and SIGKILL\n"
    "                           (default 5s; 500ms, 1min 30s, ...)\n"
    "      --crash-action ACTION  as PID 1, what a fault in faultinit itself\n"
    "                           ends in: freeze (reap only; the default),\n"
    "                           reboot or poweroff\n"
    "  -h, --help               show this help and exit\n"
    "      --version            show the version and exit\n"
    "\n"
    "System mode (no COMMAND as PID 1, or --system): run the services of a\n"
    "unit directory (docs/units.md).\n"
    "      --system             system mode even when not PID 1\n"
    "      --services DIR       a flat unit directory, every service of which\n"
    "                           starts (default /etc/faultinit/services)\n"
    "      --units-path DIR:DIR...  systemd's layout over these directories\n"
    "                           (without either option and without\n"
    "                           /etc/faultinit/services: /etc/systemd/system,\n"
    "                           /run/systemd/system, /lib/systemd/system,\n"
    "                           /usr/lib/systemd/system); default.target's\n"
    "                           units start\n"
    "      --kernel-cmdline FILE  read FILE as the kernel command line\n"
    "                           (systemd.unit=, console=) instead of\n"
    "                           /proc/cmdline, also when not the machine's\n"
    "                           PID 1; its consoles are taken as terminals\n"
    "      --control PATH       the control socket for faultctl, an absolute\n"
    "                           path (default /run/faultinit/control)\n"
    "      --fstab PATH         the fstab mounted before the units start\n"
    "                           (default /etc/fstab, read as the machine's\n"
    "                           PID 1 or when this is given)\n"
    "      --check [DIR]        check a unit directory (or the layout, with\n"
    "                           --units-path), print every error and the\n"
    "                           start order; exit 1 on errors\n"
    "\n"
    "Signals are named as process/terminate, SIGTERM, TERM, term or 15.\n"
    "Environment: TINI_KILL_PROCESS_GROUP=1 (as -g), TINI_VERBOSITY=N (as\n"
    "the -v level), TINI_SUBREAPER (accepted).\n"
    "Exit status: the child's; 126 command not executable; 127 command not\n"
    "found; 2 usage error; 1 faultinit failed.\n";

const absl::string_view kImportedVariables[3] = {
    "TINI_SUBREAPER", "TINI_KILL_PROCESS_GROUP", "TINI_VERBOSITY"};

namespace {

using fault::InvalidArgumentError;
using fault::Status;
using fault::StatusOr;

using fault::OptionSpec;

constexpr OptionSpec kOptions[] = {
    {0, 'g', "process-group", false},
    {0, 'r', "rewrite", true},
    {0, 'e', "remap-exit", true},
    {0, 'p', "pdeath", true},
    {0, 's', "subreaper", false},
    {0, 'w', "warn-reaped", false},
    {0, 'v', "verbose", false},
    {0, 'P', "pause", false},
    {0, 0, "grace", true},
    {0, 0, "crash-action", true},
    {0, 'h', "help", false},
    {0, 0, "system", false},
    {0, 0, "services", true},
    {0, 0, "units-path", true},
    {0, 0, "control", true},
    {0, 0, "fstab", true},
    {0, 0, "kernel-cmdline", true},
    {0, 0, "check", false},
    {0, 0, "version", false},
};

Status OptionError(absl::string_view option, absl::string_view message) {
  return InvalidArgumentError(absl::StrCat(option, ": ", message));
}

Status Apply(const OptionSpec& spec, absl::string_view shown,
             absl::string_view value, CommandLine* out) {
  ContainerOptions& o = out->options;
  switch (spec.short_name) {
    case 'g':
      o.process_group = true;
      return fault::OkStatus();
    case 'r': {
      std::vector<absl::string_view> parts = absl::StrSplit(value, ':');
      if (parts.size() != 2) {
        return OptionError(
            shown, absl::StrCat("expected FROM:TO, got \"", value, "\""));
      }
      StatusOr<int> from = fault::ParseSignal(parts[0]);
      if (!from.ok()) return OptionError(shown, from.status().message());
      StatusOr<int> to = fault::ParseSignal(parts[1]);
      if (!to.ok()) return OptionError(shown, to.status().message());
      o.rewrite[*from] = *to;
      return fault::OkStatus();
    }
    case 'e': {
      int code = 0;
      if (!absl::SimpleAtoi(value, &code) || code < 0 || code > 255) {
        return OptionError(shown, absl::StrCat("invalid exit code \"", value,
                                               "\": expected 0 to 255"));
      }
      o.success_codes.insert(code);
      return fault::OkStatus();
    }
    case 'p': {
      StatusOr<int> signo = fault::ParseSignal(value);
      if (!signo.ok()) return OptionError(shown, signo.status().message());
      o.parent_death_signal = *signo;
      return fault::OkStatus();
    }
    case 's':
      return fault::OkStatus();
    case 'w':
      o.warn_reaped = true;
      return fault::OkStatus();
    case 'v':
      ++o.verbosity;
      return fault::OkStatus();
    case 'P':
      o.pause = true;
      return fault::OkStatus();
    case 'h':
      out->action = CommandLine::Action::kHelp;
      return fault::OkStatus();
    default:
      break;
  }
  absl::string_view name = spec.long_name;
  if (name == "grace") {
    StatusOr<fault::Duration> grace = fault::ParseTimeSpan(value);
    if (!grace.ok()) return OptionError(shown, grace.status().message());
    o.grace = *grace;
  } else if (name == "crash-action") {
    StatusOr<fault::CrashAction> action = fault::ParseCrashAction(value);
    if (!action.ok()) return OptionError(shown, action.status().message());
    out->crash_action = *action;
  } else if (name == "version") {
    out->action = CommandLine::Action::kVersion;
  } else if (name == "system") {
    if (out->action == CommandLine::Action::kRun) {
      out->action = CommandLine::Action::kSystem;
    }
  } else if (name == "services") {
    out->system.services = std::string(value);
    out->system.services_given = true;
  } else if (name == "units-path") {
    std::vector<std::string> path;
    for (absl::string_view part : absl::StrSplit(value, ':')) {
      if (part.empty() || part[0] != '/') {
        return OptionError(
            shown, absl::StrCat("expected absolute directories separated by "
                                "\":\", got \"",
                                part, "\""));
      }
      while (part.size() > 1 && part.back() == '/') part.remove_suffix(1);
      // A directory named twice counts once, where it first appears.
      if (std::find(path.begin(), path.end(), part) == path.end()) {
        path.emplace_back(part);
      }
    }
    out->system.units_path = std::move(path);
  } else if (name == "kernel-cmdline") {
    if (value.empty() || value[0] != '/') {
      return OptionError(
          shown,
          absl::StrCat("expected an absolute path, got \"", value, "\""));
    }
    out->system.kernel_cmdline = std::string(value);
  } else if (name == "control") {
    // Relative, it would depend on the directory faultinit runs in (/ as
    // PID 1): refused rather than guessed.
    if (value.empty() || value[0] != '/') {
      return OptionError(
          shown,
          absl::StrCat("expected an absolute path, got \"", value, "\""));
    }
    out->system.control = std::string(value);
  } else if (name == "fstab") {
    if (value.empty() || value[0] != '/') {
      return OptionError(
          shown,
          absl::StrCat("expected an absolute path, got \"", value, "\""));
    }
    out->system.fstab = std::string(value);
    out->system.fstab_given = true;
  } else if (name == "check") {
    if (out->action != CommandLine::Action::kHelp &&
        out->action != CommandLine::Action::kVersion) {
      out->action = CommandLine::Action::kCheck;
    }
  }
  return fault::OkStatus();
}

Status ApplyEnvironment(const fault::Invocation::Environment& env,
                        ContainerOptions* o) {
  if (auto it = env.find("TINI_KILL_PROCESS_GROUP");
      it != env.end() && !it->second.empty() && it->second != "0") {
    o->process_group = true;
  }
  if (auto it = env.find("TINI_VERBOSITY"); it != env.end()) {
    int level = 0;
    if (!absl::SimpleAtoi(it->second, &level) || level < 0) {
      return InvalidArgumentError(
          absl::StrCat("TINI_VERBOSITY: invalid level \"", it->second,
                       "\": expected a number from 0 to 3"));
    }
    o->verbosity = level;
  }
  return fault::OkStatus();
}

}  // namespace

StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& argv,
    const fault::Invocation::Environment& env, bool pid1) {
  CommandLine out;
  Status env_status = ApplyEnvironment(env, &out.options);
  if (!env_status.ok()) return env_status;

  size_t i = 0;
  while (i < argv.size()) {
    absl::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;  // the command starts here
    StatusOr<std::vector<fault::ScannedOption>> found =
        fault::ScanOption(argv, &i, kOptions);
    if (!found.ok()) return found.status();
    for (const fault::ScannedOption& option : *found) {
      Status s = Apply(*option.spec, option.shown, option.value, &out);
      if (!s.ok()) return s;
    }
  }
  out.options.command.assign(argv.begin() + i, argv.end());
  if (out.system.services_given && !out.system.units_path.empty()) {
    return InvalidArgumentError(
        "--services and --units-path: a flat directory or the layout, not "
        "both");
  }
  out.system.verbosity = out.options.verbosity;

  switch (out.action) {
    case CommandLine::Action::kHelp:
    case CommandLine::Action::kVersion:
      return out;
    case CommandLine::Action::kCheck:
      if (out.options.command.size() > 1) {
        return InvalidArgumentError(
            absl::StrCat("--check takes one directory, got \"",
                         out.options.command[1], "\" too"));
      }
      if (!out.options.command.empty()) {
        if (!out.system.units_path.empty()) {
          return InvalidArgumentError(absl::StrCat(
              "--check checks a directory or the --units-path layout, not "
              "both: \"",
              out.options.command[0], "\""));
        }
        out.system.services = out.options.command[0];
        out.system.services_given = true;
      }
      return out;
    case CommandLine::Action::kSystem:
      if (!out.options.command.empty()) {
        return InvalidArgumentError(absl::StrCat(
            "--system runs no command, but a command was given: \"",
            out.options.command[0], "\""));
      }
      return out;
    case CommandLine::Action::kRun:
      break;
  }
  if (out.options.command.empty() && !out.options.pause && pid1) {
    out.action = CommandLine::Action::kSystem;
    return out;
  }
  if (out.options.pause && !out.options.command.empty()) {
    return InvalidArgumentError(
        absl::StrCat("-P runs no command, but a command was given: \"",
                     out.options.command[0], "\""));
  }
  if (!out.options.pause && out.options.command.empty()) {
    return InvalidArgumentError(
        "no command given (system mode needs PID 1 or --system)");
  }
  return out;
}

}  // namespace faultinit
