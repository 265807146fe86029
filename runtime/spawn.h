// File: runtime/spawn.h
//
// Spawn: start a program in a child process, the way faultinit starts the
// container command and every service: fork (so the fork callsets run and
// reset the process-wide state, see Signals below), prepare the child with
// async-signal-safe calls only, exec.
//
// Failures in the child before exec (setpgid, the terminal, the signal
// state, exec itself) are reported to the parent as (stage, errno), so
// "command not found" is a Status, not a mysterious exit 127: through a
// close-on-exec pipe from a forked child, in the shared memory from a
// child cloned sharing it (below; its parent resumes only once it has
// exec'd or failed). Two ways to wait for that report:
//   - Spawn returns only after the child has exec'd or failed (a child
//     that failed is reaped before it returns): container mode's one
//     command, and tests.
//   - StartSpawn returns as soon as fork has: the pid, its pidfd (when
//     asked) and, from a forked child, the report pipe's read end, which
//     the caller watches on its loop and reads with ReadSpawnReport (a
//     cloned child's report is known at once, with no descriptor). System
//     mode starts its services so: a start wave forks as fast as fork
//     allows while the earlier children are still setting up and exec'ing.
//
// How the child is made. Where it can, as posix_spawn makes it: clone(
// CLONE_VM | CLONE_VFORK) on a stack of its own, so the parent's page
// tables are not copied and its pages not write-protected (each write
// after a fork faults), both in proportion to the parent's size; and, for
// a child that keeps only 0-2 (close_other_fds), with CLONE_FILES and a
// descriptor table of its own made from a few low slots
// (close_range(CLOSE_RANGE_UNSHARE), Linux 5.9), so PID 1's descriptor per
// service is neither copied into each child nor closed again by its exec.
// Both grew with PID 1's size and were most of its start-up CPU at
// thousands of services (issue #26; figures in docs/benchmarks.md). The
// fork callsets keep their meaning:
// VforkCallsets (callsets.h) runs the child phases in the child when every
// callback is registered as safe on shared memory (Control's and the
// Scheduler's are: sigaction and sigprocmask only), else the spawn forks.
// The parent is suspended until the child has exec'd (past exec's point
// of no return) or exited, so a spawn whose set-up may wait (a terminal,
// StandardInput=file:, whose open of a FIFO waits for a writer) forks;
// so does one whose working directory or executable lies under a network,
// FUSE or autofs mount (remote_mounts.h: decided from the mount table,
// without touching the path), where the child's chdir or exec could wait
// on a hung server;
// so does every spawn once a clone's flags were refused (EINVAL: a
// kernel without CLONE_PIDFD, 5.2, or an emulator refusing some of them).
// The vfork child runs on the parent's memory and thread (errno): it
// writes its own stack and, failing, its report only, and every signal is
// blocked across the clone so no handler of the parent's runs there.
//
// Threading: call from the loop thread of a single-threaded program (fork).
// Everything Spawn needs is computed before fork; the child allocates
// nothing.

#ifndef FAULT_RUNTIME_SPAWN_H_
#define FAULT_RUNTIME_SPAWN_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/fd.h"
#include "runtime/privileges.h"
#include "runtime/process_attributes.h"
#include "runtime/resource_limits.h"
#include "runtime/status.h"
#include "runtime/terminal.h"

namespace fault {

// The most descriptors SpawnOptions::listen_fds may pass.
inline constexpr size_t kMaxListenFds = 64;

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
  // SIGPIPE ignored at exec (systemd's IgnoreSIGPIPE=, its default for
  // services), over the signal state chosen above.
  bool ignore_sigpipe = false;

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
  // A file opened read-only by the child for its stdin, instead of
  // stdin_fd (StandardInput=file:); empty: none.
  std::string stdin_path;
  // The terminal (terminal.h), prepared and opened by the child after its
  // session is made, before the credentials change: with input it is the
  // child's stdin and controlling terminal (new_session needed), and
  // stdout/stderr where `output`/`error` say, instead of those above.
  TerminalOptions terminal;
  // One more descriptor for the child: the parent's `from` becomes the
  // child's `to` (above 2), kept across exec even with close_other_fds (a
  // readiness pipe, s6's notification-fd). `from` -1: none.
  struct ExtraFd {
    int from = -1;
    int to = -1;
  };
  ExtraFd extra_fd;
  // Socket activation (sd_listen_fds(3), systemd's LISTEN_FDS protocol):
  // these descriptors of the parent's become the child's 3, 4, ... in
  // order, kept across exec (also with close_other_fds), and, when
  // `environment` is given, the child's environment gets LISTEN_PID=its
  // own pid (any LISTEN_PID= there is dropped). The child learns its pid
  // only after the clone: Prepare reserves a buffer for that entry and the
  // child writes the digits into it before exec, the one write a vfork
  // child makes outside its own stack, into memory of this spawn's that
  // nothing else reads. LISTEN_FDS= and LISTEN_FDNAMES= are the caller's,
  // in `environment`. At most kMaxListenFds; empty: none. A spawn with
  // listen fds takes no CLONE_FILES slots (the child copies the table).
  std::vector<int> listen_fds;
  // setrlimit(2) limits for the child, applied before the credentials (so
  // a limit the new user could not raise is still set, as systemd does); a
  // limit above what may be raised is lowered to the hard limit
  // (ApplyResourceLimits, as systemd). Empty: the parent's limits.
  ResourceLimits resource_limits;
  // Capabilities, secure bits and no-new-privileges (privileges.h):
  // applied around the change of user, in systemd's order (the bounding
  // and ambient sets before setuid, the ambient set again, the secure bits
  // and no-new-privileges after it). Empty: all inherited.
  Privileges privileges;

