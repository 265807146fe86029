// File: runtime/spawn_child.cc
//
// The child between clone or fork and exec (spawn_child.h):
// async-signal-safe calls only.

#include "runtime/spawn_child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "absl/base/attributes.h"
#include "runtime/signal_set.h"
#include "runtime/signal_state.h"
#include "runtime/spawn_child_credentials.h"
#include "runtime/spawn_report.h"
#include "runtime/terminal.h"

extern char** environ;

namespace fault {
namespace spawn_internal {

// Never inlined into the spawn: its locals would sit in the frame that
// forks (see Prepare, spawn_plan.h).
[[noreturn]] ABSL_ATTRIBUTE_NOINLINE void RunChild(const SpawnOptions& options,
                                                   const Prepared& p,
                                                   const ChildFds& fds,
                                                   int go_fd) {
  int report_fd = fds.report;
  // The fork callsets have run: the process-wide signal state is the
  // child's already (under Control: every disposition SIG_DFL, an empty
  // mask; see control.h and scheduler.h). Nothing may arrive while we set
  // up, and tcsetpgrp from a background group must not stop us with
  // SIGTTOU: block everything, keeping the callsets' mask for the end.
  sigset_t all = AllSignals();
  sigset_t after_fork;
  ChangeSignalMask(SIG_SETMASK, &all, &after_fork);
  if (go_fd >= 0) {
    char byte;
    while (read(go_fd, &byte, 1) < 0 && errno == EINTR) {
    }
    close(go_fd);
  }

  if (options.new_session) {
    if (setsid() < 0) Fail(report_fd, SpawnStage::kSession, errno);
  } else if (options.new_process_group) {
    if (setpgid(0, 0) != 0) Fail(report_fd, SpawnStage::kProcessGroup, errno);
    if (options.foreground_terminal && isatty(STDIN_FILENO) &&
        tcsetpgrp(STDIN_FILENO, getpgrp()) != 0 && errno != ENOTTY) {
      Fail(report_fd, SpawnStage::kTerminal, errno);
    }
  }
  // The terminal, once the session is made (to acquire it) and while the
  // credentials are still root's. SIGHUP ignored meanwhile (a hang-up or
  // taking a terminal may send it; ignoring also drops one pending).
  int terminal_fd = -1;
  if (!options.terminal.empty()) {
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction hup;
    (void)ChangeDisposition(SIGHUP, &ignore, &hup);
    PrepareTerminal(options.terminal);
    // StandardInput=tty may wait for ever for the terminal: a stop must
    // reach the child meanwhile, under the mask it will exec with.
    const bool waits = options.terminal.input == TerminalOptions::Input::kWait;
    if (waits) ChangeSignalMask(SIG_SETMASK, &after_fork, nullptr);
    terminal_fd = OpenTerminal(options.terminal);
    if (waits) ChangeSignalMask(SIG_SETMASK, &all, nullptr);
    (void)ChangeDisposition(SIGHUP, &hup, nullptr);
    if (terminal_fd < 0) {
      Fail(report_fd, SpawnStage::kTerminalOpen, -terminal_fd);
    }
  }
  int stdin_fd = fds.stdin_fd;
  if (!options.stdin_path.empty()) {
    stdin_fd = open(options.stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (stdin_fd < 0) Fail(report_fd, SpawnStage::kStdinFile, errno);
  }
  int stdout_fd = fds.stdout_fd;
  int stderr_fd = fds.stderr_fd;
  if (terminal_fd >= 0) {
    if (options.terminal.input != TerminalOptions::Input::kNone) {
      stdin_fd = terminal_fd;
    }
    if (options.terminal.output) stdout_fd = terminal_fd;
    if (options.terminal.error) stderr_fd = terminal_fd;
  }
  if (options.parent_death_signal != 0) {
    if (prctl(PR_SET_PDEATHSIG, options.parent_death_signal) != 0) {
      Fail(report_fd, SpawnStage::kParentDeathSignal, errno);
    }
  }
  if (!options.working_directory.empty() &&
      chdir(options.working_directory.c_str()) != 0) {
    Fail(report_fd, SpawnStage::kDirectory, errno);
  }
  if (options.umask) umask(*options.umask);
  // The bound for CloseOtherFdsAtExec's fallback: the parent's limit,
  // read before the child's own limits are set.
  struct rlimit parents_fds = {1024, 1024};
  (void)getrlimit(RLIMIT_NOFILE, &parents_fds);
  ApplyLimitsAndCredentials(options, report_fd);
  int error = MoveTo(stdin_fd, STDIN_FILENO);
  if (error == 0) error = MoveTo(stdout_fd, STDOUT_FILENO);
  if (error == 0) error = MoveTo(stderr_fd, STDERR_FILENO);
  if (error == 0 && options.close_other_fds) {
    error = CloseOtherFdsAtExec(parents_fds.rlim_cur);
  }
  int extra_from = fds.extra_from;
  if (error == 0 && !options.listen_fds.empty()) {
    error = MoveListenFds(options.listen_fds, &report_fd, &extra_from);
    if (!p.listen_pid.empty()) {
      WritePid(static_cast<pid_t>(syscall(SYS_getpid)),
               const_cast<char*>(p.listen_pid.data()) + 11);
    }
  }
  if (error == 0 && extra_from >= 0) {
    // The report pipe must not be the descriptor given away: move it.
    if (options.extra_fd.to == report_fd) {
      int moved = fcntl(report_fd, F_DUPFD_CLOEXEC, 3);
      if (moved < 0) Fail(report_fd, SpawnStage::kDescriptors, errno);
      report_fd = moved;
    }
    error = MoveTo(extra_from, options.extra_fd.to);
  }
  if (error != 0) Fail(report_fd, SpawnStage::kDescriptors, error);

  // Last: this spawn's choice of signal state, which also sets the mask
  // the program starts with: the launcher's, or the callsets' clean one.
  error = options.signals == SpawnOptions::Signals::kInitial
              ? InitialSignalState().Apply()
              : ChangeSignalMask(SIG_SETMASK, &after_fork, nullptr);
  if (error == 0 && options.ignore_sigpipe) {
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    error = ChangeDisposition(SIGPIPE, &ignore, nullptr);
  }
  if (error != 0) Fail(report_fd, SpawnStage::kSignals, error);

  char* const* envp = options.environment != nullptr
                          ? const_cast<char* const*>(p.envp.data())
                          : environ;
  // As execvp: remember EACCES, report it if nothing else worked.
  int failure = ENOENT;
  for (const std::string& candidate : p.candidates) {
    execve(candidate.c_str(), p.argv.data(), envp);
    if (errno == EACCES) {
      failure = EACCES;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      failure = errno;
      break;
    }
  }
  Fail(report_fd, SpawnStage::kExec, failure);
}

}  // namespace spawn_internal
}  // namespace fault
