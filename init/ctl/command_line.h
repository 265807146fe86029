// File: init/ctl/command_line.h
//
// faultctl's command line: `faultctl [--socket PATH] VERB [OPTIONS]
// [ARG...]`, parsed into a Command, with the help text and the exit codes
// every verb shares.
//
// Options may come before or after the verb (`faultctl status --json` and
// `faultctl --json status` are the same); `--` ends them. Each option
// belongs to some verbs only (`--json` to status); given to another verb
// it is a usage error. Usage errors are one line (the Status message), for
// "faultctl: MESSAGE" on stderr and exit status kExitUsage.
//
// Threading: thread-safe (pure functions). Not async-signal-safe.

#ifndef FAULT_INIT_CTL_COMMAND_LINE_H_
#define FAULT_INIT_CTL_COMMAND_LINE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/control/protocol.h"
#include "runtime/status.h"

namespace faultinit::faultctl {

// Exit statuses (docs/control.md).
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailed = 1;      // the operation failed
inline constexpr int kExitUsage = 2;       // usage error
inline constexpr int kExitNotRunning = 3;  // `status NAME`: not running
inline constexpr int kExitNoSuchService = 4;
inline constexpr int kExitUnreachable = 5;  // cannot reach faultinit, busy

// kUsage: the --help text.
extern const char kUsage[];

// faultctl's verbs are the control protocol's (init/control/protocol.h),
// typed as VerbName gives them, but for `follow` (which is `log -f`) and
// the -nowait forms (`--no-block`), plus `notify`, which does not go to
// the control socket (Action::kNotify).
struct Command {
  enum class Action { kRun, kNotify, kHelp, kVersion };
  Action action = Action::kRun;
  // kRun: the verb; kStatus otherwise.
  control::Verb verb = control::Verb::kStatus;
  std::optional<std::string> socket;  // --socket PATH
  bool json = false;                  // status --json
  bool no_block = false;              // start|stop|restart --no-block
  bool follow = false;                // log -f
  uint32_t lines = 10;                // log -n N
  // NAMEs (status, start, stop, restart, log: exactly one) or the
  // KEY=VALUE assignments of notify.
  std::vector<std::string> operands;
};

// ParseCommandLine parses the arguments after the program name. -h/--help
// and --version anywhere win over everything but an unknown option.
// Errors (kInvalidArgument, one line): an unknown option; a missing or
// invalid value; an option the verb does not take; no verb; an unknown
// verb (`unknown verb "stauts"; did you mean "status"?`); the wrong number
// of operands; an empty NAME; a notify assignment without "KEY=" or with a
// newline.
fault::StatusOr<Command> ParseCommandLine(const std::vector<std::string>& argv);

// EditDistance: the optimal string alignment distance (Levenshtein plus
// transposition of adjacent characters), bytewise.
size_t EditDistance(absl::string_view a, absl::string_view b);

// ClosestVerb returns the verb name nearest to `word` by EditDistance (the
// first in kUsage order on a tie), `notify` included.
absl::string_view ClosestVerb(absl::string_view word);

}  // namespace faultinit::faultctl

#endif  // FAULT_INIT_CTL_COMMAND_LINE_H_
