// File: runtime/testing/hung_mount.h
//
// HungMount: a real FUSE mount on which every lookup waits, for tests of
// code that must not be held by a hung remote file system. The mount is
// made in the caller's mount namespace (the test makes one of its own
// first: root only) with a device no daemon ever reads, so the connection
// is never initialised. A helper process holds the only reference to the
// device; when it exits the kernel aborts the connection and the waiting
// lookups fail. The helper exits when told (ToldInTime, or the end of the
// HungMount) or after `deadline_ms`, and answers which.
//
// Test-only: forks; uses gtest to report failures of its own set-up.

#ifndef FAULT_RUNTIME_TESTING_HUNG_MOUNT_H_
#define FAULT_RUNTIME_TESTING_HUNG_MOUNT_H_

#include <sys/types.h>

#include <string>

#include "runtime/fd.h"

namespace fault::testing {

class HungMount {
 public:
  HungMount() = default;
  HungMount(const HungMount&) = delete;
  HungMount& operator=(const HungMount&) = delete;
  // End().
  ~HungMount();

  // Start makes the directory `dir`, mounts the hung FUSE file system there
  // and starts the helper. Returns "" when the mount hangs as described;
  // otherwise why not (no /dev/fuse, mount refused: the test skips). A
  // failure of the set-up itself (mkdir, pipe, fork) is also reported as a
  // test failure. The caller ignores SIGPIPE: the helper may be gone.
  std::string Start(const std::string& dir, int deadline_ms = 20000);

  // Ends the hang; true if the helper was told before its deadline.
  bool ToldInTime();

  // Ends the hang (if Start started the helper and it is not reaped yet):
  // tells the helper to exit and reaps it.
  void End();

 private:
  pid_t helper_ = 0;
  UniqueFd told_;
  UniqueFd answer_;
};

}  // namespace fault::testing

#endif  // FAULT_RUNTIME_TESTING_HUNG_MOUNT_H_
