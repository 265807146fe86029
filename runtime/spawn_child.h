// File: runtime/spawn_child.h
//
// Internal to Spawn (spawn.h; not for other callers): the child between
// clone or fork and exec.
//
// RunChild runs in the child only, after the fork callsets (or, in a
// child sharing memory, VforkCallsets::RunInChild): async-signal-safe
// calls only, no allocation, no locks; it reads `options` and the plan
// and writes nothing of the parent's but the plan's listen_pid buffer
// (spawn.h: listen_fds), failing, its MemoryReport (spawn_report.h), and
// through ChangeDisposition (SIGHUP, SIGPIPE) signal_state.h's mark of a
// signal as changed, which only makes later children reset it.
// It never returns: it execs, or reports the stage that failed through
// Fail and exits (127 for ENOENT, else 126).

#ifndef FAULT_RUNTIME_SPAWN_CHILD_H_
#define FAULT_RUNTIME_SPAWN_CHILD_H_

#include "runtime/spawn.h"
#include "runtime/spawn_child_fds.h"
#include "runtime/spawn_plan.h"

namespace fault {
namespace spawn_internal {

// RunChild prepares the child as `options` say, in this order: every
// signal blocked (the callsets' mask kept for the end); `go_fd`, when not
// -1, read until the parent closes its other end (it opens the child's
// pidfd meanwhile), then closed; the session or process group and the
// terminal's foreground; the terminal (TerminalOptions) and stdin_path;
// the parent-death signal; the working directory; the umask; limits,
// attributes and credentials (spawn_child_credentials.h); the
// descriptors from `fds` (0-2, close_other_fds, listen fds with
// LISTEN_PID written, the extra one); the signal state chosen and
// SIGPIPE; exec of each candidate in turn, as execvp.
[[noreturn]] void RunChild(const SpawnOptions& options, const Prepared& p,
                           const ChildFds& fds, int go_fd);

}  // namespace spawn_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SPAWN_CHILD_H_
