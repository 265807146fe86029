#include "init/system/unit_limits.h"

#include <sys/resource.h>

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "init/system/exec_command.h"
#include "runtime/duration.h"
#include "runtime/resource_limits.h"

namespace faultinit {
namespace {

using fault::InvalidArgumentError;
using fault::StatusOr;

enum class Form { kCount, kBytes, kSeconds, kMicroseconds, kNice };

Form FormOf(int resource) {
  switch (resource) {
    case RLIMIT_CPU:
      return Form::kSeconds;
    case RLIMIT_RTTIME:
      return Form::kMicroseconds;
    case RLIMIT_FSIZE:
    case RLIMIT_DATA:
    case RLIMIT_STACK:
    case RLIMIT_CORE:
    case RLIMIT_RSS:
    case RLIMIT_AS:
    case RLIMIT_MEMLOCK:
    case RLIMIT_MSGQUEUE:
      return Form::kBytes;
    case RLIMIT_NICE:
      return Form::kNice;
    default:
      return Form::kCount;
  }
}

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A plain count below RLIM_INFINITY.
StatusOr<rlim_t> Count(absl::string_view text) {
  uint64_t n = 0;
  if (!AllDigits(text) || !absl::SimpleAtoi(text, &n) ||
      n >= static_cast<uint64_t>(RLIM_INFINITY)) {
    return InvalidArgumentError(
        absl::StrCat("invalid limit ", QuoteText(text),
                     ": expected a number or \"infinity\""));
  }
  return static_cast<rlim_t>(n);
}

// Bytes, as systemd's parse_size(…, 1024): terms "NUMBER[.FRACTION][UNIT]"
// that add up, UNIT one of B K M G T P E.
StatusOr<rlim_t> Bytes(absl::string_view text) {
  const auto invalid = [&] {
    return InvalidArgumentError(absl::StrCat(
        "invalid size ", QuoteText(text),
        ": expected bytes with an optional K, M, G, T, P or E (base 1024), "
        "or \"infinity\""));
  };
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  if (rest.empty()) return invalid();
  long double total = 0;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && absl::ascii_isdigit(rest[digits])) ++digits;
    if (digits == 0) return invalid();
    long double value = 0;
    for (size_t i = 0; i < digits; ++i) value = value * 10 + (rest[i] - '0');
    rest.remove_prefix(digits);
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      size_t fraction = 0;
      long double scale = 0.1L;
      while (fraction < rest.size() && absl::ascii_isdigit(rest[fraction])) {
        value += (rest[fraction] - '0') * scale;
        scale /= 10;
        ++fraction;
      }
      if (fraction == 0) return invalid();
      rest.remove_prefix(fraction);
    }
    rest = absl::StripLeadingAsciiWhitespace(rest);
    long double unit = 1;
    if (!rest.empty() && !absl::ascii_isdigit(rest[0])) {
      constexpr absl::string_view kUnits = "BKMGTPE";
      const size_t at = kUnits.find(rest[0]);
      if (at == absl::string_view::npos) return invalid();
      for (size_t i = 0; i < at; ++i) unit *= 1024;
      rest.remove_prefix(1);
    }
    total += value * unit;
    rest = absl::StripLeadingAsciiWhitespace(rest);
  }
  if (total >= static_cast<long double>(RLIM_INFINITY)) {
    return InvalidArgumentError(
        absl::StrCat("size ", QuoteText(text), " is out of range"));
  }
  return static_cast<rlim_t>(total);
}

// A time span: kSeconds rounds up to whole seconds (a bare number is
// seconds), kMicroseconds is in µs (a bare number is µs).
StatusOr<rlim_t> Time(absl::string_view text, Form form) {
  if (form == Form::kMicroseconds && AllDigits(text)) return Count(text);
  StatusOr<fault::Duration> parsed = fault::ParseTimeSpan(text);
  if (!parsed.ok()) return parsed.status();
  const fault::Duration span = *parsed;
  if (span == fault::InfiniteDuration()) return RLIM_INFINITY;
  const int64_t ns = span.nanoseconds();
  if (form == Form::kSeconds) {
    return static_cast<rlim_t>((ns + 999999999) / 1000000000);
  }
  return static_cast<rlim_t>(ns / 1000);
}

