// File: init/system/unit_exit_status.h
//
// The keys that name exit statuses: SuccessExitStatus=,
// RestartPreventExitStatus= and RestartForceExitStatus= (man
// systemd.service). Each takes a list of exit codes (0 to 255, or their
// names in systemd's table: "FAILURE", LSB's "NOTINSTALLED", BSD's
// sysexits "DATAERR", systemd's own "EXEC"...) and signal names ("TERM",
// "SIGTERM") or numbers' names; an empty value empties the list. Parsed as
// a UnitKey table (unit_keys.h). Pure.

#ifndef FAULT_INIT_SYSTEM_UNIT_EXIT_STATUS_H_
#define FAULT_INIT_SYSTEM_UNIT_EXIT_STATUS_H_

#include "absl/strings/string_view.h"
#include "init/system/unit_keys.h"
#include "runtime/status.h"

namespace faultinit {

extern const UnitKeyTable kExitStatusKeys;

// ParseExitCode reads one exit code: a number 0 to 255 or a name of
// systemd's table. InvalidArgument otherwise.
fault::StatusOr<int> ParseExitCode(absl::string_view word);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_EXIT_STATUS_H_
