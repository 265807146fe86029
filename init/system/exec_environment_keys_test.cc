// SupplementaryGroups=, PassEnvironment= and UnsetEnvironment=, as
// ParseUnit reads them.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

using Words = std::vector<std::string>;

ParsedUnit Parse(const std::string& service_lines) {
  return ParseUnit(
      "/srv/units/web.service",
      absl::StrCat("[Service]\nExecStart=/bin/true\n", service_lines));
}

std::string Error(const std::string& service_lines) {
  ParsedUnit p = Parse(service_lines);
  EXPECT_FALSE(p.ok()) << service_lines;
  return p.diagnostics.empty() ? "" : p.diagnostics.back().message;
}

TEST(ExecEnvironmentKeys, ListsAddUpAndResetWhenEmpty) {
  ParsedUnit p = Parse(
      "SupplementaryGroups=adm \"dialout\"\nSupplementaryGroups=20 adm\n"
      "PassEnvironment=TERM LANG\nUnsetEnvironment=HOME A=1\n"
      "UnsetEnvironment=\"B=two words\"\n");
  EXPECT_TRUE(p.ok());
  const ExecEnvironmentSettings& e = p.unit.exec_environment;
  EXPECT_EQ(e.supplementary_groups, (Words{"adm", "dialout", "20"}));
  EXPECT_EQ(e.pass_environment, (Words{"TERM", "LANG"}));
  EXPECT_EQ(e.unset_environment, (Words{"HOME", "A=1", "B=two words"}));
  p = Parse(
      "SupplementaryGroups=adm\nSupplementaryGroups=\nPassEnvironment=A\n"
      "PassEnvironment=\nUnsetEnvironment=A\nUnsetEnvironment=\n");
  EXPECT_TRUE(p.ok());
  EXPECT_TRUE(p.unit.exec_environment.supplementary_groups.empty());
  EXPECT_TRUE(p.unit.exec_environment.pass_environment.empty());
  EXPECT_TRUE(p.unit.exec_environment.unset_environment.empty());
}

TEST(ExecEnvironmentKeys, BadWordsAreErrorsAndAddNothing) {
  EXPECT_EQ(Error("SupplementaryGroups=adm 4294967295\n"),
            "SupplementaryGroups: invalid group \"4294967295\": a number "
            "must be from 0 to 4294967294, and not 65535");
  EXPECT_EQ(Error("SupplementaryGroups=a:b\n"),
            "SupplementaryGroups: invalid group \"a:b\": \":\" and \"/\" are "
            "not allowed");
  EXPECT_EQ(Error("PassEnvironment=OK 1BAD\n"),
            "PassEnvironment: invalid variable name \"1BAD\"");
  EXPECT_EQ(Error("PassEnvironment=A=1\n"),
            "PassEnvironment: invalid variable name \"A=1\"");
  EXPECT_EQ(Error("UnsetEnvironment==x\n"),
            "UnsetEnvironment: invalid variable name or assignment \"=x\": "
            "expected NAME or NAME=VALUE");
  ParsedUnit p = Parse("SupplementaryGroups=adm 4294967295\n");
  EXPECT_TRUE(p.unit.exec_environment.supplementary_groups.empty());
}

}  // namespace
}  // namespace faultinit
