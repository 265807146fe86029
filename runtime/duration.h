// File: runtime/duration.h
//
// Duration: a span of time as a count of nanoseconds, with an infinity, for
// every timer and time limit of faultinit. MonotonicNow: CLOCK_MONOTONIC
// read as a Duration, the one clock faultinit schedules and measures by.
// ParseTimeSpan / FormatTimeSpan: the duration syntax of faultinit's
// options and unit files, systemd's: "5" (seconds), "5s", "500ms",
// "1min 30s", "2h", "infinity".
//
// Why not absl::Duration: faultinit needs one monotonic clock and integer
// nanoseconds, and absl::Now() reads the clock through Abseil's clock.cc (a
// spin lock, a cycle-clock calibration, the CPU count), which this keeps
// out of the static binary (docs/size.md). The names follow
// Abseil's (Seconds(), ZeroDuration(), ToInt64Seconds()...).
//
// Everything here is thread-safe and async-signal-safe except
// ParseTimeSpan and FormatTimeSpan, which allocate.

#ifndef FAULT_RUNTIME_DURATION_H_
#define FAULT_RUNTIME_DURATION_H_

#include <time.h>

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace fault {

// Duration is a signed number of nanoseconds (a plain value; copy freely).
// InfiniteDuration() is the largest value (about 292 years) and -Infinite
// the smallest: arithmetic saturates there, and an infinite operand gives
// an infinite result. Default-constructed: zero.
class Duration {
 public:
  constexpr Duration() = default;

  // FromNanoseconds: `ns` nanoseconds; INT64_MAX / INT64_MIN are the
  // infinities.
  static constexpr Duration FromNanoseconds(int64_t ns) { return Duration(ns); }
  // nanoseconds: the count; INT64_MAX for InfiniteDuration().
  constexpr int64_t nanoseconds() const { return ns_; }
  constexpr bool infinite() const {
    return ns_ == std::numeric_limits<int64_t>::max() ||
           ns_ == std::numeric_limits<int64_t>::min();
  }

  Duration& operator+=(Duration d) {
    if (infinite()) return *this;
    if (d.infinite() || __builtin_add_overflow(ns_, d.ns_, &ns_)) {
      ns_ = d.ns_ < 0 ? std::numeric_limits<int64_t>::min()
                      : std::numeric_limits<int64_t>::max();
    }
    return *this;
  }
  Duration& operator-=(Duration d) { return *this += -d; }
  constexpr Duration operator-() const {
    return Duration(ns_ == std::numeric_limits<int64_t>::max()
                        ? std::numeric_limits<int64_t>::min()
                    : ns_ == std::numeric_limits<int64_t>::min()
                        ? std::numeric_limits<int64_t>::max()
                        : -ns_);
  }

  friend Duration operator+(Duration a, Duration b) { return a += b; }
  friend Duration operator-(Duration a, Duration b) { return a -= b; }
  friend constexpr bool operator==(Duration a, Duration b) {
    return a.ns_ == b.ns_;
  }
  friend constexpr bool operator!=(Duration a, Duration b) {
    return a.ns_ != b.ns_;
  }
  friend constexpr bool operator<(Duration a, Duration b) {
    return a.ns_ < b.ns_;
  }
  friend constexpr bool operator<=(Duration a, Duration b) {
    return a.ns_ <= b.ns_;
  }
  friend constexpr bool operator>(Duration a, Duration b) {
    return a.ns_ > b.ns_;
  }
  friend constexpr bool operator>=(Duration a, Duration b) {
    return a.ns_ >= b.ns_;
  }

 private:
  explicit constexpr Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

constexpr Duration ZeroDuration() { return Duration(); }
constexpr Duration InfiniteDuration() {
  return Duration::FromNanoseconds(std::numeric_limits<int64_t>::max());
}

namespace duration_internal {
constexpr Duration Multiple(int64_t n, int64_t unit_ns) {
  return n > std::numeric_limits<int64_t>::max() / unit_ns ? InfiniteDuration()
         : n < std::numeric_limits<int64_t>::min() / unit_ns
             ? -InfiniteDuration()
             : Duration::FromNanoseconds(n * unit_ns);
}
}  // namespace duration_internal

// Nanoseconds(n) ... Hours(n): n units, saturating at the infinities.
constexpr Duration Nanoseconds(int64_t n) {
  return Duration::FromNanoseconds(n);
}
constexpr Duration Microseconds(int64_t n) {
  return duration_internal::Multiple(n, 1000);
}
constexpr Duration Milliseconds(int64_t n) {
  return duration_internal::Multiple(n, 1000 * 1000);
}
constexpr Duration Seconds(int64_t n) {
  return duration_internal::Multiple(n, 1000 * 1000 * 1000);
}
constexpr Duration Minutes(int64_t n) {
  return duration_internal::Multiple(n, int64_t{60} * 1000 * 1000 * 1000);
}
constexpr Duration Hours(int64_t n) {
  return duration_internal::Multiple(n, int64_t{3600} * 1000 * 1000 * 1000);
}

// ToInt64Nanoseconds ... ToInt64Seconds: whole units, truncated toward
// zero; the infinities give INT64_MAX / INT64_MIN.
constexpr int64_t ToInt64Nanoseconds(Duration d) { return d.nanoseconds(); }
constexpr int64_t ToInt64Milliseconds(Duration d) {
  return d.infinite() ? d.nanoseconds() : d.nanoseconds() / (1000 * 1000);
}
constexpr int64_t ToInt64Seconds(Duration d) {
  return d.infinite() ? d.nanoseconds()
                      : d.nanoseconds() / (1000 * 1000 * 1000);
}

// Scale: `d` times `factor` (finite, >= 0), rounded to the nearest
// nanosecond, saturating at InfiniteDuration(). Infinite `d` stays infinite.
Duration Scale(Duration d, double factor);

// ToTimespec: `d` as a timespec (tv_nsec in [0, 1e9)); the infinities give
// the largest / smallest representable timespec.
timespec ToTimespec(Duration d);

// MonotonicNow: CLOCK_MONOTONIC now, as the Duration since that clock's
// epoch (the boot). Instants of faultinit's timers, uptimes and deadlines
// are such values; they are comparable only within one boot.
Duration MonotonicNow();

// ParseTimeSpan accepts one or more "NUMBER[UNIT]" terms, optionally
// separated by spaces, that add up; a bare number is seconds. NUMBER may
// have a fractional part ("1.5s"; rounded to the nearest nanosecond). Units:
// us/usec, ms/msec, s/sec/second(s), m/min/minute(s), h/hr/hour(s),
// d/day(s). "infinity" is InfiniteDuration(), and so is a sum too large
// for a Duration (about 292 years).
// Errors: kInvalidArgument quoting the text and listing the accepted forms.
StatusOr<Duration> ParseTimeSpan(absl::string_view text);

// FormatTimeSpan writes a duration the way ParseTimeSpan reads it:
// "1min 30s", "500ms", "0", "infinity" (sub-microsecond parts are dropped).
std::string FormatTimeSpan(Duration d);

}  // namespace fault

#endif  // FAULT_RUNTIME_DURATION_H_
