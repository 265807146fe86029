// File: runtime/privileges.h
//
// Privileges: the capability and privilege settings a spawned child gets
// before it execs (SpawnOptions::privileges), as systemd gives them to a
// service (man systemd.exec: CapabilityBoundingSet=, AmbientCapabilities=,
// SecureBits=, NoNewPrivileges=). Each is left as inherited unless set.
//
// They are applied around the child's change of user (setgroups, setgid,
// setuid: runtime/spawn_child_credentials.cc), in systemd's order
// (src/core/exec-invoke.c):
//   1. PrivilegesBeforeUser, after the groups are set and before setuid:
//      the bounding set dropped (PR_CAPBSET_DROP, and the dropped
//      capabilities cleared from the inheritable set); the ambient
//      capabilities (those still in the bounding set) put in the
//      inheritable set (capset) and raised (PR_CAP_AMBIENT_RAISE);
//   2. KeepCapabilitiesForUser, just before a setuid to a user other than
//      root when ambient capabilities or secure bits are asked for: the
//      keep-caps secure bit, so that setuid keeps the permitted set (the
//      kernel still clears the effective and ambient sets);
//   3. PrivilegesAfterUser, after setuid: the ambient capabilities raised
//      again (still permitted and inheritable, so allowed), the secure
//      bits set (CAP_SETPCAP raised into the effective set first, as
//      systemd does: the exec recomputes the effective set anyway), and
//      PR_SET_NO_NEW_PRIVS.
// Without a user change, 2 is skipped and 3 finds the ambient set raised
// already (raising it again is harmless).
//
// Everything runs in the child between fork and exec: async-signal-safe
// (raw capget/capset/prctl system calls, no allocation, no libcap: the
// kernel ABI of <linux/capability.h>); errors are errno values, 0 for
// success. Capabilities the kernel does not have (above
// /proc/sys/kernel/cap_last_cap, found with PR_CAPBSET_READ) are ignored.
//
// The struct is a value of 24 bytes; nothing allocates.

#ifndef FAULT_RUNTIME_PRIVILEGES_H_
#define FAULT_RUNTIME_PRIVILEGES_H_

#include <sys/types.h>

#include <cstdint>

namespace fault {

// CapabilitySet: bit N is capability N (CAP_CHOWN is bit 0), as
// /proc/PID/status shows CapBnd, CapAmb...
using CapabilitySet = uint64_t;
inline constexpr CapabilitySet kAllCapabilities = ~CapabilitySet{0};

inline constexpr CapabilitySet CapabilityBit(int capability) {
  return CapabilitySet{1} << capability;
}

struct Privileges {
  // The capabilities kept in the bounding set; the others are dropped.
  // kAllCapabilities: the bounding set is left as inherited.
  CapabilitySet bounding = kAllCapabilities;
  // Raised in the ambient set (and so in the effective and permitted sets
  // of a program run as a user other than root). Those not in the
  // bounding set are left out, as systemd does.
  CapabilitySet ambient = 0;
  // PR_SET_SECUREBITS: SECBIT_* bits (linux/securebits.h). -1: left as
  // inherited.
  int secure_bits = -1;
  // PR_SET_NO_NEW_PRIVS: no exec gains privileges (set-user-ID bits and
  // file capabilities are ignored).
  bool no_new_privileges = false;

  bool empty() const {
    return bounding == kAllCapabilities && ambient == 0 && secure_bits < 0 &&
           !no_new_privileges;
  }
  friend bool operator==(const Privileges& a, const Privileges& b) {
    return a.bounding == b.bounding && a.ambient == b.ambient &&
           a.secure_bits == b.secure_bits &&
           a.no_new_privileges == b.no_new_privileges;
  }
  friend bool operator!=(const Privileges& a, const Privileges& b) {
    return !(a == b);
  }
};

// AmbientCapabilitiesSupported: whether the kernel has ambient
// capabilities (Linux 4.3; PR_CAP_AMBIENT), asked once and remembered, as
// systemd's ambient_capabilities_supported. Not for the child: call it
// before fork.
bool AmbientCapabilitiesSupported();

// Which step of the application failed (for the spawn's failure report).
enum class PrivilegeStep {
  kCapabilities,     // the bounding, inheritable or ambient set
  kSecureBits,       // PR_SET_SECUREBITS (or keep-caps before setuid)
  kNoNewPrivileges,  // PR_SET_NO_NEW_PRIVS
};

// The three steps above. `*failed` says which part failed when the result
// is not 0. Async-signal-safe.
int PrivilegesBeforeUser(const Privileges& privileges, PrivilegeStep* failed);
int KeepCapabilitiesForUser(const Privileges& privileges, uid_t uid,
                            PrivilegeStep* failed);
int PrivilegesAfterUser(const Privileges& privileges, PrivilegeStep* failed);

}  // namespace fault

#endif  // FAULT_RUNTIME_PRIVILEGES_H_
