// systemctl: faultinit called by the name `systemctl` (a link to it, as
// faultctl is one): the verbs and options scripts use (init/ctl/
// systemctl_command.h), each mapped onto requests of the control protocol
// (docs/control.md, "systemctl"), with systemctl's exit statuses.
//
// Run is a list of steps:
//   1. Control takes over signals and the process's exit (runtime).
//   2. The invocation snapshots argv and FAULTINIT_SOCKET.
//   3. The command line is parsed; an error (unknown or unsupported verb
//      or option, a property `status` cannot answer) is one line on
//      stderr, exit 1, as systemctl's own.
//   4. The verb sends one or more requests (`status` to learn states,
//      then `start`, `restart`, `reload` ... as the verb needs), each on a
//      connection of its own, and prints what systemctl prints.
//   5. `kill` alone acts outside the protocol: it signals the main PID a
//      `status` answer gave, through a pidfd opened before a second
//      `status` confirms the PID is still that service's (so a PID reused
//      in between is never signalled). It needs faultinit's PID namespace.
//   6. The unit file verbs (enable, disable, is-enabled, mask, unmask,
//      list-unit-files, cat...: systemctl_install.h) act on the files, and
//      then ask the running faultinit, if any, to reload.

#ifndef INIT_CTL_SYSTEMCTL_H_
#define INIT_CTL_SYSTEMCTL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/invocation.h"

namespace faultinit::systemctl {

// IsUnitFileCommand: whether the arguments after the program name name a
// unit file verb (enable, disable, reenable, preset, is-enabled, mask,
// unmask, list-unit-files, cat), which faultctl takes too.
bool IsUnitFileCommand(const std::vector<std::string>& argv);

// RunUnitFileCommand runs such a command as systemctl does, its errors
// shown as "PROGRAM: ..." (a usage error exits 2 unless PROGRAM is
// "systemctl", as faultctl's do); returns the exit status. Inside
// fault::Control (faultctl's Run).
int RunUnitFileCommand(const fault::Invocation& invocation,
                       absl::string_view program);

// Runs systemctl with main's arguments and ends the process with its exit
// status. Call it first thing in main (it takes the process over with
// fault::Control).
[[noreturn]] void Run(int argc, char** argv, char** envp);

}  // namespace faultinit::systemctl

#endif  // INIT_CTL_SYSTEMCTL_H_