  // When set, receives a pidfd of the child (O_CLOEXEC), opened before the
  // child may exec: it names the child even if the program exits at once
  // and the kernel reaps it (SIGCHLD ignored), so that its status can be
  // read back (see pidfd.h). From the clone itself (CLONE_PIDFD); in a
  // forked child, which then waits on a pipe for the parent to have
  // opened it (pidfd_open). Left empty where the kernel has no
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
  // Privileges, one stage per PrivilegeStep, in its order.
  kCapabilities,
  kSecureBits,
  kNoNewPrivileges,
  kTerminalOpen,  // TerminalOptions: opening or acquiring the terminal
  kStdinFile,     // stdin_path
};

// SpawnFailureReport: what a child that failed before exec writes to its
// report pipe, in one write (smaller than PIPE_BUF: whole or not at all),
// before it exits; nothing is written when it execs. Public for worlds that
// stand in for the runtime in tests (init/supervisor/model/fake_world.h).
struct SpawnFailureReport {
  int stage;     // a SpawnStage
  int error;     // its errno
  int resource;  // kResourceLimits: which (RLIMIT_*)
  // kResourceLimits: the limit asked for, for the message.
  uint64_t soft;
  uint64_t hard;
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

// StartedSpawn: a child StartSpawn forked or cloned, whose exec is known
// (`report` empty) or not yet.
struct StartedSpawn {
  pid_t pid = 0;
  // A forked child's report pipe's read end (O_CLOEXEC | O_NONBLOCK):
  // readable once the child has exec'd (end of file: the write end closed
  // on exec) or failed before exec (its report, then end of file). Watch
  // it for readability; ReadSpawnReport closes it once it has the answer
  // (cancel the watch first: epoll forgets only an open descriptor).
  // Empty for a child cloned sharing memory: its parent resumed only once
  // it had exec'd or failed, so the answer is known at return (`reported`),
  // with no descriptor to watch; ReadSpawnReport gives it.
  UniqueFd report;
  // With no `report`: the known answer, OkStatus once exec'd.
  Status reported;
  // What the failure's message names: the program, and the PATH it was
  // searched in (empty for a program given as a path).
  std::string program;
  std::string path;
};

// StartSpawn forks and prepares the child as Spawn does (the same options,
// the same child, the fork callsets run), and returns without waiting for
// the exec: the pid, `*options.pidfd` (opened before the child may exec,
// as for Spawn), and the report to watch. Errors: those of Spawn that come
// before the child runs (no command; pipe, fork or pidfd_open failures,
// the child then killed and reaped); nothing then runs.
// The child is not reaped by anything here: the caller's exit watch (or
// waitpid) reaps it, also when it failed before exec (it exits 127 for
// ENOENT, else 126, right after its report).
StatusOr<StartedSpawn> StartSpawn(const SpawnOptions& options);

// ReadSpawnReport reads `spawn`'s report without waiting (with no
// `spawn.report`, it gives `spawn.reported`, once):
//   - std::nullopt: nothing yet (the child is still on its way to exec);
//   - OkStatus: it exec'd, or ended before it could report (killed by a
//     signal: its exit status tells);
//   - an error: it failed before exec, worded as Spawn's errors are
//     ("unable to execute CMD: command not found in PATH (...)", with the
//     child's errno as error_number()).
// Once it returned a Status, `spawn.report` is closed and later calls
// return OkStatus. After the child's exit has been seen (its pidfd or
// waitid), the answer is never std::nullopt: the child's descriptors are
// closed before its exit is reported, so its report is complete.
// Loop thread; no allocation unless it words a failure.
std::optional<Status> ReadSpawnReport(StartedSpawn& spawn);

}  // namespace fault

#endif  // FAULT_RUNTIME_SPAWN_H_