// LimitNICE=: "+N" is nice N (0 to 19), "-N" nice -N (0 to 20), a bare
// number the raw limit (0 to 40); the kernel's limit is 20 - nice.
StatusOr<rlim_t> Nice(absl::string_view text) {
  const auto invalid = [&] {
    return InvalidArgumentError(absl::StrCat(
        "invalid nice limit ", QuoteText(text),
        ": expected a nice level \"+N\" (0 to 19) or \"-N\" (0 to 20), or "
        "a raw limit from 0 to 40"));
  };
  const char sign = text.empty() ? '\0' : text[0];
  absl::string_view digits = text;
  if (sign == '+' || sign == '-') digits.remove_prefix(1);
  uint64_t n = 0;
  if (!AllDigits(digits) || !absl::SimpleAtoi(digits, &n)) return invalid();
  if (sign == '+') {
    if (n > 19) return invalid();
    return static_cast<rlim_t>(20 - n);
  }
  if (sign == '-') {
    if (n > 20) return invalid();
    return static_cast<rlim_t>(20 + n);
  }
  if (n > 40) return invalid();
  return static_cast<rlim_t>(n);
}

StatusOr<rlim_t> One(int resource, absl::string_view text) {
  const Form form = FormOf(resource);
  if (text == "infinity" && form != Form::kNice) return RLIM_INFINITY;
  switch (form) {
    case Form::kCount:
      return Count(text);
    case Form::kBytes:
      return Bytes(text);
    case Form::kSeconds:
    case Form::kMicroseconds:
      return Time(text, form);
    case Form::kNice:
      return Nice(text);
  }
  return Count(text);
}

std::string Shown(rlim_t value) {
  return value == RLIM_INFINITY ? std::string("infinity") : absl::StrCat(value);
}

template <int kResource>
fault::Status Apply(UnitKeyContext& context, absl::string_view key,
                    absl::string_view value) {
  if (value.empty()) {
    context.unit.limits.Clear(kResource);
    return fault::OkStatus();
  }
  StatusOr<struct rlimit> limit = ParseResourceLimit(kResource, value);
  if (!limit.ok()) {
    return InvalidArgumentError(
        absl::StrCat(key, ": ", limit.status().message()));
  }
  context.unit.limits.Set(kResource, limit->rlim_cur, limit->rlim_max);
  return fault::OkStatus();
}

constexpr UnitKey kKeys[] = {
    {UnitSection::kService, "LimitCPU", &Apply<RLIMIT_CPU>},
    {UnitSection::kService, "LimitFSIZE", &Apply<RLIMIT_FSIZE>},
    {UnitSection::kService, "LimitDATA", &Apply<RLIMIT_DATA>},
    {UnitSection::kService, "LimitSTACK", &Apply<RLIMIT_STACK>},
    {UnitSection::kService, "LimitCORE", &Apply<RLIMIT_CORE>},
    {UnitSection::kService, "LimitRSS", &Apply<RLIMIT_RSS>},
    {UnitSection::kService, "LimitNOFILE", &Apply<RLIMIT_NOFILE>},
    {UnitSection::kService, "LimitAS", &Apply<RLIMIT_AS>},
    {UnitSection::kService, "LimitNPROC", &Apply<RLIMIT_NPROC>},
    {UnitSection::kService, "LimitMEMLOCK", &Apply<RLIMIT_MEMLOCK>},
    {UnitSection::kService, "LimitLOCKS", &Apply<RLIMIT_LOCKS>},
    {UnitSection::kService, "LimitSIGPENDING", &Apply<RLIMIT_SIGPENDING>},
    {UnitSection::kService, "LimitMSGQUEUE", &Apply<RLIMIT_MSGQUEUE>},
    {UnitSection::kService, "LimitNICE", &Apply<RLIMIT_NICE>},
    {UnitSection::kService, "LimitRTPRIO", &Apply<RLIMIT_RTPRIO>},
    {UnitSection::kService, "LimitRTTIME", &Apply<RLIMIT_RTTIME>},
};

}  // namespace

const UnitKeyTable kLimitKeys(kKeys);

fault::StatusOr<struct rlimit> ParseResourceLimit(int resource,
                                                  absl::string_view value) {
  const size_t colon = value.find(':');
  absl::string_view soft_text = value.substr(0, colon);
  FAULT_ASSIGN_OR_RETURN(rlim_t soft, One(resource, soft_text));
  rlim_t hard = soft;
  if (colon != absl::string_view::npos) {
    absl::string_view hard_text = value.substr(colon + 1);
    if (hard_text.find(':') != absl::string_view::npos) {
      return InvalidArgumentError(absl::StrCat(
          "invalid limit ", QuoteText(value), ": expected VALUE or SOFT:HARD"));
    }
    FAULT_ASSIGN_OR_RETURN(hard, One(resource, hard_text));
    if (soft > hard) {
      return InvalidArgumentError(absl::StrCat("soft limit ", Shown(soft),
                                               " is above the hard limit ",
                                               Shown(hard)));
    }
  }
  return rlimit{soft, hard};
}

}  // namespace faultinit
