// Jobs across units in the real faultinit (system mode, PID 1 of a fresh
// PID namespace), observed through its log and the real faultctl, with
// systemd's meaning (systemd.unit(5)): a start pulls in what the unit
// Requires= and Wants=; Conflicts= stops the other unit; OnFailure= starts
// its unit; PartOf= stops with its unit; BindsTo= stops when the other
// unit dies; RefuseManualStart= refuses faultctl but not a dependency;
// Requisite= fails a start at once;
// FailureAction=exit ends a container's faultinit with the status; a
// Requires= of a target is a warning, and the unit runs.

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using Dependencies = ControlledUnitTest;

constexpr char kSleeper[] =
    "[Service]\nExecStart=/bin/sh -c 'echo up; exec sleep 1000'\n";

// faultctl start pulls in what the unit Requires= and Wants= (stopped on
// request before), ordered by After=, and answers once the job is done.
TEST_F(Dependencies, StartPullsInRequiresAndWants) {
  Unit("c", kSleeper);
  Unit("w", kSleeper);
  Unit("boot",
       "[Unit]\nRequires=c\nWants=w\nAfter=c w\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo up; exec sleep 1000'\n");
  Start({"c: running", "w: running", "boot: running"});
  CtlResult stop = Ctl({"stop", "boot", "c", "w"});
  ASSERT_EQ(stop.status, "exit 0") << stop.out;
  CtlResult start = Ctl({"start", "boot"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  EXPECT_NE(start.out.find("running"), std::string::npos) << start.out;
  EXPECT_EQ(StateOf("c"), "running");
  EXPECT_EQ(StateOf("w"), "running");
  EXPECT_EQ(StateOf("boot"), "running");
}

// Conflicts=: starting one stops the other, in both directions.
TEST_F(Dependencies, ConflictsStopsTheOther) {
  Unit("a", kSleeper);
  Unit("b", absl::StrCat("[Unit]\nConflicts=a\n", kSleeper));
  // At boot a starts first (by name) and stops b, which began too.
  Start({"a: running", "b: stopped"});
  EXPECT_EQ(StateOf("b"), "inactive");
  CtlResult start = Ctl({"start", "b"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  ASSERT_TRUE(running_->WaitForStderr("a: stopped"));
  EXPECT_EQ(StateOf("b"), "running");
  start = Ctl({"start", "a"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  ASSERT_TRUE(running_->WaitForStderr("b: stopped"));
  EXPECT_EQ(StateOf("a"), "running");
}

// OnFailure=: the unit's failure starts the named unit.
TEST_F(Dependencies, OnFailureStartsItsUnit) {
  const std::string armed = base_ + "/armed";
  // Both skipped at boot until `armed` exists.
  Unit("broken",
       absl::StrCat("[Unit]\nOnFailure=rescue\nConditionPathExists=", armed,
                    "\n[Service]\nType=oneshot\n"
                    "ExecStart=/bin/sh -c 'exit 3'\n"));
  Unit("rescue", absl::StrCat("[Unit]\nConditionPathExists=", armed,
                              "\n[Service]\nType=oneshot\n"
                              "ExecStart=/bin/sh -c 'echo rescued'\n"));
  Start({"broken: skipped", "rescue: skipped"});
  ASSERT_TRUE(WriteFile(armed, "1\n"));
  CtlResult start = Ctl({"start", "broken"});
  EXPECT_NE(start.status, "exit 0") << start.out;
  ASSERT_TRUE(running_->WaitForStderr("[rescue] rescued"));
}

// PartOf=: a stop of the named unit stops this one too.
TEST_F(Dependencies, PartOfStopsWithItsUnit) {
  Unit("main", kSleeper);
  Unit("part", absl::StrCat("[Unit]\nPartOf=main\n", kSleeper));
  Start({"main: running", "part: running"});
  CtlResult stop = Ctl({"stop", "main"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  ASSERT_TRUE(running_->WaitForStderr("part: stopped"));
  // A start of main does not pull in part.
  EXPECT_EQ(Ctl({"start", "main"}).status, "exit 0");
  EXPECT_EQ(StateOf("part"), "inactive");
}

// BindsTo=: when the bound unit dies on its own, this one stops.
TEST_F(Dependencies, BindsToStopsWhenTheOtherDies) {
  const std::string fifo = base_ + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Unit("dep", absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo dep up; "
                           "read line < ",
                           fifo, "; exit 1'\n"));
  Unit("bound", absl::StrCat("[Unit]\nBindsTo=dep\nAfter=dep\n", kSleeper));
  Start({"[dep] dep up", "bound: running"});
  {
    // Blocks until dep opens it for reading; dep then reads a line, exits.
    fault::UniqueFd w(open(fifo.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(w.valid());
    ASSERT_EQ(write(w.get(), "x\n", 2), 2);
  }
  ASSERT_TRUE(running_->WaitForStderr("dep: failed"));
  ASSERT_TRUE(running_->WaitForStderr("bound: stopped")) << running_->err();
}

// RefuseManualStart=: faultctl start is refused with systemctl's message;
// a unit that Requires= it still starts it.
TEST_F(Dependencies, RefuseManualStart) {
  Unit("guarded", absl::StrCat("[Unit]\nRefuseManualStart=yes\n", kSleeper));
  Unit("user",
       absl::StrCat("[Unit]\nRequires=guarded\nAfter=guarded\n", kSleeper));
  Start({"guarded: running", "user: running"});
  ASSERT_EQ(Ctl({"stop", "user", "guarded"}).status, "exit 0");
  CtlResult refused = Ctl({"start", "guarded"});
  EXPECT_NE(refused.status, "exit 0") << refused.out;
  EXPECT_NE(refused.out.find("Operation refused, unit guarded may be "
                             "requested by dependency only"),
            std::string::npos)
      << refused.out;
  EXPECT_EQ(StateOf("guarded"), "inactive");
  CtlResult start = Ctl({"start", "user"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  EXPECT_EQ(StateOf("guarded"), "running");
}

// Requisite=: a start fails at once while the named unit is not active,
// and does not start it.
TEST_F(Dependencies, RequisiteFailsAtOnce) {
  Unit("base", kSleeper);
  Unit("needs", absl::StrCat("[Unit]\nRequisite=base\nAfter=base\n", kSleeper));
  Start({"base: running", "needs: running"});
  ASSERT_EQ(Ctl({"stop", "needs", "base"}).status, "exit 0");
  CtlResult start = Ctl({"start", "needs"});
  EXPECT_NE(start.status, "exit 0") << start.out;
  EXPECT_NE(start.out.find("requisite unit base is not active"),
            std::string::npos)
      << start.out;
  EXPECT_EQ(StateOf("base"), "inactive");
  ASSERT_EQ(Ctl({"start", "base"}).status, "exit 0");
  start = Ctl({"start", "needs"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
}

// FailureAction=exit in a container: faultinit shuts down and exits with
// the unit's main exit status (FailureActionExitStatus= unset).
TEST_F(Dependencies, FailureActionExitEndsFaultinit) {
  Unit("other", kSleeper);
  Unit("fatal",
       "[Unit]\nFailureAction=exit\n[Service]\nExecStart=/bin/sh -c 'exit "
       "5'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("shutting down")) << r.err();
  EXPECT_EQ(r.Wait().ToString(), "exit 5") << r.err();
  At(r.err(), "other: stopped");
}

// FailureActionExitStatus= overrides the main process's status.
TEST_F(Dependencies, FailureActionExitStatus) {
  Unit("fatal",
       "[Unit]\nFailureAction=exit\nFailureActionExitStatus=42\n[Service]\n"
       "ExecStart=/bin/sh -c 'exit 5'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("shutting down")) << r.err();
  EXPECT_EQ(r.Wait().ToString(), "exit 42") << r.err();
}

// Requires= of a unit of another type (or of a .service no file provides)
// is a warning, treated as satisfied: the unit loads and runs.
TEST_F(Dependencies, RequiresOfATargetLoadsWithAWarning) {
  Unit("net",
       "[Unit]\nRequires=network-online.target nowhere.service\n"
       "After=network-online.target\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo up; exec sleep 1000'\n");
  Result checked = Check();
  EXPECT_EQ(checked.status.ToString(), "exit 0") << checked.out;
  At(checked.out,
     absl::StrCat(dir_,
                  "/net.service:2: warning: Requires: no unit "
                  "\"network-online.target\" (a flat directory has no "
                  ".target units); treated as satisfied"));
  At(checked.out, absl::StrCat(dir_,
                               "/net.service:2: warning: Requires: no unit "
                               "\"nowhere\" (no nowhere.service in ",
                               dir_, "); treated as satisfied"));
  At(checked.out, "start order: net\n");
  Start({"net: running"});
}

}  // namespace
}  // namespace faultinit::testing
