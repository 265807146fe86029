#include "runtime/duration.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fault {
namespace {

struct Unit {
  absl::string_view name;
  absl::Duration size;
};

const Unit kUnits[] = {
    {"us", absl::Microseconds(1)}, {"usec", absl::Microseconds(1)},
    {"ms", absl::Milliseconds(1)}, {"msec", absl::Milliseconds(1)},
    {"s", absl::Seconds(1)},       {"sec", absl::Seconds(1)},
    {"second", absl::Seconds(1)},  {"seconds", absl::Seconds(1)},
    {"m", absl::Minutes(1)},       {"min", absl::Minutes(1)},
    {"minute", absl::Minutes(1)},  {"minutes", absl::Minutes(1)},
    {"h", absl::Hours(1)},         {"hr", absl::Hours(1)},
    {"hour", absl::Hours(1)},      {"hours", absl::Hours(1)},
    {"d", absl::Hours(24)},        {"day", absl::Hours(24)},
    {"days", absl::Hours(24)},
};

Status Invalid(absl::string_view text) {
  return InvalidArgumentError(absl::StrCat(
      "invalid duration \"", text,
      "\": expected seconds (\"5\"), a number with a unit (\"500ms\", "
      "\"5s\", \"2min\", \"1h\"), terms that add up (\"1min 30s\") or "
      "\"infinity\""));
}

}  // namespace

StatusOr<absl::Duration> ParseTimeSpan(absl::string_view text) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  if (rest == "infinity") return absl::InfiniteDuration();
  if (rest.empty()) return Invalid(text);
  absl::Duration total = absl::ZeroDuration();
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
    absl::Duration unit = absl::Seconds(1);
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
    total += number * unit;
  }
  return total;
}

std::string FormatTimeSpan(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return "infinity";
  if (d == absl::ZeroDuration()) return "0";
  std::string out;
  auto term = [&](absl::Duration unit, absl::string_view name) {
    int64_t n = absl::IDivDuration(d, unit, &d);
    if (n == 0) return;
    if (!out.empty()) out += ' ';
    absl::StrAppend(&out, n, name);
  };
  term(absl::Hours(24), "d");
  term(absl::Hours(1), "h");
  term(absl::Minutes(1), "min");
  term(absl::Seconds(1), "s");
  term(absl::Milliseconds(1), "ms");
  term(absl::Microseconds(1), "us");
  return out.empty() ? "0" : out;
}

}  // namespace fault
