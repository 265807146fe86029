// Fuzzes the command-line splitter of ExecStart= and the other Exec*= keys
// (init/system/exec_command.h): ParseExecLine (prefixes and phase 1),
// ExpandExecLine (phase 2), SplitCommandLine (both phases at once),
// UnquoteWords (Environment=) and QuoteText (every message).
//
// The input is the value; it is also the value of a variable $X, so that
// phase 2 expands fuzzed text too.
//
// Properties: a parsed line has an executable that is an absolute path or
// a plain name, and "@" has an argv[0]; the expanded command keeps the
// executable and argv[0] as written; a message quotes at most 100 bytes,
// printable.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "init/system/exec_command.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace faultinit;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const EnvironmentMap env = {
      {"X", std::string(text)},
      {"WORDS", " one  two\tthree\n"},
      {"EMPTY", ""},
      {"PATH", "/usr/bin:/bin"},
  };

  fault::StatusOr<ExecLine> line = ParseExecLine(text);
  if (line.ok()) {
    FUZZ_CHECK(line->raw == text);
    FUZZ_CHECK(!line->words.empty());
    const std::string& executable = line->words[0];
    FUZZ_CHECK(!executable.empty());
    FUZZ_CHECK(executable[0] == '/' ||
               executable.find('/') == std::string::npos);
    FUZZ_CHECK(!line->argv0_given || line->words.size() >= 2);
    const Command command = ExpandExecLine(*line, env);
    FUZZ_CHECK(command.executable == executable);
    FUZZ_CHECK(!command.argv.empty());
    FUZZ_CHECK(command.argv[0] ==
               (line->argv0_given ? line->words[1] : executable));
    if (!line->expand_variables) {
      FUZZ_CHECK(command.argv.size() ==
                 line->words.size() - (line->argv0_given ? 1 : 0));
    }
  } else {
    FUZZ_CHECK(!line.status().message().empty());
  }

  fault::StatusOr<std::vector<std::string>> words = SplitCommandLine(text, env);
  if (!words.ok()) FUZZ_CHECK(!words.status().message().empty());

  std::vector<std::string> warnings;
  fault::StatusOr<std::vector<std::string>> unquoted =
      UnquoteWords(text, &warnings);
  if (unquoted.ok()) {
    for (const std::string& word : *unquoted) {
      std::vector<std::string> expanded;
      ExpandVariables(word, env, &expanded);
    }
  }

  const std::string quoted = QuoteText(text);
  FUZZ_CHECK(quoted.size() >= 2 && quoted.front() == '"' &&
             quoted.back() == '"');
  FUZZ_CHECK(quoted.size() <= 2 + 4 * 100 + 3);
  for (char c : quoted) {
    const unsigned char b = static_cast<unsigned char>(c);
    FUZZ_CHECK(b >= 0x20 && b < 0x7f);
  }
  return 0;
}
