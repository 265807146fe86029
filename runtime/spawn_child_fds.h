// File: runtime/spawn_child_fds.h
//
// Internal to Spawn (spawn.h; not for other callers): the descriptors a
// spawn's child starts from, and the moves that give it its 0-2, its
// listen fds (3, 4, ...) and its extra descriptor before exec.
//
// Everything here runs in the child between clone or fork and exec:
// async-signal-safe (system calls and the caller's stack only). What can
// fail returns 0 or an errno for the caller to report (SpawnStage::
// kDescriptors); nothing here reports or exits by itself.

#ifndef FAULT_RUNTIME_SPAWN_CHILD_FDS_H_
#define FAULT_RUNTIME_SPAWN_CHILD_FDS_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <vector>

#include "runtime/spawn.h"

namespace fault {
namespace spawn_internal {

// The descriptors a child starts from: SpawnOptions' (stdin_fd,
// stdout_fd, stderr_fd, extra_fd.from), or the slots they were copied to
// (CloneSharingMemory, spawn_slots.h), and its report pipe (-1: none).
struct ChildFds {
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  int extra_from;
  int report;
};

// OptionsFds: `options`' descriptors, with `report_fd`.
ChildFds OptionsFds(const SpawnOptions& options, int report_fd);

// MoveTo makes `from` the descriptor `to`, kept across exec: dup2, or,
// when `from` is `to` already, its close-on-exec flag cleared. `from` -1:
// nothing to do.
int MoveTo(int from, int to);

// CloseOtherFdsAtExec marks every descriptor above 2 close-on-exec (the
// report pipe must stay open until exec). close_range(2) where the kernel
// has it (5.11 for CLOSE_RANGE_CLOEXEC), else one fcntl per possible
// descriptor below the size of the descriptor table (DescriptorTableSize)
// or, without /proc, below `bound`: the parent's soft RLIMIT_NOFILE (the
// child's may be lower by now, SpawnOptions::resource_limits). PID 1's
// soft limit is fs.nr_open (a million) in system mode: the table, a few
// times the descriptors open, is what keeps that loop short.
int CloseOtherFdsAtExec(rlim_t bound);

// MoveListenFds makes `listen` the child's 3, 4, ... (without
// close-on-exec). Every other descriptor the child still needs (the
// report pipe, the extra one) that sits in that range is moved above it
// first (`*report_fd`, `*extra_from` updated), and each listen fd is
// copied above it before the dup2s, so no source is overwritten before it
// is copied. EMFILE for more than kMaxListenFds.
int MoveListenFds(const std::vector<int>& listen, int* report_fd,
                  int* extra_from);

// WritePid writes `pid`'s decimal digits and a NUL at `out` (room for 24).
void WritePid(pid_t pid, char* out);

}  // namespace spawn_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SPAWN_CHILD_FDS_H_
