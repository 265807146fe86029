// Fuzzes the [Install] parser (init/system/unit_install.h):
// ParseInstallSection on a whole unit file, for a plain unit and a
// template.
//
// Properties: it never fails (problems are warnings); each warning is one
// line naming a line inside the text ("line N: ..."); every name kept is
// a valid unit name, each list without duplicates, every Alias= of the
// unit's type; a DefaultInstance= only for the template.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "fuzz/check.h"
#include "init/system/unit_install.h"
#include "init/system/unit_search_path.h"

namespace {

void CheckList(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    FUZZ_CHECK(!faultinit::UnitTypeOf(names[i]).empty());
    FUZZ_CHECK(std::count(names.begin(), names.end(), names[i]) == 1);
  }
}

void Check(absl::string_view text, absl::string_view name) {
  int lines = 1;
  for (char c : text) lines += c == '\n';
  std::vector<std::string> warnings;
  fault::StatusOr<faultinit::InstallSection> s =
      faultinit::ParseInstallSection(text, name, &warnings);
  FUZZ_CHECK(s.ok());
  for (const std::string& w : warnings) {
    FUZZ_CHECK(w.find('\n') == std::string::npos);
    absl::string_view rest = w;
    FUZZ_CHECK(absl::ConsumePrefix(&rest, "line "));
    const size_t colon = rest.find(':');
    FUZZ_CHECK(colon != absl::string_view::npos);
    int line = 0;
    FUZZ_CHECK(absl::SimpleAtoi(rest.substr(0, colon), &line));
    FUZZ_CHECK(line >= 1 && line <= lines);
  }
  CheckList(s->wanted_by);
  CheckList(s->required_by);
  CheckList(s->upheld_by);
  CheckList(s->also);
  CheckList(s->alias);
  for (const std::string& alias : s->alias) {
    FUZZ_CHECK(faultinit::UnitTypeOf(alias) == faultinit::UnitTypeOf(name));
  }
  if (!absl::StrContains(name, "@.")) {
    FUZZ_CHECK(s->default_instance.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  Check(text, "web.service");
  Check(text, "getty@.service");
  return 0;
}
