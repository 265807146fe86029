// File: init/system/exec_privilege_keys.h
//
// The unit-file keys of a service's privileges (Unit::privileges,
// Unit::permissions_start_only), as a UnitKey table for unit.cc's Parser,
// each with systemd's meaning (man systemd.exec, "Capabilities" and
// "Security"; man systemd.service):
//
//   CapabilityBoundingSet=  capability names (CAP_NET_ADMIN, any case),
//                           space-separated: the bounding set keeps only
//                           these; "~" before the list keeps all but these.
//                           Assignments merge as systemd's
//                           config_parse_capability_set: while the set is
//                           still all capabilities, an assignment replaces
//                           it; after that a list adds (OR) and a "~" list
//                           removes (AND NOT). Empty: no capability at all;
//                           "~" alone: all again (unchanged)
//   AmbientCapabilities=    as above, for the ambient set (starting empty:
//                           a list replaces it while it is empty); empty
//                           resets it to none
//   NoNewPrivileges=        a boolean: PR_SET_NO_NEW_PRIVS
//   SecureBits=             keep-caps, keep-caps-locked, no-setuid-fixup,
//                           no-setuid-fixup-locked, noroot, noroot-locked,
//                           space-separated; an assignment replaces the
//                           last; empty: left as inherited
//   PermissionsStartOnly=   a boolean (deprecated by systemd, a warning):
//                           every command but ExecStart='s runs as with
//                           the "+" prefix
//   PAMName=                not supported: a warning that says what will
//                           differ (no PAM session)
//
// An unknown capability or secure-bit name is an error (systemd ignores
// it): a typo must not silently widen or narrow what a service may do.
// Pure.

#ifndef FAULT_INIT_SYSTEM_EXEC_PRIVILEGE_KEYS_H_
#define FAULT_INIT_SYSTEM_EXEC_PRIVILEGE_KEYS_H_

#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable ExecPrivilegeKeys();

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_EXEC_PRIVILEGE_KEYS_H_
