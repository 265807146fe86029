// The [Unit] keys about jobs across units (unit_job_keys.h), as ParseUnit
// reads them.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

using Names = std::vector<std::string>;

ParsedUnit Parse(const std::string& unit_lines) {
  return ParseUnit(
      "/srv/units/web.service",
      absl::StrCat("[Unit]\n", unit_lines, "[Service]\nExecStart=/bin/true\n"));
}

Names NamesOf(const std::vector<Dependency>& list) {
  Names names;
  for (const Dependency& d : list) names.push_back(d.name);
  return names;
}

std::string Last(const ParsedUnit& p) {
  return p.diagnostics.empty() ? "" : p.diagnostics.back().message;
}

TEST(UnitJobKeys, NameListsAddUpWithTheirLines) {
  ParsedUnit p = Parse(
      "BindsTo=db.service\nBindsTo=cache db\nPartOf=web-group\n"
      "Conflicts=shutdown.target\nRequisite=net\nOnFailure=rescue\n"
      "OnSuccess=next\nPropagatesReloadTo=a\nReloadPropagatedFrom=b\n"
      "BindsTo=\n");
  ASSERT_TRUE(p.ok()) << Last(p);
  const UnitJobs& j = p.unit.jobs;
  // As systemd: an empty assignment does not reset a dependency list.
  EXPECT_EQ(NamesOf(j.binds_to), (Names{"db", "cache"}));
  EXPECT_EQ(j.binds_to[1].line, 3);
  EXPECT_EQ(NamesOf(j.part_of), (Names{"web-group"}));
  EXPECT_EQ(NamesOf(j.conflicts), (Names{"shutdown.target"}));
  EXPECT_EQ(NamesOf(j.requisite), (Names{"net"}));
  EXPECT_EQ(NamesOf(j.on_failure), (Names{"rescue"}));
  EXPECT_EQ(NamesOf(j.on_success), (Names{"next"}));
  EXPECT_EQ(NamesOf(j.propagates_reload_to), (Names{"a"}));
  EXPECT_EQ(NamesOf(j.reload_propagated_from), (Names{"b"}));
  EXPECT_FALSE(j.empty());
  EXPECT_TRUE(Parse("").unit.jobs.empty());
}

TEST(UnitJobKeys, BooleansAndActions) {
  ParsedUnit p = Parse(
      "RefuseManualStart=yes\nRefuseManualStop=true\nStopWhenUnneeded=1\n"
      "SuccessAction=exit\nSuccessActionExitStatus=3\n"
      "FailureAction=reboot\nFailureActionExitStatus=255\n"
      "OnFailureJobMode=fail\n");
  ASSERT_TRUE(p.ok()) << Last(p);
  const UnitJobs& j = p.unit.jobs;
  EXPECT_TRUE(j.refuse_manual_start);
  EXPECT_TRUE(j.refuse_manual_stop);
  EXPECT_TRUE(j.stop_when_unneeded);
  EXPECT_EQ(j.success_action, UnitAction::kExit);
  EXPECT_EQ(j.success_action_exit_status, 3);
  EXPECT_EQ(j.failure_action, UnitAction::kReboot);
  EXPECT_EQ(j.failure_action_exit_status, 255);
  EXPECT_TRUE(j.on_failure_job_mode_fail);
  EXPECT_TRUE(p.diagnostics.empty()) << Last(p);
}

TEST(UnitJobKeys, WarningsForWhatDiffersFromSystemd) {
  ParsedUnit p = Parse("FailureAction=poweroff-force\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.unit.jobs.failure_action, UnitAction::kPowerOffForce);
  EXPECT_EQ(Last(p),
            "FailureAction: differs from systemd: poweroff-force is performed "
            "as poweroff: the services are stopped in order first");
  p = Parse("OnFailureJobMode=isolate\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Last(p),
            "OnFailureJobMode: differs from systemd: isolate is not "
            "supported; the OnFailure= units are started as with replace");
  p = Parse("JobTimeoutSec=5min\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.unit.jobs.job_timeout, fault::Minutes(5));
  EXPECT_EQ(Last(p),
            "JobTimeoutSec: differs from systemd: faultinit has no job "
            "timeout (systemd cancels the start or stop job when it expires "
            "and runs JobTimeoutAction=); a start is bounded by "
            "TimeoutStartSec= alone");
  p = Parse("JobRunningTimeoutSec=10s\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.unit.jobs.job_timeout, fault::InfiniteDuration());
  EXPECT_EQ(Last(p),
            "JobRunningTimeoutSec: differs from systemd: faultinit has no job "
            "timeout (systemd cancels the start or stop job when it expires "
            "and runs JobTimeoutAction=); a start is bounded by "
            "TimeoutStartSec= alone");
  p = Parse("JobTimeoutAction=reboot\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Last(p),
            "JobTimeoutAction: differs from systemd: faultinit has no job "
            "timeout, so this action never runs");
  p = Parse("JobTimeoutAction=none\n");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p.diagnostics.empty());
  EXPECT_FALSE(Parse("JobTimeoutAction=explode\n").ok());
}

TEST(UnitJobKeys, BadValuesAreErrors) {
  struct Case {
    std::string line;
    std::string error;
  };
  const Case cases[] = {
      {"BindsTo=bad/name", "BindsTo: invalid unit name \"bad/name\""},
      {"RefuseManualStart=maybe",
       "RefuseManualStart: invalid boolean \"maybe\""},
      {"SuccessAction=explode",
       "SuccessAction: invalid value \"explode\": expected none, exit, "
       "reboot, poweroff or halt, or their -force or -immediate forms"},
      {"FailureActionExitStatus=256",
       "FailureActionExitStatus: invalid exit status \"256\": expected 0 to "
       "255"},
      {"OnFailureJobMode=sometimes",
       "OnFailureJobMode: invalid value \"sometimes\": expected replace or "
       "fail"},
  };
  for (const Case& c : cases) {
    ParsedUnit p = Parse(c.line + "\n");
    EXPECT_FALSE(p.ok()) << c.line;
    EXPECT_EQ(Last(p), c.error) << c.line;
  }
}

}  // namespace
}  // namespace faultinit
