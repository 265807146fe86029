// File: init/system/exec_environment_keys.h
//
// The unit-file keys that add to a service's groups and shape its
// environment (Unit::exec_environment), as a UnitKey table for unit.cc's
// Parser, each with systemd's meaning (man systemd.exec):
//
//   SupplementaryGroups=  groups (names or gids, account_name.h's rules)
//                         added to the User= account's: setgroups gets the
//                         account's groups, then these
//   PassEnvironment=      names of faultinit's own environment variables
//                         passed on (an unset one is not)
//   UnsetEnvironment=     NAME (removed whatever its value) or NAME=VALUE
//                         (removed when it has that value), applied last,
//                         to what every other source set
//
// Words as in Environment= (quotes allowed); assignments add up; an empty
// one resets the key. Pure.

#ifndef FAULT_INIT_SYSTEM_EXEC_ENVIRONMENT_KEYS_H_
#define FAULT_INIT_SYSTEM_EXEC_ENVIRONMENT_KEYS_H_

#include "init/system/unit_keys.h"

namespace faultinit {

UnitKeyTable ExecEnvironmentKeys();

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_EXEC_ENVIRONMENT_KEYS_H_
