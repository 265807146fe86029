// File: init/system/unit_limits.h
//
// The resource-limit keys of [Service] (systemd.exec(5), PROCESS
// PROPERTIES): LimitCPU=, LimitFSIZE=, LimitDATA=, LimitSTACK=,
// LimitCORE=, LimitRSS=, LimitNOFILE=, LimitAS=, LimitNPROC=,
// LimitMEMLOCK=, LimitLOCKS=, LimitSIGPENDING=, LimitMSGQUEUE=,
// LimitNICE=, LimitRTPRIO=, LimitRTTIME=, as a UnitKey table
// (unit_keys.h) that fills Unit::limits.
//
// Each takes one value (soft and hard limit alike) or "SOFT:HARD", each
// part "infinity" or, by key (as systemd's rlimit_parse):
//   LimitCPU=                    a time span, a bare number in seconds,
//                                rounded up to whole seconds
//   LimitRTTIME=                 a time span, a bare number in µs
//   LimitFSIZE=, LimitDATA=, LimitSTACK=, LimitCORE=, LimitRSS=,
//   LimitAS=, LimitMEMLOCK=, LimitMSGQUEUE=
//                                bytes, with K, M, G, T, P, E (base 1024)
//                                and an optional fraction ("1.5G")
//   LimitNICE=                   "+N" / "-N", a nice level (19 to -20), or
//                                a raw limit 0 to 40 (20 - nice)
//   the others                   a plain count
// A soft limit above the hard one is an error; an empty value resets the
// key (LimitNOFILE= then gets faultinit's default, docs/units.md).
//
// Pure; thread-safe.

#ifndef FAULT_INIT_SYSTEM_UNIT_LIMITS_H_
#define FAULT_INIT_SYSTEM_UNIT_LIMITS_H_

#include <sys/resource.h>

#include "absl/strings/string_view.h"
#include "init/system/unit_keys.h"
#include "runtime/status.h"

namespace faultinit {

// The table (kUnitKeyTables in unit.cc holds it).
extern const UnitKeyTable kLimitKeys;

// ParseResourceLimit: one Limit*= value for `resource` (RLIMIT_*) into
// {soft, hard}. Errors: kInvalidArgument, a message without the key.
fault::StatusOr<struct rlimit> ParseResourceLimit(int resource,
                                                  absl::string_view value);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_LIMITS_H_
