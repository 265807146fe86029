// File: init/system/exec_command.h
//
// systemd's command-line syntax for the Exec*= keys of a unit file, in two
// phases, as systemd applies them:
//
//   1. When the unit is loaded, the value is split into words: whitespace
//      separates words, "double" and 'single' quotes wrap a whole word, and
//      backslash escapes (\n, \t, \s, \xHH, \ooo, ...) are decoded, inside
//      quotes too. `UnquoteWords` and `ParseExecLine` do this; a syntax
//      error (an unbalanced quote) is reported here, at load time.
//   2. When the command runs, environment variables are substituted in each
//      word: a word that is exactly `$NAME` becomes the variable's value
//      split at whitespace (zero or more words); `${NAME}` anywhere in a word
//      is replaced by the value as it is; `$$` is a literal `$`. Because
//      phase 2 runs on the words of phase 1, `"$FOO"` is split too, as in
//      systemd: write `${FOO}` to pass a value as one word.
//
// `SplitCommandLine` runs both phases on one text. docs/units.md is the
// user-facing description, including what faultinit does not support.
//
// Thread safety: pure functions over their arguments; thread-safe. Not
// async-signal-safe (they allocate): call them before fork.

#ifndef FAULT_INIT_SYSTEM_EXEC_COMMAND_H_
#define FAULT_INIT_SYSTEM_EXEC_COMMAND_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace faultinit {

// EnvironmentMap: variable name -> value (the same type as
// fault::Invocation::Environment).
using EnvironmentMap = std::map<std::string, std::string, std::less<>>;

// SplitCommandLine splits `text` into words (phase 1) and expands `env`'s
// variables in every word, the first included (phase 2). An unset variable
// expands to empty; an unset `$NAME` word contributes no word.
// Unknown escapes are kept as written (systemd warns; see ParseExecLine for
// a parse that reports them).
// Errors: kInvalidArgument naming the problem and quoting `text`:
//   unbalanced quote in "TEXT"
//   closing quote must be followed by whitespace in "TEXT"
//   quote in the middle of a word in "TEXT" (...)
//   trailing backslash in "TEXT"
//   lone ";" in "TEXT": ...
fault::StatusOr<std::vector<std::string>> SplitCommandLine(
    absl::string_view text, const EnvironmentMap& env);

// UnquoteWords is phase 1 alone, for values that are word lists but not
// commands (Environment=): words, quotes and escapes, no variables, and a
// lone ";" is an ordinary word. Appends a message for each unknown escape
// (kept as written) to `warnings` when it is not null.
// Errors: as SplitCommandLine, except the ";" one.
fault::StatusOr<std::vector<std::string>> UnquoteWords(
    absl::string_view text, std::vector<std::string>* warnings);

// ExpandVariables is phase 2 on one word, appending the result to `out`: a
// word that is exactly `$NAME` appends the value's whitespace-separated
// words (none when unset or blank); any other word appends one word in
// which `${NAME}`, `${NAME:-DEFAULT}` (DEFAULT when NAME is unset or empty)
// and `${NAME:+ALTERNATIVE}` (ALTERNATIVE when NAME is set and non-empty)
// are substituted and `$$` becomes `$`. Any other `$`, and an unterminated
// `${`, stay as written.
void ExpandVariables(absl::string_view word, const EnvironmentMap& env,
                     std::vector<std::string>* out);

// IsValidEnvironmentName reports whether `name` is a variable name:
// [A-Za-z_][A-Za-z0-9_]*.
bool IsValidEnvironmentName(absl::string_view name);

// ExecPrivileges: what a command's "+", "!" or "!!" prefix exempts it
// from (man systemd.service, "Command lines").
enum class ExecPrivileges : uint8_t {
  kNormal,    // no prefix: User=, Group=, capabilities... all applied
  kFull,      // "+": none of User=, Group=, SupplementaryGroups=,
              // CapabilityBoundingSet=, AmbientCapabilities=,
              // SecureBits=, NoNewPrivileges=, Limit*= applied
  kNoSetuid,  // "!": User=, Group=, SupplementaryGroups= not applied
              // (the program changes credentials itself); the rest is
  kNoSetuidWithoutAmbient,  // "!!": as "!" on a kernel without ambient
                            // capabilities, else as no prefix
};

// ExecLine: one Exec*= value, parsed at load time.
struct ExecLine {
  // The value as written in the unit file, prefixes included.
  std::string raw;
  // "-": a failing exit status of this command is not a failure.
  bool ignore_failure = false;
  // "@": words[0] is the executable and words[1] is the argv[0] it gets.
  bool argv0_given = false;
  // ":" turns it off: no variable is substituted in this command.
  bool expand_variables = true;
  // "+", "!", "!!".
  ExecPrivileges privileges = ExecPrivileges::kNormal;
  // The words after phase 1, not yet expanded; never empty. words[0] is
  // the executable: an absolute path, or a plain name searched in PATH.
  std::vector<std::string> words;
  // Load-time warnings (unknown escapes kept as written), without a key.
  std::vector<std::string> warnings;
  // The unit-file line the value came from; 0 when not from a file. Set by
  // the unit parser, not by ParseExecLine.
  int line = 0;
};

// ParseExecLine parses an Exec*= value: prefixes, then phase 1.
// Supported prefixes (any order, each once): "-", "@", ":", and one of
// "+", "!" and "!!" (as systemd reads them: a second "!" after "!" makes
// "!!"; "+" with "!" ends the prefixes, and the rest is no executable). The
// prefix "|" (the user's shell) is an error: running the command without
// the shell it asked for would change what it does.
// Errors: kInvalidArgument: those of UnquoteWords, the lone ";" (systemd's
// old command separator), `prefix "|" (...) is not supported`, an empty
// command, `"@" needs an executable and an argv[0]`, an executable that is
// neither an absolute path nor a plain name.
fault::StatusOr<ExecLine> ParseExecLine(absl::string_view value);

// Command: what execve gets.
struct Command {
  std::string executable;         // as written: absolute, or a plain name
  std::vector<std::string> argv;  // argv[0] first
};

// ExpandExecLine makes the Command of `line` in environment `env`: phase 2
// on every argument after argv[0] (unless ":" was given). The executable and
// argv[0] are used as written.
Command ExpandExecLine(const ExecLine& line, const EnvironmentMap& env);

// QuoteText returns `text` in double quotes for a message: control bytes
// and bytes above 0x7e are written as \xNN (so binary garbage stays
// printable; other characters, quotes and backslashes included, are as
// written), and text over 100 bytes is cut there and followed by "...".
std::string QuoteText(absl::string_view text);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_EXEC_COMMAND_H_
