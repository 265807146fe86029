// File: init/system/account_name.h
//
// What systemd accepts in User=, Group= and SupplementaryGroups= (its
// "relaxed" user and group name rules with numbers allowed, user-util.c
// valid_user_group_name): checked when the unit loads, so `--check` reports
// a name no account can have; whether the account exists is known only
// when the service starts (init/support/accounts.h).
//
// A number is a uid or gid: plain decimal (no sign, no leading zero, no
// space), 0 to 4294967294 but not 65535 (the 16-bit -1) nor 4294967295
// (the 32-bit -1). Anything else is a name: not empty, no leading or
// trailing space, valid UTF-8, no control character, no ":" or "/", not
// all digits (so a number outside the range is no name either), not "-"
// followed by digits only, not "." or "..".
//
// Pure; thread-safe.

#ifndef FAULT_INIT_SYSTEM_ACCOUNT_NAME_H_
#define FAULT_INIT_SYSTEM_ACCOUNT_NAME_H_

#include <string>

#include "absl/strings/string_view.h"

namespace faultinit {

// AccountNameProblem returns why `name` is neither a valid uid/gid nor a
// valid name ("a number must be from 0 to 4294967294, and not 65535"), or
// the empty string when it is valid.
std::string AccountNameProblem(absl::string_view name);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_ACCOUNT_NAME_H_
