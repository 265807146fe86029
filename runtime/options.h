// File: runtime/options.h
//
// ScanOption: GNU-style command-line option scanning, shared by faultinit
// and faultctl, which differ only in what an option means and where their
// operands go. Short options cluster (`-vvv`, `-rTERM:QUIT`) and take a
// value attached or as the next argument; long options take `=VALUE` or
// the next argument.
//
// Pure functions; thread-safe.

#ifndef FAULT_RUNTIME_OPTIONS_H_
#define FAULT_RUNTIME_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "runtime/status.h"

namespace fault {

struct OptionSpec {
  int id;           // the caller's name for the option
  char short_name;  // 0 when long-only
  absl::string_view long_name;
  bool takes_value;
};

struct ScannedOption {
  const OptionSpec* spec;
  std::string shown;        // as written: "-r" or "--grace"
  absl::string_view value;  // empty when the option takes none
};

// ScanOption reads the option argument args[*next] — which must start with
// '-' and be neither "-" nor "--" — and, when an option's value is the
// next argument, that one too; *next is advanced past what was used.
// Returns the options found in order (several for a short cluster).
// Errors (kInvalidArgument, one line): `unknown option "-x"`,
// `-r: missing value`, `--verbose: takes no value`.
StatusOr<std::vector<ScannedOption>> ScanOption(
    absl::Span<const std::string> args, size_t* next,
    absl::Span<const OptionSpec> specs);

}  // namespace fault

#endif  // FAULT_RUNTIME_OPTIONS_H_
