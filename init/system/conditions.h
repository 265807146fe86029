// File: init/system/conditions.h
//
// Evaluation of a unit's Condition*= and Assert*= (condition.h) when a
// start is about to begin, with systemd's meaning (man systemd.unit,
// "Conditions and Asserts"; src/shared/condition.c):
//
//   - each condition's test, negated by "!"; a test that cannot be made
//     (an unreadable file, an unknown capability) is false, negated or not;
//   - of one family (the conditions, then the asserts): every condition
//     without "|" must hold, and when there are any with "|", at least one
//     of those; a unit with no conditions passes.
//
// A failed condition skips the start (the unit stays inactive, which is
// not a failure); a failed assert fails it. What is read of the machine
// goes through ConditionWorld, so tests give a fake one; SystemWorld()
// is the real one. Where faultinit decides differently from systemd (it
// keeps no state systemd keeps: the first boot, the virtualization it
// detected) is in docs/units.md, and --check warns (unit_conditions.h).
//
// Thread safety: CheckConditions and TestCondition are as thread-safe as
// the world given; the real world reads files and calls uname, gethostname,
// sched_getaffinity, sysinfo and socket: not async-signal-safe. Loop
// thread in faultinit. They never throw for bad input and never block
// on anything but the file system (a read of /proc, /sys or the unit's
// paths; a FIFO named by a condition is never opened: only a regular file
// is read, with O_NONBLOCK, at most 64 KiB).

#ifndef FAULT_INIT_SYSTEM_CONDITIONS_H_
#define FAULT_INIT_SYSTEM_CONDITIONS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "init/system/condition.h"
#include "runtime/status.h"

namespace faultinit {

// ConditionWorld: what conditions read of the machine. Errors carry the
// errno (fault::ErrnoToStatus): ENOENT for a missing path.
class ConditionWorld {
 public:
  virtual ~ConditionWorld() = default;

  struct FileStatus {
    mode_t mode = 0;  // st_mode: type and permissions
    int64_t size = 0;
    int64_t mtime_sec = 0;
    int64_t mtime_nsec = 0;
  };
  // stat(2) with `follow`, lstat(2) without.
  virtual fault::StatusOr<FileStatus> Stat(const std::string& path,
                                           bool follow) = 0;
  // The contents of a regular file (or of /proc and /sys's), at most 64
  // KiB of it.
  virtual fault::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // The names in a directory, without "." and "..".
  virtual fault::StatusOr<std::vector<std::string>> ListDirectory(
      const std::string& path) = 0;
  // realpath(3).
  virtual fault::StatusOr<std::string> RealPath(const std::string& path) = 0;
  // Whether the file system holding `path` is mounted read-only.
  virtual fault::StatusOr<bool> ReadOnlyFileSystem(const std::string& path) = 0;
  // Whether glob(3) finds any path matching `pattern`.
  virtual bool GlobMatches(const std::string& pattern) = 0;
  // faultinit's environment, "NAME=VALUE" each (the manager's, as systemd's).
  virtual std::vector<std::string> Environment() = 0;
  virtual std::string HostName() = 0;
  // uname(2)'s machine: "x86_64", "aarch64", "armv7l"...
  virtual std::string Machine() = 0;
  // The CPUs faultinit may run on (sched_getaffinity), and the memory
  // installed (sysinfo); 0 when unknown.
  virtual uint64_t CpuCount() = 0;
  virtual uint64_t PhysicalMemory() = 0;
  // Whether the kernel has audit (a NETLINK_AUDIT socket can be opened).
  virtual bool AuditAvailable() = 0;
};

// The real machine. Stateless; lives for the program.
ConditionWorld& SystemConditionWorld();

// How one condition's test came out, "!" applied.
enum class ConditionResult { kTrue, kFalse, kError };
ConditionResult TestCondition(const Condition& condition,
                              ConditionWorld& world);

// ConditionVerdict: the outcome of a unit's conditions.
struct ConditionVerdict {
  enum class Outcome { kMet, kConditionFailed, kAssertFailed };
  Outcome outcome = Outcome::kMet;
  // Unless met: what failed, for status and the log: "condition failed:
  // ConditionPathExists=/etc/foo" (the first that failed), or, when only
  // the triggering ones failed, "condition failed: none of
  // ConditionPathExists=|/a, ConditionPathExists=|/b";
  // "assertion failed: AssertPathExists=/x" for an assert.
  std::string reason;
};

// CheckConditions: the conditions first, then (if they are met) the
// asserts, each family by systemd's rule (above).
ConditionVerdict CheckConditions(absl::Span<const Condition> conditions,
                                 ConditionWorld& world);

// The virtualization systemd-detect-virt would name, as far as files and
// the environment tell it: "none", or one of systemd's ids ("kvm",
// "docker", "vm-other"...). A container is looked for first.
std::string DetectVirtualization(ConditionWorld& world);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_CONDITIONS_H_
