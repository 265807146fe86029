#include "runtime/privileges.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

namespace fault {
namespace {

// The largest capability number a CapabilitySet can name.
constexpr int kMaxCapability = 63;

// The thread's effective, permitted and inheritable sets (capget(2)).
struct CapabilitySets {
  CapabilitySet effective = 0;
  CapabilitySet permitted = 0;
  CapabilitySet inheritable = 0;

  bool operator==(const CapabilitySets& o) const {
    return effective == o.effective && permitted == o.permitted &&
           inheritable == o.inheritable;
  }
};

CapabilitySet Join(uint32_t low, uint32_t high) {
  return CapabilitySet{low} | CapabilitySet{high} << 32;
}

int GetCapabilities(CapabilitySets* out) {
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return errno;
  out->effective = Join(data[0].effective, data[1].effective);
  out->permitted = Join(data[0].permitted, data[1].permitted);
  out->inheritable = Join(data[0].inheritable, data[1].inheritable);
  return 0;
}

int SetCapabilities(const CapabilitySets& sets) {
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int word = 0; word < 2; ++word) {
    const int shift = 32 * word;
    data[word].effective = static_cast<uint32_t>(sets.effective >> shift);
    data[word].permitted = static_cast<uint32_t>(sets.permitted >> shift);
    data[word].inheritable = static_cast<uint32_t>(sets.inheritable >> shift);
  }
  return syscall(SYS_capset, &header, data) == 0 ? 0 : errno;
}

// InBoundingSet: 1 when capability `n` is in the bounding set, 0 when not,
// -1 when the kernel has no such capability (above cap_last_cap).
int InBoundingSet(int n) {
  const int r = prctl(PR_CAPBSET_READ, n, 0, 0, 0);
  return r < 0 ? -1 : r;
}

// RaiseEffective puts `capability` in the effective set when it is
// permitted; 0 when it is effective afterwards.
int RaiseEffective(int capability) {
  CapabilitySets sets;
  if (int e = GetCapabilities(&sets)) return e;
  const CapabilitySet bit = CapabilityBit(capability);
  if (sets.effective & bit) return 0;
  if (!(sets.permitted & bit)) return EPERM;
  sets.effective |= bit;
  return SetCapabilities(sets);
}

// DropBoundingSet drops every capability not in `keep` from the bounding
// set and from the inheritable set, as systemd's
// capability_bounding_set_drop(keep, false). PR_CAPBSET_DROP takes
// CAP_SETPCAP in the effective set: raised first when permitted.
int DropBoundingSet(CapabilitySet keep) {
  CapabilitySets before;
  if (int e = GetCapabilities(&before)) return e;
  (void)RaiseEffective(CAP_SETPCAP);  // else the drop below says why
  CapabilitySets after = before;
  for (int n = 0; n <= kMaxCapability; ++n) {
    const int present = InBoundingSet(n);
    if (present < 0) break;
    if (keep & CapabilityBit(n)) continue;
    // A drop that fails for a capability already gone is no failure.
    if (present == 1 && prctl(PR_CAPBSET_DROP, n, 0, 0, 0) != 0 &&
        InBoundingSet(n) != 0) {
      const int error = errno;
      (void)SetCapabilities(before);
      return error;
    }
    after.inheritable &= ~CapabilityBit(n);
  }
  // Also gives back the effective set as it was (without a CAP_SETPCAP
  // raised above).
  if (int e = SetCapabilities(after); e != 0 && !(after == before)) return e;
  return 0;
}

// RaiseAmbient makes the ambient set `wanted` minus what is not in the
// bounding set; with `inherit`, the inheritable set first becomes that
// (an ambient capability must be permitted and inheritable).
int RaiseAmbient(CapabilitySet wanted, bool inherit) {
  CapabilitySet ambient = 0;
  for (int n = 0; n <= kMaxCapability; ++n) {
    const int present = InBoundingSet(n);
    if (present < 0) break;
    if ((wanted & CapabilityBit(n)) && present == 1) {
      ambient |= CapabilityBit(n);
    }
  }
  if (inherit) {
    CapabilitySets sets;
    if (int e = GetCapabilities(&sets)) return e;
    if (sets.inheritable != ambient) {
      sets.inheritable = ambient;
      if (int e = SetCapabilities(sets)) return e;
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return errno;
  }
  for (int n = 0; n <= kMaxCapability; ++n) {
    if ((ambient & CapabilityBit(n)) &&
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, n, 0, 0) != 0) {
      return errno;
    }
  }
  return 0;
}

}  // namespace

bool AmbientCapabilitiesSupported() {
  static const bool supported = [] {
    // A valid answer, or an unexpected error, means the kernel knows it.
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0) >= 0 ||
           (errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS);
  }();
  return supported;
}

int PrivilegesBeforeUser(const Privileges& privileges, PrivilegeStep* failed) {
  *failed = PrivilegeStep::kCapabilities;
  if (privileges.bounding != kAllCapabilities) {
    if (int e = DropBoundingSet(privileges.bounding)) return e;
  }
  if (privileges.ambient != 0) {
    if (int e = RaiseAmbient(privileges.ambient, /*inherit=*/true)) return e;
  }
  return 0;
}

int KeepCapabilitiesForUser(const Privileges& privileges, uid_t uid,
                            PrivilegeStep* failed) {
  *failed = PrivilegeStep::kSecureBits;
  if (uid == 0 || (privileges.ambient == 0 && privileges.secure_bits < 0)) {
    return 0;
  }
  if (privileges.secure_bits < 0) {
    // Unprivileged, and cleared again by the exec.
    return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0 ? 0 : errno;
  }
  // As systemd: the secure bits asked for, plus keep-caps until after
  // setuid (PrivilegesAfterUser sets them as asked).
  const int bits = privileges.secure_bits | SECBIT_KEEP_CAPS;
  if (prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) == bits) return 0;
  return prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) == 0 ? 0 : errno;
}

int PrivilegesAfterUser(const Privileges& privileges, PrivilegeStep* failed) {
  *failed = PrivilegeStep::kCapabilities;
  if (privileges.ambient != 0) {
    // setuid cleared the ambient set; permitted and inheritable are kept.
    if (int e = RaiseAmbient(privileges.ambient, /*inherit=*/false)) return e;
  }
  *failed = PrivilegeStep::kSecureBits;
  if (privileges.secure_bits >= 0 &&
      prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) != privileges.secure_bits) {
    // PR_SET_SECUREBITS takes CAP_SETPCAP in the effective set, which a
    // user other than root lost at setuid (keep-caps kept it permitted).
    if (int e = RaiseEffective(CAP_SETPCAP)) return e;
    if (prctl(PR_SET_SECUREBITS, privileges.secure_bits, 0, 0, 0) != 0) {
      return errno;
    }
  }
  *failed = PrivilegeStep::kNoNewPrivileges;
  if (privileges.no_new_privileges &&
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return errno;
  }
  return 0;
}

}  // namespace fault
