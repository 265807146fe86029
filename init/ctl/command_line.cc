#include "init/ctl/command_line.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "runtime/options.h"

namespace faultinit::faultctl {

const char kUsage[] =
    "Usage: faultctl [--socket PATH] VERB [OPTIONS] [ARG...]\n"
    "Control the services of a running faultinit (system mode) over its\n"
    "control socket.\n"
    "\n"
    "Verbs:\n"
    "  status [--json] [NAME...]     show services (all when no NAME):\n"
    "                                NAME STATE PID UPTIME RESTARTS LAST-EXIT\n"
    "                                DESCRIPTION\n"
    "  start [--no-block] NAME...    start services, wait until they run\n"
    "  stop [--no-block] NAME...     stop services, wait until they are down\n"
    "  restart [--no-block] NAME...  restart services, wait until they run\n"
    "  isolate [--no-block] TARGET   start TARGET (\".target\" added to a "
    "name\n"
    "                                without a suffix) and what it pulls in;\n"
    "                                stop every other unit (AllowIsolate=yes)\n"
    "  reload NAME...                run each service's ExecReload= and wait\n"
    "  reload                        re-read the unit directory; print what\n"
    "                                was started, stopped, restarted and\n"
    "                                changed, and every unit-file error and\n"
    "                                warning\n"
    "  daemon-reload                 as systemctl daemon-reload: re-read the\n"
    "                                unit directory, start, stop and restart\n"
    "                                nothing (the next start runs a changed\n"
    "                                unit's new definition); print what was\n"
    "                                added, changed and removed, and every\n"
    "                                unit-file error and warning\n"
    "  log [-n N] [-f] NAME          a service's recent output lines\n"
    "  poweroff, reboot, halt        shut the system down\n"
    "  notify KEY=VALUE...           send one sd_notify datagram to\n"
    "                                $NOTIFY_SOCKET (READY=1, STATUS=text)\n"
    "  enable, disable, reenable, preset, mask, unmask [--now] NAME...\n"
    "  is-enabled NAME...  list-unit-files  cat NAME...\n"
    "                                the unit files' links, as systemctl's\n"
    "                                (--root=DIR, --runtime, --force,\n"
    "                                --no-reload, -q; docs/control.md)\n"
    "\n"
    "Options:\n"
    "      --socket PATH   faultinit's control socket (default:\n"
    "                      $FAULTINIT_SOCKET, else /run/faultinit/control)\n"
    "      --json          status: a JSON array instead of the table\n"
    "      --no-block      start, stop, restart, isolate: return once\n"
    "                      faultinit has taken the request, without\n"
    "                      waiting\n"
    "  -n, --lines N       log: how many recent lines (default 10)\n"
    "  -f, --follow        log: then print new lines until interrupted\n"
    "  -h, --help          show this help and exit\n"
    "      --version       show the version and exit\n"
    "\n"
    "Exit status: 0 success; 1 the operation failed; 2 usage error; 3 a\n"
    "service named to status is not running; 4 no such service; 5 cannot\n"
    "reach faultinit, or it is busy. log -f ends by the signal that\n"
    "interrupts it (a shell reports 130 for Ctrl-C).\n";

namespace {

using control::Verb;
using fault::InvalidArgumentError;
using fault::Status;
using fault::StatusOr;

// kNotifyVerb: faultctl's one verb of its own (Command::Action::kNotify).
constexpr absl::string_view kNotifyVerb = "notify";

// Typed: whether a control verb is one faultctl takes by its name. Not
// `follow`, which is `log -f`.
bool Typed(Verb verb) { return verb != Verb::kFollow; }

// TypedName: the verb of `command` as typed.
absl::string_view TypedName(const Command& command) {
  if (command.action == Command::Action::kNotify) return kNotifyVerb;
  return control::VerbName(command.verb);
}

enum class Option {
  kSocket,
  kJson,
  kNoBlock,
  kLines,
  kFollow,
  kHelp,
  kVersion
};

using fault::OptionSpec;

constexpr OptionSpec kOptions[] = {
    {static_cast<int>(Option::kSocket), 0, "socket", true},
    {static_cast<int>(Option::kJson), 0, "json", false},
    {static_cast<int>(Option::kNoBlock), 0, "no-block", false},
    {static_cast<int>(Option::kLines), 'n', "lines", true},
    {static_cast<int>(Option::kFollow), 'f', "follow", false},
    {static_cast<int>(Option::kHelp), 'h', "help", false},
    {static_cast<int>(Option::kVersion), 0, "version", false},
};

// Applies reports whether `option` may be given to the verb of `command`
// (kRun or kNotify).
bool Applies(Option option, const Command& command) {
  const bool run = command.action == Command::Action::kRun;
  switch (option) {
    case Option::kSocket:
      return run;
    case Option::kJson:
      return run && command.verb == Verb::kStatus;
    case Option::kNoBlock:
      return run && control::TakesNowait(command.verb);
    case Option::kLines:
    case Option::kFollow:
      return run && command.verb == Verb::kLog;
    case Option::kHelp:
    case Option::kVersion:
      return true;
  }
  return false;
}

std::optional<Verb> FindVerb(absl::string_view word) {
  for (Verb verb : control::kVerbs) {
    if (Typed(verb) && word == control::VerbName(verb)) return verb;
  }
  return std::nullopt;
}

// The options seen, in the spelling the user chose (for messages).
struct Seen {
  Option option;
  std::string shown;
};

Status Apply(const OptionSpec& spec, absl::string_view shown,
             absl::string_view value, Command* out) {
  switch (static_cast<Option>(spec.id)) {
    case Option::kSocket:
      if (value.empty()) {
        return InvalidArgumentError(absl::StrCat(shown, ": empty path"));
      }
      out->socket = std::string(value);
      return fault::OkStatus();
    case Option::kJson:
      out->json = true;
      return fault::OkStatus();
    case Option::kNoBlock:
      out->no_block = true;
      return fault::OkStatus();
    case Option::kLines: {
      uint64_t lines = 0;
      bool valid = !value.empty() && value.size() <= 10;
      for (char c : value) {
        if (c < '0' || c > '9') valid = false;
      }
      if (valid) {
        for (char c : value)
          lines = lines * 10 + static_cast<uint64_t>(c - '0');
      }
      if (!valid || lines > std::numeric_limits<uint32_t>::max()) {
        return InvalidArgumentError(
            absl::StrCat(shown, ": invalid number of lines \"", value, "\""));
      }
      out->lines = static_cast<uint32_t>(lines);
      return fault::OkStatus();
    }
    case Option::kFollow:
      out->follow = true;
      return fault::OkStatus();
    case Option::kHelp:
      out->action = Command::Action::kHelp;
      return fault::OkStatus();
    case Option::kVersion:
      if (out->action != Command::Action::kHelp) {
        out->action = Command::Action::kVersion;
      }
      return fault::OkStatus();
  }
  return fault::OkStatus();
}

// CheckNotifyOperands: notify's KEY=VALUE assignments.
Status CheckNotifyOperands(const Command& c) {
  if (c.operands.empty()) {
    return InvalidArgumentError("notify: no assignment given (e.g. READY=1)");
  }
  for (const std::string& assignment : c.operands) {
    const size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError(absl::StrCat(
          "notify: \"", assignment, "\" is not a KEY=VALUE assignment"));
    }
    if (assignment.find('\n') != std::string::npos) {
      return InvalidArgumentError(absl::StrCat(
          "notify: ", assignment.substr(0, eq), "= holds a newline"));
    }
  }
  return fault::OkStatus();
}

// CheckOperands applies each verb's rule on its operands.
Status CheckOperands(const Command& c) {
  if (c.action == Command::Action::kNotify) return CheckNotifyOperands(c);
  const absl::string_view verb = control::VerbName(c.verb);
  const size_t n = c.operands.size();
  switch (c.verb) {
    case Verb::kStatus:
    case Verb::kStart:
    case Verb::kStop:
    case Verb::kRestart:
    case Verb::kLog:
    case Verb::kFollow:  // not typed (log -f); as log
      if (c.verb != Verb::kStatus && n == 0) {
        return InvalidArgumentError(
            absl::StrCat(verb, ": no service name given"));
      }
      if ((c.verb == Verb::kLog || c.verb == Verb::kFollow) && n > 1) {
        return InvalidArgumentError(absl::StrCat(
            "log takes one service name, got \"", c.operands[1], "\" too"));
      }
      for (const std::string& name : c.operands) {
        if (name.empty()) {
          return InvalidArgumentError(
              absl::StrCat(verb, ": empty service name"));
        }
      }
      return fault::OkStatus();
    case Verb::kIsolate:
      if (n != 1 || c.operands[0].empty()) {
        return InvalidArgumentError(
            absl::StrCat(verb, " takes one unit name (a target)"));
      }
      return fault::OkStatus();
    case Verb::kReload:  // NAME...: ExecReload=; none: the unit directory
      for (const std::string& name : c.operands) {
        if (name.empty()) {
          return InvalidArgumentError(
              absl::StrCat(verb, ": empty service name"));
        }
      }
      return fault::OkStatus();
    case Verb::kDaemonReload:
    case Verb::kPowerOff:
    case Verb::kReboot:
    case Verb::kHalt:
      if (n > 0) {
        return InvalidArgumentError(absl::StrCat(
            verb, " takes no arguments, got \"", c.operands[0], "\""));
      }
      return fault::OkStatus();
  }
  return fault::OkStatus();
}

}  // namespace

