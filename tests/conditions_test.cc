// Condition*=, Assert*= and ExecCondition= in the real faultinit (system
// mode, PID 1 of a fresh PID namespace), observed through its log and
// the real faultctl: a failed condition skips its unit (inactive, not
// failed), what Requires= it still runs, `faultctl status` says which
// condition failed, and a later start checks again; ExecCondition= exit 1
// skips and 255 fails; a failed assert fails the start.

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using Conditions = ControlledUnitTest;

// A failed condition skips the unit; a unit that Requires= it starts all
// the same; status names the condition; a later start checks again.
TEST_F(Conditions, FailedConditionSkipsAndDependentRuns) {
  const std::string flag = base_ + "/flag";
  Unit("opt", absl::StrCat("[Unit]\nConditionPathExists=", flag,
                           "\n[Service]\n"
                           "ExecStart=/bin/sh -c 'echo opt up; exec sleep "
                           "1000'\n"));
  Unit("app",
       "[Unit]\nRequires=opt\nAfter=opt\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo app up; exec sleep 1000'\n");
  Start({absl::StrCat("opt: skipped: condition failed: ConditionPathExists=",
                      flag),
         "[app] app up", "app: running"});
  EXPECT_EQ(running_->err().find("[opt] opt up"), std::string::npos);
  CtlResult status = Ctl({"status", "opt"});
  EXPECT_EQ(status.status, "exit 3") << status.out;  // not running
  EXPECT_NE(status.out.find("inactive"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find(
                absl::StrCat("condition failed: ConditionPathExists=", flag)),
            std::string::npos)
      << status.out;
  // Skipped is not failed: start answers like systemctl, exit 0.
  EXPECT_EQ(Ctl({"start", "opt"}).status, "exit 0");
  ASSERT_TRUE(WriteFile(flag, "on\n"));
  CtlResult start = Ctl({"start", "opt"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  EXPECT_NE(start.out.find("opt: running"), std::string::npos) << start.out;
  ASSERT_TRUE(running_->WaitForStderr("[opt] opt up"));
  status = Ctl({"status", "opt"});
  EXPECT_EQ(status.out.find("condition failed"), std::string::npos)
      << status.out;
}

// "|": one triggering condition that holds is enough; "!" negates.
TEST_F(Conditions, TriggeringAndNegatedConditions) {
  Unit("either", absl::StrCat("[Unit]\nConditionPathExists=|/nonexistent\n"
                              "ConditionPathIsDirectory=|",
                              base_,
                              "\nConditionPathExists=!/nonexistent\n"
                              "[Service]\nExecStart=/bin/sh -c 'echo either "
                              "up; exec sleep 1000'\n"));
  Unit("neither",
       "[Unit]\nConditionPathExists=|/nonexistent\n"
       "ConditionPathExists=|/nonexistent2\n"
       "[Service]\nExecStart=/bin/sleep 1000\n");
  Start({"[either] either up",
         "neither: skipped: condition failed: none of "
         "ConditionPathExists=|/nonexistent, "
         "ConditionPathExists=|/nonexistent2"});
}

// ExecCondition=: exit 0 goes on to ExecStartPre=; 1 to 254 skip the unit
// (and what Requires= it still runs); 255 fails it.
TEST_F(Conditions, ExecCondition) {
  Unit("go",
       "[Service]\nExecCondition=/bin/sh -c 'echo checked; exit 0'\n"
       "ExecStartPre=/bin/sh -c 'echo pre'\n"
       "ExecStart=/bin/sh -c 'echo go up; exec sleep 1000'\n");
  Unit("skip",
       "[Service]\nExecCondition=/bin/sh -c 'exit 1'\n"
       "ExecStart=/bin/sh -c 'echo skip up; exec sleep 1000'\n");
  Unit("after-skip",
       "[Unit]\nRequires=skip\nAfter=skip\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo after-skip up; exec sleep 1000'\n");
  Unit("broken",
       "[Service]\nExecCondition=/bin/sh -c 'exit 255'\n"
       "ExecStart=/bin/sh -c 'echo broken up; exec sleep 1000'\n");
  Unit("ignored",
       "[Service]\nExecCondition=-/bin/sh -c 'exit 255'\n"
       "ExecStart=/bin/sh -c 'echo ignored up; exec sleep 1000'\n");
  Start({"[go] checked", "[go] pre", "[go] go up",
         "skip: skipped: condition failed: ExecCondition= ended with exit 1",
         "[after-skip] after-skip up",
         "broken: failed: ExecCondition= ended with exit 255",
         "[ignored] ignored up"});
  const std::string& err = running_->err();
  EXPECT_LT(err.find("[go] checked"), err.find("[go] pre"));
  EXPECT_EQ(err.find("[skip] skip up"), std::string::npos);
  EXPECT_EQ(err.find("[broken] broken up"), std::string::npos);
  CtlResult status = Ctl({"status", "skip", "broken"});
  EXPECT_NE(status.out.find("condition failed: ExecCondition= ended with "
                            "exit 1"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("failed"), std::string::npos) << status.out;
}

// A failed assert fails the start (and what Requires= it), with the
// assert in the reason.
TEST_F(Conditions, FailedAssertFails) {
  Unit("asserted",
       "[Unit]\nAssertPathExists=/nonexistent/initrd-release\n"
       "[Service]\nExecStart=/bin/sh -c 'echo asserted up; exec sleep "
       "1000'\n");
  Unit("needs",
       "[Unit]\nRequires=asserted\nAfter=asserted\n[Service]\n"
       "ExecStart=/bin/sleep 1000\n");
  Start(
      {"asserted: failed: assertion failed: "
       "AssertPathExists=/nonexistent/initrd-release",
       "needs: failed: required unit asserted failed"});
  EXPECT_EQ(running_->err().find("[asserted] asserted up"), std::string::npos);
  // The STATUS column says which assert failed, as for a condition.
  CtlResult status = Ctl({"status", "asserted"});
  EXPECT_NE(status.out.find("assertion failed: "
                            "AssertPathExists=/nonexistent/initrd-release"),
            std::string::npos)
      << status.out;
  CtlResult start = Ctl({"start", "asserted"});
  EXPECT_EQ(start.status, "exit 1") << start.out;
  EXPECT_NE(start.out.find("asserted: failed: assertion failed: "
                           "AssertPathExists=/nonexistent/initrd-release"),
            std::string::npos)
      << start.out;
}

}  // namespace
}  // namespace faultinit::testing
