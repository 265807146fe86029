// The dependency and action keys of [Unit] in the real faultinit (system
// mode, PID 1 of a fresh PID namespace), observed through its log, its exit
// status and the real faultctl, with systemd's meaning (systemd.unit(5)),
// for what tests/dependencies_test.cc does not cover: BindsTo= pulled in
// and ordered, stops propagated along Requires=/BindsTo=/Requisite=,
// Requisite= checked when a queued start runs (at boot too), OnSuccess=,
// StopWhenUnneeded=, RefuseManualStop=, SuccessAction=/FailureAction= in
// every form with SuccessActionExitStatus=, JobTimeoutSec= (a warning), and
// names of other unit types in every dependency key (warnings).

#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

// The shared fixture: a unit directory, a control socket, faultctl.
class Jobs : public ControlledUnitTest {};

constexpr char kSleeper[] =
    "[Service]\nExecStart=/bin/sh -c 'echo up; exec sleep 1000'\n";

// BindsTo= pulls its unit in as Requires= does, ordered by After=; and
// `faultctl start` answers once the whole job is done: every unit pulled in
// is running when it answers, not starting.
TEST_F(Jobs, StartPullsInBindsToInAfterOrder) {
  const std::string marker = base_ + "/dep-started";
  // dep's ExecStartPre= takes a while; bound checks it ran first.
  Unit("dep",
       absl::StrCat("[Service]\nExecStartPre=/bin/sh -c 'sleep 0.3; "
                    "touch ",
                    marker, "'\nExecStart=/bin/sh -c 'exec sleep 1000'\n"));
  Unit("bound", absl::StrCat("[Unit]\nBindsTo=dep\nAfter=dep\n[Service]\n"
                             "ExecStart=/bin/sh -c 'test -e ",
                             marker, " && echo ordered; exec sleep 1000'\n"));
  Start({"dep: running", "[bound] ordered", "bound: running"});
  ASSERT_EQ(Ctl({"stop", "bound", "dep"}).status, "exit 0");
  ASSERT_EQ(unlink(marker.c_str()), 0);
  CtlResult start = Ctl({"start", "bound"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  EXPECT_EQ(StateOf("dep"), "running");
  EXPECT_EQ(StateOf("bound"), "running");
  ASSERT_TRUE(running_->WaitForStderr("[bound] ordered")) << running_->err();
}

// A stop of a unit stops what Requires=, BindsTo= or Requisite= it,
// transitively; what only Wants= it keeps running.
TEST_F(Jobs, StopPropagatesAlongRequiresBindsToAndRequisite) {
  Unit("base", kSleeper);
  Unit("req", absl::StrCat("[Unit]\nRequires=base\nAfter=base\n", kSleeper));
  Unit("bound", absl::StrCat("[Unit]\nBindsTo=base\nAfter=base\n", kSleeper));
  Unit("needs", absl::StrCat("[Unit]\nRequisite=base\nAfter=base\n", kSleeper));
  Unit("onreq", absl::StrCat("[Unit]\nRequires=req\nAfter=req\n", kSleeper));
  Unit("wanting", absl::StrCat("[Unit]\nWants=base\nAfter=base\n", kSleeper));
  Start({"base: running", "req: running", "bound: running", "needs: running",
         "onreq: running", "wanting: running"});
  CtlResult stop = Ctl({"stop", "base"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"req: stopping with base", "bound: stopping with base",
       "needs: stopping with base", "onreq: stopping with req"}))
      << running_->err();
  // `faultctl stop base` answers once base is down; the units stopping
  // with it are done when they say so.
  // Whole names: "req: stopped" is also the end of "onreq: stopped".
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"faultinit: req: stopped", "faultinit: bound: stopped",
       "faultinit: needs: stopped", "faultinit: onreq: stopped"}))
      << running_->err();
  for (const char* name : {"base", "req", "bound", "needs", "onreq"}) {
    EXPECT_EQ(StateOf(name), "inactive") << name;
  }
  EXPECT_EQ(StateOf("wanting"), "running");
}

