// File: init/system/unit_key_values.h
//
// Parsers of the kinds of value many unit-file keys share, for the
// handlers of unit.cc's Parser and of the UnitKey tables (unit_keys.h).
// Each sets `*out` from `value` and returns OK, or returns an error whose
// message starts with `key` and leaves `*out` as it was. An empty value
// resets the key to `fallback` (systemd's default for it), as for every
// key. Pure.

#ifndef FAULT_INIT_SYSTEM_UNIT_KEY_VALUES_H_
#define FAULT_INIT_SYSTEM_UNIT_KEY_VALUES_H_

#include <sys/types.h>

#include "absl/strings/string_view.h"
#include "runtime/duration.h"
#include "runtime/status.h"

namespace faultinit {

// KeyError: the error of a key's handler, "KEY: MESSAGE".
fault::Status KeyError(absl::string_view key, absl::string_view message);

// ParseBooleanKey: one of systemd's booleans (ParseConditionBoolean:
// 1 yes y true t on / 0 no n false f off, any case); anything else is
// "KEY: invalid boolean \"VALUE\"".
fault::Status ParseBooleanKey(absl::string_view key, absl::string_view value,
                              bool fallback, bool* out);

// ParseModeKey: a file mode (or mask) in octal, 0 to 07777, of at most five
// digits; anything else is "KEY: invalid mode \"VALUE\": expected an octal
// number from 0 to 07777, such as EXAMPLE".
fault::Status ParseModeKey(absl::string_view key, absl::string_view value,
                           mode_t fallback, absl::string_view example,
                           mode_t* out);

// ParseDurationKey: a time span (fault::ParseTimeSpan: "90", "5min 20s",
// "infinity"...); with `zero_is_infinity`, 0 means no limit, as for
// systemd's timeouts.
fault::Status ParseDurationKey(absl::string_view key, absl::string_view value,
                               fault::Duration fallback, bool zero_is_infinity,
                               fault::Duration* out);

// ParseUnsignedKey: a whole number in decimal digits, 0 to UINT32_MAX.
fault::Status ParseUnsignedKey(absl::string_view key, absl::string_view value,
                               unsigned fallback, unsigned* out);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_KEY_VALUES_H_
