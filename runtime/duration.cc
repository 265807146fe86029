#include "runtime/duration.h"

#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fault {
namespace {

struct Unit {
  absl::string_view name;
  Duration size;
};

constexpr Unit kUnits[] = {
    {"us", Microseconds(1)}, {"usec", Microseconds(1)},
    {"ms", Milliseconds(1)}, {"msec", Milliseconds(1)},
    {"s", Seconds(1)},       {"sec", Seconds(1)},
    {"second", Seconds(1)},  {"seconds", Seconds(1)},
    {"m", Minutes(1)},       {"min", Minutes(1)},
    {"minute", Minutes(1)},  {"minutes", Minutes(1)},
    {"h", Hours(1)},         {"hr", Hours(1)},
    {"hour", Hours(1)},      {"hours", Hours(1)},
    {"d", Hours(24)},        {"day", Hours(24)},
    {"days", Hours(24)},
};

constexpr int64_t kNanosecondsPerSecond = 1000 * 1000 * 1000;

Status Invalid(absl::string_view text) {
  return InvalidArgumentError(absl::StrCat(
      "invalid duration \"", text,
      "\": expected seconds (\"5\"), a number with a unit (\"500ms\", "
      "\"5s\", \"2min\", \"1h\"), terms that add up (\"1min 30s\") or "
      "\"infinity\""));
}

}  // namespace

Duration Scale(Duration d, double factor) {
  if (d.infinite()) return d;
  const double ns = static_cast<double>(d.nanoseconds()) * factor;
  // 2^63 is the first double past INT64_MAX.
  if (ns >= 9223372036854775808.0) return InfiniteDuration();
  if (ns <= -9223372036854775808.0) return -InfiniteDuration();
  return Nanoseconds(static_cast<int64_t>(ns < 0 ? ns - 0.5 : ns + 0.5));
}

timespec ToTimespec(Duration d) {
  timespec ts;
  if (d == InfiniteDuration()) {
    ts.tv_sec = std::numeric_limits<time_t>::max();
    ts.tv_nsec = kNanosecondsPerSecond - 1;
    return ts;
  }
  if (d == -InfiniteDuration()) {
    ts.tv_sec = std::numeric_limits<time_t>::min();
    ts.tv_nsec = 0;
    return ts;
  }
  int64_t sec = d.nanoseconds() / kNanosecondsPerSecond;
  int64_t nsec = d.nanoseconds() % kNanosecondsPerSecond;
  if (nsec < 0) {
    --sec;
    nsec += kNanosecondsPerSecond;
  }
  // A 32-bit time_t (armv7) cannot hold every Duration: clamp.
  if (sec > std::numeric_limits<time_t>::max()) {
    sec = std::numeric_limits<time_t>::max();
  } else if (sec < std::numeric_limits<time_t>::min()) {
    sec = std::numeric_limits<time_t>::min();
  }
  ts.tv_sec = static_cast<time_t>(sec);
  ts.tv_nsec = static_cast<long>(nsec);
  return ts;
}

Duration MonotonicNow() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return Seconds(now.tv_sec) + Nanoseconds(now.tv_nsec);
}

StatusOr<Duration> ParseTimeSpan(absl::string_view text) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  if (rest == "infinity") return InfiniteDuration();
  if (rest.empty()) return Invalid(text);
  Duration total = ZeroDuration();
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() &&
           (absl::ascii_isdigit(static_cast<unsigned char>(rest[digits])) ||
            rest[digits] == '.')) {
      ++digits;
    }
    double number = 0;
    if (digits == 0 || !absl::SimpleAtod(rest.substr(0, digits), &number) ||
        !std::isfinite(number)) {
      return Invalid(text);
    }
    rest.remove_prefix(digits);
    size_t letters = 0;
    while (letters < rest.size() &&
           absl::ascii_isalpha(static_cast<unsigned char>(rest[letters]))) {
      ++letters;
    }
    absl::string_view unit_name = rest.substr(0, letters);
    rest = absl::StripLeadingAsciiWhitespace(rest.substr(letters));
    Duration unit = Seconds(1);
    if (!unit_name.empty()) {
      bool known = false;
      for (const Unit& u : kUnits) {
        if (u.name == unit_name) {
          unit = u.size;
          known = true;
          break;
        }
      }
      if (!known) return Invalid(text);
    }
    total += Scale(unit, number);
  }
  return total;
}

std::string FormatTimeSpan(Duration d) {
  if (d == InfiniteDuration()) return "infinity";
  if (d == ZeroDuration()) return "0";
  std::string out;
  int64_t ns = d.nanoseconds();
  auto term = [&](Duration unit, absl::string_view name) {
    const int64_t n = ns / unit.nanoseconds();
    ns %= unit.nanoseconds();
    if (n == 0) return;
    if (!out.empty()) out += ' ';
    absl::StrAppend(&out, n, name);
  };
  term(Hours(24), "d");
  term(Hours(1), "h");
  term(Minutes(1), "min");
  term(Seconds(1), "s");
  term(Milliseconds(1), "ms");
  term(Microseconds(1), "us");
  return out.empty() ? "0" : out;
}

}  // namespace fault