// Requisite= at boot, where every unit is queued: when its queued start
// runs (after the unit it is ordered After=), a unit whose requisite is not
// active fails, as systemd's verify-active job makes it: the requisite
// failed, a condition skipped it, or it is a oneshot that finished. An
// active one lets it start.
TEST_F(Jobs, RequisiteIsCheckedAtBoot) {
  Unit("broken", "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'exit 3'\n");
  Unit("skipped", absl::StrCat("[Unit]\nConditionPathExists=", base_,
                               "/nowhere\n", kSleeper));
  Unit("finished", "[Service]\nType=oneshot\nExecStart=/bin/true\n");
  Unit("good", kSleeper);
  const auto needing = [&](const std::string& name) {
    Unit("on-" + name, absl::StrCat("[Unit]\nRequisite=", name,
                                    "\nAfter=", name, "\n", kSleeper));
  };
  for (const char* name : {"broken", "skipped", "finished", "good"}) {
    needing(name);
  }
  Start({"on-broken: failed: requisite unit broken is not active",
         "on-skipped: failed: requisite unit skipped is not active",
         "on-finished: failed: requisite unit finished is not active",
         "on-good: running"});
  for (const char* name : {"on-broken", "on-skipped", "on-finished"}) {
    EXPECT_EQ(StateOf(name), "failed") << name;
  }
  EXPECT_EQ(StateOf("on-good"), "running");
}

// OnSuccess=: a unit that ends without failing (a oneshot that exits 0)
// starts the named unit.
TEST_F(Jobs, OnSuccessStartsItsUnit) {
  const std::string armed = base_ + "/armed";
  // Both skipped at boot until `armed` exists.
  Unit("job",
       absl::StrCat("[Unit]\nOnSuccess=next\nConditionPathExists=", armed,
                    "\n[Service]\nType=oneshot\n"
                    "ExecStart=/bin/sh -c 'echo done'\n"));
  Unit("next", absl::StrCat("[Unit]\nConditionPathExists=", armed,
                            "\n[Service]\nType=oneshot\n"
                            "ExecStart=/bin/sh -c 'echo followed'\n"));
  Start({"job: skipped", "next: skipped"});
  ASSERT_TRUE(WriteFile(armed, "1\n"));
  CtlResult start = Ctl({"start", "job"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"next: started: OnSuccess= of job", "[next] followed"}))
      << running_->err();
}

// StopWhenUnneeded=: once no unit that is up needs it (Requires=, Wants=,
// BindsTo=), the unit is stopped.
TEST_F(Jobs, StopWhenUnneededStopsAnUnneededUnit) {
  Unit("helper", absl::StrCat("[Unit]\nStopWhenUnneeded=yes\n", kSleeper));
  Unit("user1",
       absl::StrCat("[Unit]\nRequires=helper\nAfter=helper\n", kSleeper));
  Unit("user2", absl::StrCat("[Unit]\nWants=helper\nAfter=helper\n", kSleeper));
  Start({"helper: running", "user1: running", "user2: running"});
  // user2 still wants it.
  ASSERT_EQ(Ctl({"stop", "user1"}).status, "exit 0");
  EXPECT_EQ(StateOf("helper"), "running");
  ASSERT_EQ(Ctl({"stop", "user2"}).status, "exit 0");
  ASSERT_TRUE(running_->WaitForStderr(
      "helper: stopping: no longer needed (StopWhenUnneeded=)"))
      << running_->err();
  ASSERT_TRUE(running_->WaitForStderr("helper: stopped")) << running_->err();
}

// RefuseManualStop=: faultctl stop (and restart) is refused with
// systemctl's message; a stop of a unit it Requires= still stops it.
TEST_F(Jobs, RefuseManualStop) {
  Unit("base", kSleeper);
  Unit("guarded", absl::StrCat("[Unit]\nRefuseManualStop=yes\nRequires=base\n"
                               "After=base\n",
                               kSleeper));
  Start({"base: running", "guarded: running"});
  for (const char* verb : {"stop", "restart"}) {
    CtlResult refused = Ctl({verb, "guarded"});
    EXPECT_NE(refused.status, "exit 0") << verb << ": " << refused.out;
    EXPECT_NE(refused.out.find("Operation refused, unit guarded may be "
                               "requested by dependency only"),
              std::string::npos)
        << verb << ": " << refused.out;
  }
  EXPECT_EQ(StateOf("guarded"), "running");
  ASSERT_EQ(Ctl({"stop", "base"}).status, "exit 0");
  ASSERT_TRUE(running_->WaitForStderr("guarded: stopped")) << running_->err();
}

