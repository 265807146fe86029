// Fuzzes the signal-name parser (runtime/signals.h): ParseSignal, through
// which every signal argument of faultinit goes (-r, -p, KillSignal=,
// SuccessExitStatus=), and the names it is the inverse of.
//
// Properties: a parsed signal is in 1..NSIG-1; its identifier and its
// display name ("TERM", or the number) parse back to it, and so does its
// categorized name; SignalDisplayName fits its buffer for any int (the
// first 4 input bytes).

#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "fuzz/check.h"
#include "runtime/signals.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  char buffer[12];

  if (size >= sizeof(int)) {
    int any;
    std::memcpy(&any, data, sizeof any);
    const absl::string_view shown = fault::SignalDisplayName(any, buffer);
    FUZZ_CHECK(!shown.empty() && shown.size() <= sizeof buffer);
    fault::SignalName(any);
    fault::SignalIdentifier(any);
    fault::IsFatalSignal(any);
  }

  const fault::StatusOr<int> signo = fault::ParseSignal(text);
  if (!signo.ok()) {
    FUZZ_CHECK(signo.status().message().find("unknown signal") !=
               absl::string_view::npos);
    return 0;
  }
  FUZZ_CHECK(*signo >= 1 && *signo < NSIG);
  const absl::string_view identifier = fault::SignalIdentifier(*signo);
  if (!identifier.empty()) {
    FUZZ_CHECK(fault::ParseSignal(identifier).ok());
    FUZZ_CHECK(*fault::ParseSignal(identifier) == *signo);
  }
  const std::string shown(fault::SignalDisplayName(*signo, buffer));
  FUZZ_CHECK(fault::ParseSignal(shown).ok());
  FUZZ_CHECK(*fault::ParseSignal(shown) == *signo);
  const absl::string_view name = fault::SignalName(*signo);
  if (!name.empty()) {
    FUZZ_CHECK(fault::LookupSignalCode(name) == *signo);
  }
  return 0;
}
