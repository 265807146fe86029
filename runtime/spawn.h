// File: runtime/spawn.h
//
// Spawn: start a program in a child process, the way faultinit starts the
// container command and every service: fork (so the fork callsets run and
// reset the process-wide state, see Signals below), prepare the child with
// async-signal-safe calls only, exec.
//
// Failures in the child before exec (setpgid, the terminal, the signal
// state, exec itself) are reported to the parent through a close-on-exec
// pipe as (stage, errno): Spawn returns only after the child has exec'd or
// failed, so "command not found" is a Status here, not a mysterious exit
// 127. A child that failed is reaped before Spawn returns.
//
// Threading: call from the loop thread of a single-threaded program (fork).
// Everything Spawn needs is computed before fork; the child allocates
// nothing.

#ifndef FAULT_RUNTIME_SPAWN_H_
#define FAULT_RUNTIME_SPAWN_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/fd.h"
#include "runtime/process_attributes.h"
#include "runtime/resource_limits.h"
#include "runtime/status.h"

namespace fault {

struct SpawnOptions {
  // argv[0] is the program: a path when it contains '/', else searched in
  // PATH as execvp(3) does (PATH from `environment`, or the default path
  // "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").
  std::vector<std::string> argv;
  // The program to execute when it differs from argv[0] (systemd's "@"
  // prefix); same lookup rules.
  std::string program;
  // The child's environment, "NAME=value" each; when null, the parent's.
  const std::vector<std::string>* environment = nullptr;

  // The child's signal state: the one the program was started with (as
  // tini gives its child), or a clean one (empty mask, all defaults). The
  // clean one is made by the fork child callset (runtime/callsets.h), where
  // each subsystem undoes what it did to the process's signal state:
  // Control resets every disposition the program changed and empties the
  // mask, a Scheduler unblocks what it held. Spawn itself only keeps that
  // state (kClean) or applies the launcher's over it (kInitial). Outside
  // Control, kClean is the parent's state minus what the callsets undo.
  enum class Signals { kInitial, kClean };
  Signals signals = Signals::kClean;

  // Put the child in a new process group (its pid is the group id).
  bool new_process_group = false;
  // With new_process_group: make that group the foreground of the
  // terminal on stdin, when stdin is a terminal.
  bool foreground_terminal = false;
  // Start a new session (setsid) instead of a process group.
  bool new_session = false;
  // PR_SET_PDEATHSIG for the child, 0 for none.
  int parent_death_signal = 0;
  // chdir before exec, when not empty.
  std::string working_directory;
  // Credentials, applied in this order: supplementary groups, group, user.
  // Unset keeps the parent's.
  std::optional<std::vector<gid_t>> groups;
  std::optional<gid_t> gid;
  std::optional<uid_t> uid;
  // The file mode creation mask, when set.
  std::optional<mode_t> umask;
  // Nice value, OOM score adjustment, I/O priority, CPU scheduling and
  // affinity (process_attributes.h): set after the umask, before the
  // credentials (lowering the nice value or the OOM score takes root's
  // privileges). Empty: all inherited.
  ProcessAttributes attributes;
  // Close every descriptor above 2 at exec, including those the parent
  // inherited without O_CLOEXEC (services get only 0-2). Off, the child
  // inherits what the parent was given, as under tini.
  bool close_other_fds = false;
  // File descriptors for the child's 0, 1, 2; -1 keeps the parent's.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // One more descriptor for the child: the parent's `from` becomes the
  // child's `to` (above 2), kept across exec even with close_other_fds (a
  // readiness pipe, s6's notification-fd). `from` -1: none.
  struct ExtraFd {
    int from = -1;
    int to = -1;
  };
  ExtraFd extra_fd;
  // setrlimit(2) limits for the child, applied before the credentials (so
  // a limit the new user could not raise is still set, as systemd does); a
  // limit above what may be raised is lowered to the hard limit
  // (ApplyResourceLimits, as systemd). Empty: the parent's limits.
  ResourceLimits resource_limits;

  // When set, receives a pidfd of the child (O_CLOEXEC), opened before the
  // child may exec: it names the child even if the program exits at once
  // and the kernel reaps it (SIGCHLD ignored), so that its status can be
  // read back (see pidfd.h). The child waits on a pipe for the
  // parent to have opened it. Left empty where the kernel has no
  // pidfd_open (before Linux 5.3), or when it fails for want of
  // descriptors (EMFILE, ENFILE): a pidfd is a descriptor too.
  UniqueFd* pidfd = nullptr;
};

// The step at which a child failed before exec.
enum class SpawnStage : int {
  kProcessGroup,
  kTerminal,
  kSession,
  kParentDeathSignal,
  kSignals,
  kDirectory,
  kDescriptors,
  kCredentials,
  kExec,
  kResourceLimits,
  // ProcessAttributes, one stage per ProcessAttribute, in its order.
  kNice,
  kOomScoreAdjust,
  kIoPriority,
  kCpuScheduling,
  kCpuAffinity,
};

// SpawnStageName: "setting the process group", ..., "executing the command".
absl::string_view SpawnStageName(SpawnStage stage);

// Spawn starts the program and returns the child's pid once it has exec'd.
// Errors (the child, if any, already reaped; `*options.pidfd` left empty):
//   - kNotFound (error_number ENOENT): no such program (path or PATH).
//   - kPermissionDenied: found but exec failed (EACCES, ENOEXEC, ...).
//   - kAborted: a stage before exec failed: "unable to spawn CMD: STAGE:
//     strerror".
//   - fork or pipe failure (kResourceExhausted for EAGAIN/ENOMEM...), or
//     pidfd_open's (ENOMEM...), the child then killed. Where pidfd_open
//     fails for want of descriptors (EMFILE, ENFILE) or does not exist
//     (ENOSYS), the child runs and `*options.pidfd` is left empty: the
//     caller watches its exit through SIGCHLD (Scheduler::OnExit).
//   - kAborted for a resource limit that could not be set: "unable to
//     spawn CMD: setting LimitNOFILE=SOFT:HARD: strerror".
// The message reads "unable to execute CMD: REASON" (for a command not in
// PATH, REASON is "command not found in PATH (THE PATH)"); error_number()
// holds the child's errno.
StatusOr<pid_t> Spawn(const SpawnOptions& options);

}  // namespace fault

#endif  // FAULT_RUNTIME_SPAWN_H_
