// Fuzzes the EnvironmentFile= parser (init/system/environment_file.h):
// ParseEnvironmentFile on a whole file.
//
// Properties: every variable parsed has a valid name; an error names the
// file and a line inside it ("PATH:LINE: ...").

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "fuzz/check.h"
#include "init/system/environment_file.h"
#include "init/system/exec_command.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr absl::string_view kPath = "/etc/default/fuzz";
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';

  const fault::StatusOr<faultinit::EnvironmentMap> env =
      faultinit::ParseEnvironmentFile(kPath, text);
  if (env.ok()) {
    for (const auto& [name, value] : *env) {
      FUZZ_CHECK(faultinit::IsValidEnvironmentName(name));
    }
    return 0;
  }
  absl::string_view message = env.status().message();
  FUZZ_CHECK(absl::ConsumePrefix(&message, kPath));
  FUZZ_CHECK(absl::ConsumePrefix(&message, ":"));
  const size_t colon = message.find(':');
  FUZZ_CHECK(colon != absl::string_view::npos);
  int line = 0;
  FUZZ_CHECK(absl::SimpleAtoi(message.substr(0, colon), &line));
  FUZZ_CHECK(line >= 1 && line <= lines);
  return 0;
}