// SuccessAction=exit with SuccessActionExitStatus=: faultinit stops the
// services in order and exits with that status.
TEST_F(Jobs, SuccessActionExitWithItsStatus) {
  Unit("other", kSleeper);
  Unit("done",
       "[Unit]\nSuccessAction=exit\nSuccessActionExitStatus=7\n[Service]\n"
       "Type=oneshot\nExecStart=/bin/true\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("done: succeeded: SuccessAction=exit"))
      << r.err();
  ASSERT_TRUE(r.WaitForStderr("shutting down")) << r.err();
  EXPECT_EQ(r.Wait().ToString(), "exit 7") << r.err();
  At(r.err(), "other: stopped");
}

// SuccessAction=exit-force with no SuccessActionExitStatus=: the main
// process's exit code (a success by SuccessExitStatus=) is the status.
TEST_F(Jobs, SuccessActionExitForcePassesTheMainStatus) {
  Unit("done",
       "[Unit]\nSuccessAction=exit-force\n[Service]\nType=oneshot\n"
       "SuccessExitStatus=3\nExecStart=/bin/sh -c 'exit 3'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("done: succeeded: SuccessAction=exit-force"))
      << r.err();
  EXPECT_EQ(r.Wait().ToString(), "exit 3") << r.err();
}

// FailureAction=none (said explicitly): the failure changes nothing else.
// Its OnFailure= unit is started in the pass an action would fire in, and
// the shutdown would be logged before faultctl's next answer: a stop of
// `other` answered and logged after that shows none began.
TEST_F(Jobs, FailureActionNoneDoesNothing) {
  Unit("other", kSleeper);
  Unit("fails",
       "[Unit]\nFailureAction=none\nOnFailure=after\n[Service]\n"
       "Type=oneshot\nExecStart=/bin/sh -c 'exit 4'\n");
  Unit("after", "[Service]\nType=oneshot\nExecStart=/bin/true\n");
  Start({"fails: failed", "after: started: OnFailure= of fails",
         "other: running"});
  ASSERT_EQ(Ctl({"stop", "other"}).status, "exit 0");
  ASSERT_TRUE(running_->WaitForStderr("other: stopped")) << running_->err();
  EXPECT_EQ(running_->err().find("shutting down"), std::string::npos)
      << running_->err();
  EXPECT_EQ(StateOf("fails"), "failed");
}

// Every power action, plain or -force/-immediate, as SuccessAction= or
// FailureAction=: faultinit logs it, stops the services in order and, as
// PID 1 of a PID namespace (a container's init), ends with status 0 after
// a power-off or halt; a reboot it passes to the parent as systemd does,
// with reboot(2), which the kernel turns into this init killed by SIGHUP
// (the test runs with CAP_SYS_BOOT; docs/control.md).
struct PowerCase {
  const char* key;     // "FailureAction"
  const char* action;  // "reboot-force"
  const char* power;   // what the shutdown line says: "reboot"
};
class PowerActions : public Jobs,
                     public ::testing::WithParamInterface<PowerCase> {
 protected:
  void SetUp() override {
    Jobs::SetUp();
    if (IsSkipped()) return;
    // A parameterized test's name ("ShutDownTheNamespace/...") holds a
    // '/': UnitDirectoryTest made no directory for it.
    ASSERT_EQ(system(("mkdir -p " + dir_).c_str()), 0);
  }
};

TEST_P(PowerActions, ShutDownTheNamespace) {
  const PowerCase& c = GetParam();
  const bool success = absl::string_view(c.key) == "SuccessAction";
  Unit("other", kSleeper);
  Unit("trigger", absl::StrCat("[Unit]\n", c.key, "=", c.action,
                               "\n[Service]\nType=oneshot\n"
                               "ExecStart=/bin/sh -c 'exit ",
                               success ? 0 : 9, "'\n"));
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr(
      absl::StrCat("trigger: ", success ? "succeeded" : "failed", ": ", c.key,
                   "=", c.action)))
      << r.err();
  ASSERT_TRUE(r.WaitForStderr(absl::StrCat("shutting down to ", c.power)))
      << r.err();
  const bool reboot = absl::string_view(c.power) == "reboot";
  EXPECT_EQ(r.Wait().ToString(), reboot ? "signal HUP" : "exit 0") << r.err();
  At(r.err(), "other: stopped");
}

INSTANTIATE_TEST_SUITE_P(
    EveryForm, PowerActions,
    ::testing::Values(PowerCase{"FailureAction", "reboot", "reboot"},
                      PowerCase{"FailureAction", "reboot-force", "reboot"},
                      PowerCase{"FailureAction", "reboot-immediate", "reboot"},
                      PowerCase{"FailureAction", "poweroff", "power off"},
                      PowerCase{"SuccessAction", "poweroff-force", "power off"},
                      PowerCase{"FailureAction", "poweroff-immediate",
                                "power off"},
                      PowerCase{"SuccessAction", "halt", "halt"},
                      PowerCase{"FailureAction", "halt-force", "halt"},
                      PowerCase{"FailureAction", "halt-immediate", "halt"}),
    [](const ::testing::TestParamInfo<PowerCase>& info) {
      std::string name = absl::StrCat(info.param.key, "_", info.param.action);
      for (char& ch : name) {
        if (ch == '-') ch = '_';
      }
      return name;
    });

// JobTimeoutSec=, JobRunningTimeoutSec=, JobTimeoutAction=: faultinit has
// no job timeout; --check says what differs, and the unit runs.
TEST_F(Jobs, JobTimeoutIsAWarning) {
  Unit("timed",
       "[Unit]\nJobTimeoutSec=5s\nJobRunningTimeoutSec=1min\n"
       "JobTimeoutAction=poweroff\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo up; exec sleep 1000'\n");
  LaunchOptions check;
  check.args = {"--check", dir_};
  Result checked = RunFaultinit(check);
  EXPECT_EQ(checked.status.ToString(), "exit 0") << checked.out;
  const std::string file = absl::StrCat(dir_, "/timed.service:");
  At(checked.out, absl::StrCat(file,
                               "2: warning: JobTimeoutSec: differs from "
                               "systemd: faultinit has no job timeout"));
  At(checked.out,
     absl::StrCat(file,
                  "3: warning: JobRunningTimeoutSec: differs from systemd: "
                  "faultinit has no job timeout"));
  At(checked.out, absl::StrCat(file,
                               "4: warning: JobTimeoutAction: differs from "
                               "systemd: faultinit has no job timeout, so "
                               "this action never runs"));
  Start({"timed: running"});
}

// A socket unit the directory does not have, in any dependency key, is a
// warning: the unit loads and runs.
TEST_F(Jobs, OtherUnitTypesInDependenciesAreWarnings) {
  const std::vector<std::string> keys = {"Requires",
                                         "Wants",
                                         "BindsTo",
                                         "Requisite",
                                         "PartOf",
                                         "Conflicts",
                                         "OnFailure",
                                         "OnSuccess",
                                         "After",
                                         "Before",
                                         "PropagatesReloadTo",
                                         "ReloadPropagatedFrom"};
  std::string text = "[Unit]\n";
  for (const std::string& key : keys) {
    absl::StrAppend(&text, key, "=x-", key, ".socket\n");
  }
  absl::StrAppend(&text, kSleeper);
  Unit("typed", text);
  LaunchOptions check;
  check.args = {"--check", dir_};
  Result checked = RunFaultinit(check);
  EXPECT_EQ(checked.status.ToString(), "exit 0") << checked.out;
  for (size_t i = 0; i < keys.size(); ++i) {
    At(checked.out,
       absl::StrCat(dir_, "/typed.service:", i + 2, ": warning: ", keys[i],
                    ": no unit \"x-", keys[i], ".socket\" (no x-", keys[i],
                    ".socket in ", dir_, ")"));
  }
  Start({"typed: running"});
}

}  // namespace
}  // namespace faultinit::testing
