// File: runtime/exit_status.h
//
// ExitStatus: how a child process ended, as `waitid(2)` reports it, with
// the conversions faultinit needs (the shell's 128+n, "exit 3" /
// "signal TERM" for messages).
//
// A value type; all members are async-signal-safe except ToString.

#ifndef FAULT_RUNTIME_EXIT_STATUS_H_
#define FAULT_RUNTIME_EXIT_STATUS_H_

#include <signal.h>
#include <sys/types.h>

#include <string>

namespace fault {

struct ExitStatus {
  pid_t pid = 0;
  // CLD_EXITED, CLD_KILLED or CLD_DUMPED (as siginfo_t::si_code).
  int code = 0;
  // The exit code for CLD_EXITED, the signal otherwise.
  int status = 0;

  static ExitStatus FromSiginfo(const siginfo_t& info) {
    return ExitStatus{info.si_pid, info.si_code, info.si_status};
  }
  // FromWaitStatus converts a waitpid(2) status word.
  static ExitStatus FromWaitStatus(pid_t pid, int wait_status);

  bool exited() const { return code == CLD_EXITED; }
  bool signaled() const { return code == CLD_KILLED || code == CLD_DUMPED; }
  bool core_dumped() const { return code == CLD_DUMPED; }
  // The exit code, or -1 when the process was killed.
  int exit_code() const { return exited() ? status : -1; }
  // The signal that killed the process, or 0 when it exited.
  int signal() const { return signaled() ? status : 0; }

  // ShellStatus: the exit code, or 128+n when killed by signal n; what a
  // shell, tini and faultinit's container mode report.
  int ShellStatus() const { return exited() ? status : 128 + status; }

  // "exit 3", "signal TERM" or "signal TERM (core dumped)".
  std::string ToString() const;
};

}  // namespace fault

#endif  // FAULT_RUNTIME_EXIT_STATUS_H_