size_t EditDistance(absl::string_view a, absl::string_view b) {
  // d[i][j]: the distance between a[0, i) and b[0, j), three rows kept.
  const size_t width = b.size() + 1;
  std::vector<size_t> two_back(width), previous(width), current(width);
  for (size_t j = 0; j < width; ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min(
          {previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], two_back[j - 2] + 1);
      }
    }
    std::swap(two_back, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

absl::string_view ClosestVerb(absl::string_view word) {
  absl::string_view best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  auto consider = [&](absl::string_view name) {
    const size_t distance = EditDistance(word, name);
    if (distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  };
  for (Verb verb : control::kVerbs) {
    if (Typed(verb)) consider(control::VerbName(verb));
  }
  consider(kNotifyVerb);
  return best;
}

StatusOr<Command> ParseCommandLine(const std::vector<std::string>& argv) {
  Command out;
  std::vector<Seen> seen;
  std::optional<std::string> verb_word;
  bool options_ended = false;
  for (size_t i = 0; i < argv.size();) {
    absl::string_view arg = argv[i++];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      if (!verb_word.has_value()) {
        verb_word = std::string(arg);
      } else {
        out.operands.emplace_back(arg);
      }
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    --i;  // ScanOption reads the argument itself
    StatusOr<std::vector<fault::ScannedOption>> found =
        fault::ScanOption(argv, &i, kOptions);
    if (!found.ok()) return found.status();
    for (const fault::ScannedOption& option : *found) {
      FAULT_RETURN_IF_ERROR(
          Apply(*option.spec, option.shown, option.value, &out));
      seen.push_back({static_cast<Option>(option.spec->id), option.shown});
    }
  }
  if (out.action != Command::Action::kRun) return out;
  if (!verb_word.has_value()) {
    return InvalidArgumentError("no verb given; try 'faultctl --help'");
  }
  if (*verb_word == kNotifyVerb) {
    out.action = Command::Action::kNotify;
  } else {
    std::optional<Verb> verb = FindVerb(*verb_word);
    if (!verb.has_value()) {
      return InvalidArgumentError(absl::StrCat("unknown verb \"", *verb_word,
                                               "\"; did you mean \"",
                                               ClosestVerb(*verb_word), "\"?"));
    }
    out.verb = *verb;
  }
  for (const Seen& s : seen) {
    if (!Applies(s.option, out)) {
      return InvalidArgumentError(absl::StrCat(
          s.shown, " is not an option of \"", TypedName(out), "\""));
    }
  }
  FAULT_RETURN_IF_ERROR(CheckOperands(out));
  return out;
}

}  // namespace faultinit::faultctl
