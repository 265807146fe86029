#include "init/ctl/systemctl_command.h"

#include <algorithm>
#include <cstddef>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "init/ctl/systemctl_state.h"
#include "runtime/options.h"
#include "runtime/signals.h"

namespace faultinit::systemctl {

const char kSystemctlUsage[] =
    "Usage: systemctl [OPTIONS] VERB [UNIT...]\n"
    "faultinit's systemctl: the verbs scripts use, on faultinit's control\n"
    "socket (docs/control.md, \"systemctl\"). UNIT with or without "
    "\".service\".\n"
    "\n"
    "Verbs:\n"
    "  start, stop, restart, try-restart, reload, reload-or-restart UNIT...\n"
    "  status [UNIT...]         is-active UNIT...    is-failed UNIT...\n"
    "  is-system-running        daemon-reload        list-units\n"
    "  show [-p PROP]... [--value] UNIT...\n"
    "  kill [-s SIGNAL] UNIT... (the main process)\n"
    "  poweroff, reboot, halt\n"
    "  enable, disable, reenable, preset, mask, unmask UNIT... [--now]\n"
    "  is-enabled UNIT...       list-unit-files      cat UNIT...\n"
    "Not supported yet: edit, link, revert.\n"
    "\n"
    "Options: --no-block, -q/--quiet, --now, --no-pager, --system,\n"
    "  -p/--property=NAME[,NAME], --value, -s/--signal=SIGNAL,\n"
    "  --no-legend, --plain, -a/--all, -t/--type=service, --state=STATE,\n"
    "  -l/--full, --no-ask-password, --socket PATH, -h/--help, --version,\n"
    "  --root=DIR, --runtime, -f/--force, --no-reload, --preset-mode=MODE\n"
    "\n"
    "Exit status (systemctl's): 0 success; 1 failure, an unsupported verb\n"
    "or option, faultinit unreachable, or none failed (is-failed); 3 not\n"
    "active (is-active, status) or reload not applicable; 4 no such unit\n"
    "(status), or refused; 5 no such unit (start, stop, ...); 6 reload of\n"
    "a unit not active.\n";

namespace {

// systemd's unit types (unit_type_table).
bool IsUnitType(absl::string_view type) {
  for (absl::string_view t :
       {"service", "socket", "target", "device", "mount", "automount", "swap",
        "timer", "path", "slice", "scope"}) {
    if (t == type) return true;
  }
  return false;
}

using fault::InvalidArgumentError;
using fault::Status;
using fault::StatusOr;

struct VerbEntry {
  absl::string_view name;
  SystemctlVerb verb;
};

constexpr VerbEntry kVerbTable[] = {
    {"start", SystemctlVerb::kStart},
    {"stop", SystemctlVerb::kStop},
    {"restart", SystemctlVerb::kRestart},
    {"try-restart", SystemctlVerb::kTryRestart},
    {"condrestart", SystemctlVerb::kTryRestart},  // systemctl's alias
    {"reload", SystemctlVerb::kReload},
    {"reload-or-restart", SystemctlVerb::kReloadOrRestart},
    {"status", SystemctlVerb::kStatus},
    {"is-active", SystemctlVerb::kIsActive},
    {"is-failed", SystemctlVerb::kIsFailed},
    {"is-system-running", SystemctlVerb::kIsSystemRunning},
    {"daemon-reload", SystemctlVerb::kDaemonReload},
    {"list-units", SystemctlVerb::kListUnits},
    {"show", SystemctlVerb::kShow},
    {"kill", SystemctlVerb::kKill},
    {"poweroff", SystemctlVerb::kPowerOff},
    {"reboot", SystemctlVerb::kReboot},
    {"halt", SystemctlVerb::kHalt},
    {"enable", SystemctlVerb::kEnable},
    {"disable", SystemctlVerb::kDisable},
    {"reenable", SystemctlVerb::kReenable},
    {"preset", SystemctlVerb::kPreset},
    {"is-enabled", SystemctlVerb::kIsEnabled},
    {"mask", SystemctlVerb::kMask},
    {"unmask", SystemctlVerb::kUnmask},
    {"list-unit-files", SystemctlVerb::kListUnitFiles},
    {"cat", SystemctlVerb::kCat},
};

// Verbs systemctl has that this one does not do yet: a one-line error.
constexpr absl::string_view kNotYet[] = {"edit", "link", "revert"};

enum class Option {
  kNoBlock,
  kQuiet,
  kNow,
  kNoPager,
  kSystem,
  kProperty,
  kValue,
  kSignal,
  kNoLegend,
  kPlain,
  kAll,
  kType,
  kState,
  kFull,
  kNoAskPassword,
  kSocket,
  kHelp,
  kVersion,
  kRoot,
  kRuntime,
  kForce,
  kNoReload,
  kPresetMode,
};

using fault::OptionSpec;

constexpr OptionSpec kOptions[] = {
    {static_cast<int>(Option::kNoBlock), 0, "no-block", false},
    {static_cast<int>(Option::kQuiet), 'q', "quiet", false},
    {static_cast<int>(Option::kNow), 0, "now", false},
    {static_cast<int>(Option::kNoPager), 0, "no-pager", false},
    {static_cast<int>(Option::kSystem), 0, "system", false},
    {static_cast<int>(Option::kProperty), 'p', "property", true},
    {static_cast<int>(Option::kValue), 0, "value", false},
    {static_cast<int>(Option::kSignal), 's', "signal", true},
    {static_cast<int>(Option::kNoLegend), 0, "no-legend", false},
    {static_cast<int>(Option::kPlain), 0, "plain", false},
    {static_cast<int>(Option::kAll), 'a', "all", false},
    {static_cast<int>(Option::kType), 't', "type", true},
    {static_cast<int>(Option::kState), 0, "state", true},
    {static_cast<int>(Option::kFull), 'l', "full", false},
    {static_cast<int>(Option::kNoAskPassword), 0, "no-ask-password", false},
    {static_cast<int>(Option::kSocket), 0, "socket", true},
    {static_cast<int>(Option::kHelp), 'h', "help", false},
    {static_cast<int>(Option::kVersion), 0, "version", false},
    {static_cast<int>(Option::kRoot), 0, "root", true},
    {static_cast<int>(Option::kRuntime), 0, "runtime", false},
    {static_cast<int>(Option::kForce), 'f', "force", false},
    {static_cast<int>(Option::kNoReload), 0, "no-reload", false},
    {static_cast<int>(Option::kPresetMode), 0, "preset-mode", true},
};

bool IsTransition(SystemctlVerb v) {
  return v == SystemctlVerb::kStart || v == SystemctlVerb::kStop ||
         v == SystemctlVerb::kRestart || v == SystemctlVerb::kTryRestart ||
         v == SystemctlVerb::kReload || v == SystemctlVerb::kReloadOrRestart;
}

bool Changes(SystemctlVerb v) {
  return v == SystemctlVerb::kEnable || v == SystemctlVerb::kDisable ||
         v == SystemctlVerb::kReenable || v == SystemctlVerb::kPreset ||
         v == SystemctlVerb::kMask || v == SystemctlVerb::kUnmask;
}

// Applies: whether an option means something for the verb. Options that
// change nothing here (--no-pager, --system, --full, --no-ask-password)
// are taken with every verb, as systemctl takes them; --now with the
// others than enable, disable, reenable, mask too (systemctl ignores it).
bool Applies(Option option, SystemctlVerb v) {
  switch (option) {
    case Option::kRoot:
      return IsUnitFileVerb(v);
    case Option::kRuntime:
    case Option::kForce:
    case Option::kNoReload:
      return Changes(v);
    case Option::kPresetMode:
      return v == SystemctlVerb::kPreset;
    case Option::kNoBlock:
      return IsTransition(v) || Changes(v) || v == SystemctlVerb::kPowerOff ||
             v == SystemctlVerb::kReboot || v == SystemctlVerb::kHalt;
    case Option::kQuiet:
      return true;
    case Option::kProperty:
    case Option::kValue:
      return v == SystemctlVerb::kShow;
    case Option::kSignal:
      return v == SystemctlVerb::kKill;
    case Option::kNoLegend:
    case Option::kPlain:
    case Option::kAll:
    case Option::kType:
    case Option::kState:
      return v == SystemctlVerb::kListUnits ||
             v == SystemctlVerb::kListUnitFiles;
    case Option::kNow:
    case Option::kNoPager:
    case Option::kSystem:
    case Option::kFull:
    case Option::kNoAskPassword:
    case Option::kSocket:
    case Option::kHelp:
    case Option::kVersion:
      return true;
  }
  return false;
}

Status Apply(Option option, absl::string_view shown, absl::string_view value,
             SystemctlCommand* out) {
  switch (option) {
    case Option::kNoBlock:
      out->no_block = true;
      break;
    case Option::kQuiet:
      out->quiet = true;
      break;
    case Option::kProperty:
      for (absl::string_view p : absl::StrSplit(value, ',')) {
        if (p.empty()) continue;
        if (!IsShowProperty(p)) {
          return InvalidArgumentError(absl::StrCat(
              "property \"", p,
              "\" is not supported (faultinit's systemctl shows: Id, Names, "
              "Description, LoadState, ActiveState, SubState, MainPID, "
              "ExecMainPID, ExecMainCode, ExecMainStatus, Result, NRestarts, "
              "StatusText)"));
        }
        if (std::find(out->properties.begin(), out->properties.end(), p) ==
            out->properties.end()) {
          out->properties.emplace_back(p);
        }
      }
      break;
    case Option::kValue:
      out->value = true;
      break;
    case Option::kSignal: {
      fault::StatusOr<int> signo = fault::ParseSignal(value);
      if (!signo.ok()) {
        return InvalidArgumentError(
            absl::StrCat(shown, ": unknown signal \"", value, "\""));
      }
      out->signal = *signo;
      break;
    }
    case Option::kNoLegend:
      out->no_legend = true;
      break;
    case Option::kAll:
      out->all = true;
      break;
    case Option::kType:
      // Checked once the verb is known (list-unit-files takes every type).
      for (absl::string_view t : absl::StrSplit(value, ',')) {
        if (!t.empty()) out->types.push_back(absl::StrCat(shown, "\t", t));
      }
      break;
    case Option::kRoot:
      if (value.empty() || value[0] != '/') {
        return InvalidArgumentError(
            absl::StrCat(shown, ": \"", value, "\" is not an absolute path"));
      }
      out->root = std::string(value);
      out->root_given = true;
      break;
    case Option::kRuntime:
      out->runtime = true;
      break;
    case Option::kForce:
      out->force = true;
      break;
    case Option::kNoReload:
      out->no_reload = true;
      break;
    case Option::kPresetMode:
      if (value != "full" && value != "enable-only" &&
          value != "disable-only") {
        return InvalidArgumentError(
            absl::StrCat(shown, ": unknown preset mode \"", value,
                         "\" (full, enable-only, disable-only)"));
      }
      out->preset_mode = std::string(value);
      break;
    case Option::kState:
      for (absl::string_view s : absl::StrSplit(value, ',')) {
        if (!s.empty()) out->states.emplace_back(s);
      }
      break;
    case Option::kSocket:
      if (value.empty()) {
        return InvalidArgumentError(absl::StrCat(shown, ": empty path"));
      }
      out->socket = std::string(value);
      break;
    case Option::kHelp:
      out->action = SystemctlCommand::Action::kHelp;
      break;
    case Option::kVersion:
      if (out->action != SystemctlCommand::Action::kHelp) {
        out->action = SystemctlCommand::Action::kVersion;
      }
      break;
    case Option::kNow:
      out->now = true;
      break;
    case Option::kPlain:
    case Option::kNoPager:
    case Option::kSystem:
    case Option::kFull:
    case Option::kNoAskPassword:
      break;
  }
  return fault::OkStatus();
}

struct Seen {
  Option option;
  std::string shown;
};

Status CheckUnits(absl::string_view verb, const SystemctlCommand& c) {
  const size_t n = c.units.size();
  switch (c.verb) {
    case SystemctlVerb::kStatus:
    case SystemctlVerb::kListUnits:
    case SystemctlVerb::kListUnitFiles:
      return fault::OkStatus();
    case SystemctlVerb::kIsSystemRunning:
    case SystemctlVerb::kDaemonReload:
    case SystemctlVerb::kPowerOff:
    case SystemctlVerb::kReboot:
    case SystemctlVerb::kHalt:
      if (n > 0) {
        return InvalidArgumentError(
            absl::StrCat(verb, " takes no unit, got \"", c.units[0], "\""));
      }
      return fault::OkStatus();
    case SystemctlVerb::kShow:
      if (n == 0) {
        return InvalidArgumentError(
            "show without a unit (the manager's properties) is not "
            "supported; name a unit");
      }
      return fault::OkStatus();
    default:
      if (n == 0) {
        return InvalidArgumentError(absl::StrCat(verb, ": no unit given"));
      }
      return fault::OkStatus();
  }
}

}  // namespace

bool IsUnitFileVerb(SystemctlVerb v) {
  return Changes(v) || v == SystemctlVerb::kIsEnabled ||
         v == SystemctlVerb::kListUnitFiles || v == SystemctlVerb::kCat;
}

std::string ServiceName(absl::string_view unit) {
  absl::ConsumeSuffix(&unit, ".service");
  return std::string(unit);
}

std::string UnitName(absl::string_view service) {
  // Units of the other types (targets, the socket units' status rows:
  // docs/control.md) carry their suffix.
  for (absl::string_view suffix :
       {".socket", ".target", ".mount", ".automount", ".swap", ".device",
        ".path", ".timer", ".slice", ".scope"}) {
    if (absl::EndsWith(service, suffix)) return std::string(service);
  }
  return absl::StrCat(service, ".service");
}

StatusOr<SystemctlCommand> ParseSystemctlCommandLine(
    const std::vector<std::string>& argv) {
  SystemctlCommand out;
  std::vector<Seen> seen;
  std::optional<std::string> verb_word;
  std::vector<std::string> operands;
  bool options_ended = false;
  for (size_t i = 0; i < argv.size();) {
    absl::string_view arg = argv[i++];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      if (!verb_word.has_value()) {
        verb_word = std::string(arg);
      } else {
        operands.emplace_back(arg);
      }
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    --i;
    StatusOr<std::vector<fault::ScannedOption>> found =
        fault::ScanOption(argv, &i, kOptions);
    if (!found.ok()) {
      return InvalidArgumentError(
          absl::StrCat(found.status().message(),
                       " (not supported by faultinit's systemctl)"));
    }
    for (const fault::ScannedOption& option : *found) {
      const Option id = static_cast<Option>(option.spec->id);
      FAULT_RETURN_IF_ERROR(Apply(id, option.shown, option.value, &out));
      seen.push_back({id, option.shown});
    }
  }
  if (out.action != SystemctlCommand::Action::kRun) return out;
  if (!verb_word.has_value()) {
    // systemctl without a verb is list-units.
    verb_word = "list-units";
  }
  bool found = false;
  for (const VerbEntry& e : kVerbTable) {
    if (e.name == *verb_word) {
      out.verb = e.verb;
      found = true;
    }
  }
  if (!found) {
    for (absl::string_view v : kNotYet) {
      if (v == *verb_word) {
        return InvalidArgumentError(absl::StrCat(
            "verb \"", v, "\" is not supported yet by faultinit's systemctl"));
      }
    }
    return InvalidArgumentError(absl::StrCat("unknown verb \"", *verb_word,
                                             "\" (not supported by faultinit's "
                                             "systemctl)"));
  }
  for (const Seen& s : seen) {
    if (!Applies(s.option, out.verb)) {
      return InvalidArgumentError(
          absl::StrCat(s.shown, " is not an option of \"", *verb_word, "\""));
    }
  }
  for (const std::string& type : out.types) {
    std::pair<absl::string_view, absl::string_view> shown_type =
        absl::StrSplit(type, '\t');
    if (out.verb != SystemctlVerb::kListUnitFiles &&
        shown_type.second != "service") {
      return InvalidArgumentError(absl::StrCat(
          shown_type.first, ": unit type \"", shown_type.second,
          "\" is not supported (faultinit has service units only)"));
    }
  }
  for (const std::string& unit : operands) {
    // systemctl's unit_name_mangle: a name without a type is a service.
    const size_t dot = unit.rfind('.');
    const bool typed = dot != std::string::npos &&
                       absl::string_view(unit).substr(dot + 1).find('/') ==
                           absl::string_view::npos &&
                       dot + 1 < unit.size() &&
                       IsUnitType(absl::string_view(unit).substr(dot + 1));
    out.unit_files.push_back(typed ? unit : absl::StrCat(unit, ".service"));
    std::string name = ServiceName(unit);
    if (name.empty()) {
      return InvalidArgumentError(
          absl::StrCat(*verb_word, ": empty unit name \"", unit, "\""));
    }
    if (absl::StrContains(name, '*') || absl::StrContains(name, '?') ||
        absl::StrContains(name, '[')) {
      return InvalidArgumentError(absl::StrCat(
          *verb_word, ": unit patterns are not supported (\"", unit, "\")"));
    }
    out.units.push_back(std::move(name));
  }
  FAULT_RETURN_IF_ERROR(CheckUnits(*verb_word, out));
  return out;
}

}  // namespace faultinit::systemctl
