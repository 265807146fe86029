// File: runtime/spawn_report.h
//
// Internal to Spawn (spawn.h; not for other callers): how a child that
// failed before exec tells its parent (stage, errno), and how the parent
// words it.
//
// The child's side (Fail) is async-signal-safe: one write(2) of a
// SpawnFailureReport (smaller than PIPE_BUF: whole or not at all) to the
// report pipe of a forked child, or, for a child cloned sharing memory
// with no pipe, a store into the MemoryReport its parent installed for
// the clone (SwapMemoryReport); then _exit. Nothing is written when the
// child execs: the pipe's end of file, or a MemoryReport left unfailed,
// means the exec.
//
// The parent's side (FailedSpawn) allocates: loop thread, never in the
// child.

#ifndef FAULT_RUNTIME_SPAWN_REPORT_H_
#define FAULT_RUNTIME_SPAWN_REPORT_H_

#include <string>

#include "runtime/resource_limits.h"
#include "runtime/spawn.h"
#include "runtime/status.h"

namespace fault {
namespace spawn_internal {

using Failure = SpawnFailureReport;

// MemoryReport: where a vfork child with no report pipe (report_fd -1)
// puts its failure: in its parent's memory, which it shares, read by the
// parent once the clone returns (CloneSharingMemory). The parent is
// suspended until the child has exec'd or exited, and a failure is written
// before the child exits, so the parent reads it complete, and its absence
// means the exec.
struct MemoryReport {
  Failure failure;
  bool failed = false;
};

// SwapMemoryReport installs `memory` as this thread's MemoryReport and
// returns the one it replaces (restore it once the clone returned). Each
// thread's own (the child runs on its parent's thread pointer), so spawns
// of two threads cannot meet; null outside such a clone.
MemoryReport* SwapMemoryReport(MemoryReport* memory);

// Fail: the child's end, reporting `stage` and `error` (and, for
// kResourceLimits, `limit`) to `report_fd` when >= 0, else to this
// thread's MemoryReport if any; then _exit(127) for ENOENT, else 126.
// Async-signal-safe; in the child only.
[[noreturn]] void Fail(int report_fd, SpawnStage stage, int error,
                       const ResourceLimit* limit = nullptr);

// FailedSpawn: the error of a child that reported `failure` before exec,
// worded as spawn.h says. `path`: the PATH searched for `program` (empty
// for a path). Parent only; never inlined (its locals off the frame that
// forks).
Status FailedSpawn(const std::string& program, const std::string& path,
                   const Failure& failure);

}  // namespace spawn_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SPAWN_REPORT_H_
