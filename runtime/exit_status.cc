#include "runtime/exit_status.h"

#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "runtime/signals.h"

namespace fault {

ExitStatus ExitStatus::FromWaitStatus(pid_t pid, int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return ExitStatus{pid, WCOREDUMP(wait_status) ? CLD_DUMPED : CLD_KILLED,
                      WTERMSIG(wait_status)};
  }
  return ExitStatus{pid, CLD_EXITED, WEXITSTATUS(wait_status)};
}

std::string ExitStatus::ToString() const {
  if (exited()) return absl::StrCat("exit ", status);
  char buffer[12];
  return absl::StrCat("signal ", SignalDisplayName(status, buffer),
                      core_dumped() ? " (core dumped)" : "");
}

}  // namespace fault
