// File: init/system/environment_file.h
//
// The files named by a unit's EnvironmentFile=: one `KEY=VALUE` assignment
// per line, read when the service starts (not when the unit is loaded: the
// file may be made by an earlier service).
//
// Syntax (systemd's, see docs/units.md):
//   - blank lines, and lines whose first non-blank character is `#` or `;`,
//     are ignored; an `export ` before the key is tolerated;
//   - whitespace around the key and before the value is ignored; the value
//     runs to the end of the line, its trailing whitespace removed;
//   - in the value, '...' is taken literally, "..." decodes \" \\ \$ \`
//     (other backslashes stay), an unquoted backslash takes the next
//     character literally, and a backslash at the end of a line continues
//     the value on the next one; quotes may span lines.
//   - a later assignment of a key replaces an earlier one.
//
// Thread safety: pure functions (ReadEnvironmentFile reads one file);
// thread-safe, not async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_ENVIRONMENT_FILE_H_
#define FAULT_INIT_SYSTEM_ENVIRONMENT_FILE_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "init/system/exec_command.h"
#include "runtime/status.h"

namespace faultinit {

// The largest environment file read, as for unit files: 1 MiB.
inline constexpr size_t kMaxEnvironmentFileSize = 1 << 20;

// ParseEnvironmentFile parses `contents`; `path` is only for messages.
// Errors: kInvalidArgument, the first error only, as
// "PATH:LINE: MESSAGE" (LINE where the assignment starts):
//   expected KEY=VALUE, got "TEXT"
//   invalid variable name "NAME"
//   unbalanced quote in the value of NAME
//   NUL byte in the file
fault::StatusOr<EnvironmentMap> ParseEnvironmentFile(
    absl::string_view path, absl::string_view contents);

// ReadEnvironmentFile reads `path` (at most kMaxEnvironmentFileSize bytes)
// and parses it.
// Errors: as ParseEnvironmentFile; "unable to read environment file PATH:
// strerror" with the errno's code (kNotFound for a missing file, so that
// the caller can skip an optional "-" file); kResourceExhausted for a file
// over the size limit.
fault::StatusOr<EnvironmentMap> ReadEnvironmentFile(absl::string_view path);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_ENVIRONMENT_FILE_H_
