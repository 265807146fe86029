// File: runtime/duration.h
//
// ParseTimeSpan: the duration syntax of faultinit's options and unit files,
// systemd's: "5" (seconds), "5s", "500ms", "1min 30s", "2h", "infinity".
//
// Thread-safe; allocates only for error messages.

#ifndef FAULT_RUNTIME_DURATION_H_
#define FAULT_RUNTIME_DURATION_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/status.h"

namespace fault {

// ParseTimeSpan accepts one or more "NUMBER[UNIT]" terms, optionally
// separated by spaces, that add up; a bare number is seconds. NUMBER may
// have a fractional part ("1.5s"). Units: us/usec, ms/msec, s/sec/second(s),
// m/min/minute(s), h/hr/hour(s), d/day(s). "infinity" is
// absl::InfiniteDuration().
// Errors: kInvalidArgument quoting the text and listing the accepted forms.
StatusOr<absl::Duration> ParseTimeSpan(absl::string_view text);

// FormatTimeSpan writes a duration the way ParseTimeSpan reads it:
// "1min 30s", "500ms", "0", "infinity".
std::string FormatTimeSpan(absl::Duration d);

}  // namespace fault

#endif  // FAULT_RUNTIME_DURATION_H_
