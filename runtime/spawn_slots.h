// File: runtime/spawn_slots.h
//
// Internal to Spawn (spawn.h; not for other callers): the descriptor
// slots a child cloned sharing memory starts from.
//
// Slots: descriptors the process keeps at low numbers (on /dev/null), into
// which a spawn sharing memory copies the descriptors its child starts
// from (stdin, stdout, stderr, the extra one, the report pipe), so that
// the child, sharing the descriptor table at first (CLONE_FILES), takes a
// table of its own holding only the descriptors up to the last slot
// (close_range(last + 1, ~0, CLOSE_RANGE_UNSHARE), Linux 5.9). A fork, or
// a clone without CLONE_FILES, copies the whole table, which in PID 1
// holds a descriptor per service: issue #26 measured that copy, and the
// child's exec closing every copied descriptor again, growing with N in
// each spawn (a quarter of the services' CPU at 4,000). The parent points
// each slot back at /dev/null once the clone returns, so no service's
// descriptor stays open in it.
//
// Ownership and threads: one process-wide Slots (SpawnSlots), never
// destroyed, its descriptors O_CLOEXEC and never closed. One spawn at a
// time uses it: the one that set `busy` (exchange(true) returned false),
// until it stores false; another thread's spawn meanwhile copies the whole
// table. Parent side only (SetUp, Fill and Empty are called around the
// clone, not in the child).

#ifndef FAULT_RUNTIME_SPAWN_SLOTS_H_
#define FAULT_RUNTIME_SPAWN_SLOTS_H_

#include <atomic>

#include "runtime/spawn_child_fds.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

namespace fault {
namespace spawn_internal {

struct Slots {
  enum Role { kStdin, kStdout, kStderr, kExtra, kReport, kCount };
  std::atomic<bool> busy{false};
  bool tried = false;  // set up attempted (under busy)
  bool ready = false;  // set up, and close_range can unshare
  int null_fd = -1;
  int fd[kCount] = {-1, -1, -1, -1, -1};
  int last = -1;        // the highest slot
  unsigned filled = 0;  // the slots Fill pointed away from /dev/null

  // SetUp, the first time: the slots, each >= 3 (the child's stdio is
  // moved onto 0-2 from them), and whether the kernel has
  // CLOSE_RANGE_UNSHARE (closing nothing: an unshared table is not copied).
  // Later calls return the first one's answer.
  bool SetUp();

  // Fill copies each descriptor >= 0 of `from` into its slot; `to` gets
  // the slots' numbers (-1 kept). False, with every slot back on
  // /dev/null, if a copy failed.
  bool Fill(const ChildFds& from, ChildFds* to);

  // Empty points every slot Fill filled back at /dev/null (the others are
  // on it still).
  void Empty();
};

// SpawnSlots: the process's one Slots, made at first use.
Slots& SpawnSlots();

}  // namespace spawn_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SPAWN_SLOTS_H_
