#include "init/system/unit_key_values.h"

#include <cstdint>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "init/system/exec_command.h"
#include "init/system/unit_conditions.h"

namespace faultinit {

using fault::OkStatus;
using fault::Status;

Status KeyError(absl::string_view key, absl::string_view message) {
  return fault::InvalidArgumentError(absl::StrCat(key, ": ", message));
}

Status ParseBooleanKey(absl::string_view key, absl::string_view value,
                       bool fallback, bool* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  std::optional<bool> b = ParseConditionBoolean(value);
  if (!b) {
    return KeyError(key, absl::StrCat("invalid boolean ", QuoteText(value)));
  }
  *out = *b;
  return OkStatus();
}

Status ParseModeKey(absl::string_view key, absl::string_view value,
                    mode_t fallback, absl::string_view example, mode_t* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  unsigned mode = 0;
  bool octal = value.size() <= 5;
  for (char c : value) {
    octal = octal && c >= '0' && c <= '7';
    mode = mode * 8 + static_cast<unsigned>(c - '0');
  }
  if (!octal || mode > 07777) {
    return KeyError(key, absl::StrCat("invalid mode ", QuoteText(value),
                                      ": expected an octal number from 0 to "
                                      "07777, such as ",
                                      example));
  }
  *out = static_cast<mode_t>(mode);
  return OkStatus();
}

Status ParseDurationKey(absl::string_view key, absl::string_view value,
                        fault::Duration fallback, bool zero_is_infinity,
                        fault::Duration* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  fault::StatusOr<fault::Duration> d = fault::ParseTimeSpan(value);
  if (!d.ok()) {
    return KeyError(key, d.status().message());
  }
  *out = zero_is_infinity && *d == fault::ZeroDuration()
             ? fault::InfiniteDuration()
             : *d;
  return OkStatus();
}

Status ParseUnsignedKey(absl::string_view key, absl::string_view value,
                        unsigned fallback, unsigned* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  uint32_t number = 0;
  bool digits = true;
  for (char c : value) digits = digits && absl::ascii_isdigit(c);
  if (!digits || !absl::SimpleAtoi(value, &number)) {
    return KeyError(
        key, absl::StrCat("invalid number ", QuoteText(value),
                          ": expected a whole number from 0 to ", UINT32_MAX));
  }
  *out = number;
  return OkStatus();
}

}  // namespace faultinit
