#include "init/system/testing/service_lines.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace faultinit::testing {

ParsedUnit ParseServiceLines(const std::string& service_lines) {
  return ParseUnit(
      "/srv/units/web.service",
      absl::StrCat("[Service]\nExecStart=/bin/true\n", service_lines));
}

std::string ServiceLinesError(const std::string& service_lines) {
  ParsedUnit p = ParseServiceLines(service_lines);
  EXPECT_FALSE(p.ok()) << service_lines;
  return p.diagnostics.empty() ? "" : p.diagnostics.back().message;
}

}  // namespace faultinit::testing
