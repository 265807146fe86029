// File: runtime/resource_limits.h
//
// ResourceLimits: the setrlimit(2) limits a spawned child gets
// (SpawnOptions::resource_limits), each resource at most once, and the
// call that applies them in the child between fork and exec.
//
// The names are systemd's unit-file keys ("LimitNOFILE"), since that is
// how faultinit's users name them and how errors name them; the values are
// the kernel's (rlim_t, RLIM_INFINITY for "infinity"; RLIMIT_CPU in
// seconds, RLIMIT_RTTIME in microseconds, RLIMIT_NICE as 20 - nice).
//
// Ownership: a value type. Threading: thread-compatible. Set and Find
// allocate (Set) or not (Find); ApplyResourceLimits is async-signal-safe
// and allocates nothing: it may run in a forked child.

#ifndef FAULT_RUNTIME_RESOURCE_LIMITS_H_
#define FAULT_RUNTIME_RESOURCE_LIMITS_H_

#include <sys/resource.h>

#include <vector>

#include "absl/strings/string_view.h"

namespace fault {

// One limit: setrlimit(resource, {soft, hard}), soft <= hard.
struct ResourceLimit {
  int resource = 0;  // RLIMIT_*
  rlim_t soft = 0;
  rlim_t hard = 0;

  friend bool operator==(const ResourceLimit& a, const ResourceLimit& b) {
    return a.resource == b.resource && a.soft == b.soft && a.hard == b.hard;
  }
};

// ResourceLimits: a few limits, in the order set. A vector of the set
// ones only: a unit sets none or one or two, and an empty one costs 24
// bytes (PID 1 keeps one per service).
struct ResourceLimits {
  std::vector<ResourceLimit> limits;

  // Set replaces `resource`'s limit, or adds it.
  void Set(int resource, rlim_t soft, rlim_t hard);
  // Clear removes `resource`'s limit (the parent's applies again).
  void Clear(int resource);
  // Find returns `resource`'s limit, or null.
  const ResourceLimit* Find(int resource) const;
  bool empty() const { return limits.empty(); }

  friend bool operator==(const ResourceLimits& a, const ResourceLimits& b) {
    return a.limits == b.limits;
  }
};

// The resources of systemd's Limit*= keys, in systemd's order (RLIMIT_CPU
// to RLIMIT_RTTIME: 16 of them).
inline constexpr int kResourceLimitCount = 16;

// ResourceLimitKey: "LimitNOFILE" for RLIMIT_NOFILE, ...; "" for a
// resource that has no key. Async-signal-safe (a static table).
absl::string_view ResourceLimitKey(int resource);

// ApplyResourceLimits sets each limit on the calling process, as systemd's
// setrlimit_closest does: when setrlimit fails with EPERM (a hard limit
// above what the process may raise it to: no CAP_SYS_RESOURCE, or
// RLIMIT_NOFILE above fs.nr_open), both values are lowered to the current
// hard limit and set again. Returns 0, or the errno of the first limit
// that could not be set, its resource stored in `*failed_resource`.
// Async-signal-safe; no allocation.
int ApplyResourceLimits(const ResourceLimits& limits, int* failed_resource);

}  // namespace fault

#endif  // FAULT_RUNTIME_RESOURCE_LIMITS_H_
