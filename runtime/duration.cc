#include "runtime/duration.h"

#include <cmath>
#include <limits>
#include <optional>

#include "absl/strings/ascii.h"
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

// DecimalUnits: `number` — decimal digits with at most one point ("12",
// "1.5", ".25", "3.") — units of `unit` (positive, at most a day), read
// as systemd reads a time span's number: in integers, each fraction digit
// worth a tenth of the one before it (so a digit worth less than a
// nanosecond adds nothing), saturating at infinity; nullopt when `number`
// is not such a number.
std::optional<Duration> DecimalUnits(absl::string_view number, Duration unit) {
  const size_t point = number.find('.');
  const absl::string_view whole = number.substr(0, point);
  const absl::string_view fraction = point == absl::string_view::npos
                                         ? absl::string_view()
                                         : number.substr(point + 1);
  if (whole.empty() && fraction.empty()) return std::nullopt;
  if (fraction.find('.') != absl::string_view::npos) return std::nullopt;
  const int64_t per = unit.nanoseconds();
  const int64_t max = std::numeric_limits<int64_t>::max();
  int64_t units = 0;
  for (char c : whole) {
    const int digit = c - '0';
    if (units > (max - digit) / 10) return InfiniteDuration();
    units = units * 10 + digit;
  }
  if (units > max / per) return InfiniteDuration();
  int64_t part = 0;  // at most `per`
  int64_t worth = per / 10;
  for (size_t i = 0; i < fraction.size() && worth > 0; ++i, worth /= 10) {
    part += worth * (fraction[i] - '0');
  }
  if (units * per > max - part) return InfiniteDuration();
  return Nanoseconds(units * per + part);
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
    const absl::string_view number = rest.substr(0, digits);
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
    std::optional<Duration> term = DecimalUnits(number, unit);
    if (!term.has_value()) return Invalid(text);
    total += *term;
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
