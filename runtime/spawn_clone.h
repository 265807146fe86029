// File: runtime/spawn_clone.h
//
// Internal to Spawn (spawn.h; not for other callers): the child made by
// clone(CLONE_VM | CLONE_VFORK), as posix_spawn makes it, instead of a
// fork where it can.
//
// Parent side: CloneSharingMemory allocates only before the clone (the
// mount check, VforkCallsets::Begin, the first spawn's stack and slots)
// and makes the clone with every signal blocked. The child it makes runs
// on the parent's memory and thread (TLS, errno) while the parent is
// suspended until the child has exec'd or exited: async-signal-safe,
// writing only its own stack (a mapping of the spawn's) and what RunChild
// writes (spawn_child.h), the MemoryReport given included. Loop thread of
// a single-threaded program, as Spawn; another thread's spawn meanwhile
// is safe but takes a stack and a descriptor-table copy of its own.

#ifndef FAULT_RUNTIME_SPAWN_CLONE_H_
#define FAULT_RUNTIME_SPAWN_CLONE_H_

#include <sys/types.h>

#include "runtime/fd.h"
#include "runtime/spawn.h"
#include "runtime/spawn_plan.h"
#include "runtime/spawn_report.h"

namespace fault {
namespace spawn_internal {

// CloneSharingMemory: the child by clone(CLONE_VM | CLONE_VFORK), as
// posix_spawn makes it: no copy of PID 1's page tables, and no
// copy-on-write faults in the parent afterwards (issue #26: both grew
// with PID 1's size; fork's page-table copy was most of PID 1's start-up
// CPU at 4,000 services). With close_other_fds, also CLONE_FILES and the
// slots (spawn_slots.h): the child's table holds a few descriptors, not
// PID 1's. The parent is suspended until the child has exec'd or exited,
// so a spawn whose set-up may wait (a terminal, a file for stdin: a
// FIFO's open waits for a writer), or one whose chdir or exec may wait on
// a network, FUSE or autofs mount (remote_mounts.h), forks instead; so
// does a sanitized build, and every spawn once a clone's flags were
// refused. A failure before exec is reported to `report_fd` when >= 0,
// else into `*memory`. `pidfd`, when not null, gets the child's pidfd
// from the same clone (CLONE_PIDFD), so the child need not wait for it;
// out of descriptors for it (EMFILE, ENFILE), the child runs without one.
// Returns the pid; 0 when this way is not available (the caller forks:
// some child callback is fork-only, no stack could be mapped, no
// CLONE_PIDFD); else -errno of the clone, nothing running.
pid_t CloneSharingMemory(const SpawnOptions& options, const Prepared& p,
                         int report_fd, MemoryReport* memory, UniqueFd* pidfd);

}  // namespace spawn_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SPAWN_CLONE_H_
