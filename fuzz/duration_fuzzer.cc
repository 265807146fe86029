// Fuzzes the duration parser (runtime/duration.h): ParseTimeSpan, the
// syntax of --grace and of every *Sec= key, and FormatTimeSpan, which
// writes durations back in it.
//
// Properties: what FormatTimeSpan writes, ParseTimeSpan reads; below 100
// days (where every term is exact in a double) reading it back gives the
// same text again; surrounding whitespace changes nothing; an error quotes
// the text.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "runtime/duration.h"

namespace {

// Days returns the "d" term of a formatted duration ("3d 4h" -> 3), 0 when
// it has none.
long long Days(absl::string_view formatted) {
  const size_t d = formatted.find('d');
  long long days = 0;
  if (d == absl::string_view::npos ||
      !absl::SimpleAtoi(formatted.substr(0, d), &days)) {
    return 0;
  }
  return days;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = fault::ParseTimeSpan(text);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().message().find("invalid duration") !=
               absl::string_view::npos);
    return 0;
  }
  const std::string formatted = fault::FormatTimeSpan(*parsed);
  FUZZ_CHECK(!formatted.empty());
  const auto again = fault::ParseTimeSpan(formatted);
  FUZZ_CHECK(again.ok());
  if (Days(formatted) < 100) {
    FUZZ_CHECK(fault::FormatTimeSpan(*again) == formatted);
  }
  const auto padded = fault::ParseTimeSpan(absl::StrCat(" \t", text, " \n"));
  FUZZ_CHECK(padded.ok());
  FUZZ_CHECK(fault::FormatTimeSpan(*padded) == formatted);
  return 0;
}
