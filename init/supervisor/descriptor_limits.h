// File: init/supervisor/descriptor_limits.h
//
#ifndef FAULT_INIT_SUPERVISOR_DESCRIPTOR_LIMITS_H_
#define FAULT_INIT_SUPERVISOR_DESCRIPTOR_LIMITS_H_

// RLIMIT_NOFILE in system mode, as systemd's PID 1 sets it
// (src/core/main.c): the kernel starts init with 1024:4096, far below what
// a supervisor of thousands of services needs (one descriptor per service
// for its output, one for its pidfd), so PID 1 raises its own limit, both
// values, to fs.nr_open; services get the soft limit PID 1 was started
// with (1024: select(2) handles no descriptor from FD_SETSIZE on) and a
// hard limit of at least 524,288 (systemd's HIGH_RLIMIT_NOFILE), at most
// fs.nr_open, unless LimitNOFILE= says otherwise.
//
// Pure functions but ReadNrOpen; none is async-signal-safe or needed so.

#include <sys/resource.h>

namespace faultinit {

// The hard limit services get at least (systemd's DefaultLimitNOFILE=
// 1024:524288).
inline constexpr rlim_t kServiceNofileHardFloor = 524288;

// The kernel's fs.nr_open when /proc cannot tell: its built-in default.
inline constexpr rlim_t kDefaultNrOpen = 1024 * 1024;

// ReadNrOpen: /proc/sys/fs/nr_open, the most any RLIMIT_NOFILE may be;
// kDefaultNrOpen when the file is missing or does not hold a number.
rlim_t ReadNrOpen();

// Pid1NofileLimit: PID 1's own limit, raised from `inherited` to
// `nr_open` (never lowered: a value already above stays).
struct rlimit Pid1NofileLimit(const struct rlimit& inherited, rlim_t nr_open);

// ServiceNofileHard: the hard limit a service gets without LimitNOFILE=:
// `inherited_hard` (PID 1's at its start) raised to
// kServiceNofileHardFloor, and no more than `nr_open`.
rlim_t ServiceNofileHard(rlim_t inherited_hard, rlim_t nr_open);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_DESCRIPTOR_LIMITS_H_
