// SupplementaryGroups=, PassEnvironment= and UnsetEnvironment=, as
// ParseUnit reads them.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "init/system/testing/service_lines.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

using testing::ParseServiceLines;
using testing::ServiceLinesError;
using Words = std::vector<std::string>;

TEST(ExecEnvironmentKeys, ListsAddUpAndResetWhenEmpty) {
  ParsedUnit p = ParseServiceLines(
      "SupplementaryGroups=adm \"dialout\"\nSupplementaryGroups=20 adm\n"
      "PassEnvironment=TERM LANG\nUnsetEnvironment=HOME A=1\n"
      "UnsetEnvironment=\"B=two words\"\n");
  EXPECT_TRUE(p.ok());
  const ExecEnvironmentSettings& e = p.unit.exec_environment;
  EXPECT_EQ(e.supplementary_groups, (Words{"adm", "dialout", "20"}));
  EXPECT_EQ(e.pass_environment, (Words{"TERM", "LANG"}));
  EXPECT_EQ(e.unset_environment, (Words{"HOME", "A=1", "B=two words"}));
  p = ParseServiceLines(
      "SupplementaryGroups=adm\nSupplementaryGroups=\nPassEnvironment=A\n"
      "PassEnvironment=\nUnsetEnvironment=A\nUnsetEnvironment=\n");
  EXPECT_TRUE(p.ok());
  EXPECT_TRUE(p.unit.exec_environment.supplementary_groups.empty());
  EXPECT_TRUE(p.unit.exec_environment.pass_environment.empty());
  EXPECT_TRUE(p.unit.exec_environment.unset_environment.empty());
}

TEST(ExecEnvironmentKeys, BadWordsAreErrorsAndAddNothing) {
  EXPECT_EQ(ServiceLinesError("SupplementaryGroups=adm 4294967295\n"),
            "SupplementaryGroups: invalid group \"4294967295\": a number "
            "must be from 0 to 4294967294, and not 65535");
  EXPECT_EQ(ServiceLinesError("SupplementaryGroups=a:b\n"),
            "SupplementaryGroups: invalid group \"a:b\": \":\" and \"/\" are "
            "not allowed");
  EXPECT_EQ(ServiceLinesError("PassEnvironment=OK 1BAD\n"),
            "PassEnvironment: invalid variable name \"1BAD\"");
  EXPECT_EQ(ServiceLinesError("PassEnvironment=A=1\n"),
            "PassEnvironment: invalid variable name \"A=1\"");
  EXPECT_EQ(ServiceLinesError("UnsetEnvironment==x\n"),
            "UnsetEnvironment: invalid variable name or assignment \"=x\": "
            "expected NAME or NAME=VALUE");
  ParsedUnit p = ParseServiceLines("SupplementaryGroups=adm 4294967295\n");
  EXPECT_TRUE(p.unit.exec_environment.supplementary_groups.empty());
}

}  // namespace
}  // namespace faultinit
