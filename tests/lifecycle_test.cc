// The service lifecycle's steps in the real faultinit (system mode, PID 1
// of a fresh PID namespace), driven by the real faultctl: ExecReload= runs
// on `faultctl reload NAME` with $MAINPID (and a unit without it is
// refused, as systemctl does); ExecStopPost= runs after a crash;
// ExecStartPost= runs once the main process is ready; a RemainAfterExit=
// oneshot stays active and `stop` runs its ExecStop=; SendSIGHUP= follows
// the kill signal with SIGHUP; a failed ExecStartPre= is retried as
// Restart= says, up to the start limit, and a stop during the wait keeps
// it stopped.

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using Lifecycle = ControlledUnitTest;

// `faultctl reload NAME` runs ExecReload= with $MAINPID and answers once it
// is done; a unit without ExecReload= is refused in systemctl's words; a
// bare `faultctl reload` still rereads the unit directory.
TEST_F(Lifecycle, ExecReloadRunsOnFaultctlReloadName) {
  const std::string mark = base_ + "/reloaded";
  Unit("r", absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo r up; exec "
                         "sleep 1000'\nExecReload=/bin/sh -c 'echo $MAINPID > ",
                         mark, "'\n"));
  Unit("plain", "[Service]\nExecStart=/bin/sleep 1000\n");
  Start({"[r] r up", "r: running", "plain: running"});
  CtlResult reload = Ctl({"reload", "r"});
  EXPECT_EQ(reload.status, "exit 0") << reload.out;
  EXPECT_EQ(reload.out, "r: running\n");
  // Answered after ExecReload= ended: the file is there, with the pid.
  const std::string pid = Read(mark);
  ASSERT_FALSE(pid.empty());
  EXPECT_GT(atoi(pid.c_str()), 1) << pid;
  CtlResult status = Ctl({"status", "r"});
  EXPECT_TRUE(
      absl::StrContains(status.out, absl::StrCat(" ", atoi(pid.c_str()), " ")))
      << status.out << " pid " << pid;

  CtlResult refused = Ctl({"reload", "plain"});
  EXPECT_EQ(refused.status, "exit 1") << refused.out;
  EXPECT_TRUE(absl::StrContains(
      refused.out, "Job type reload is not applicable for unit plain.service."))
      << refused.out;
  CtlResult units = Ctl({"reload"});
  EXPECT_EQ(units.status, "exit 0") << units.out;
  EXPECT_EQ(units.out, "");
}

// A reload propagates as systemd's does: to the units PropagatesReloadTo=
// names and to those whose ReloadPropagatedFrom= names the reloaded one,
// transitively; a unit that cannot reload (no ExecReload=) is passed over.
// The answer waits for all of them, and lists them.
TEST_F(Lifecycle, ReloadPropagatesToTheNamedUnits) {
  const auto unit = [&](const std::string& name, const std::string& extra) {
    Unit(name, absl::StrCat("[Unit]\n", extra,
                            "\n[Service]\nExecStart=/bin/sleep 1000\n"
                            "ExecReload=/bin/sh -c 'echo reloaded > ",
                            base_, "/", name, "'\n"));
  };
  unit("a", "PropagatesReloadTo=b plain");
  unit("b", "PropagatesReloadTo=c");
  unit("c", "");
  unit("d", "ReloadPropagatedFrom=a");
  unit("alone", "");
  Unit("plain", "[Service]\nExecStart=/bin/sleep 1000\n");
  Start({"a: running", "b: running", "c: running", "d: running",
         "alone: running", "plain: running"});
  CtlResult reload = Ctl({"reload", "a"});
  EXPECT_EQ(reload.status, "exit 0") << reload.out;
  for (const char* name : {"a", "b", "c", "d"}) {
    EXPECT_EQ(Read(absl::StrCat(base_, "/", name)), "reloaded\n") << name;
    EXPECT_TRUE(absl::StrContains(reload.out, absl::StrCat(name, ": running")))
        << reload.out;
  }
  EXPECT_EQ(Read(base_ + "/alone"), "");
  EXPECT_TRUE(running_->WaitForStderr("plain: reload from a passed over"))
      << running_->err();
}

// ExecStopPost= runs after the main process crashed, and the service then
// fails (its failure reason the crash).
TEST_F(Lifecycle, ExecStopPostRunsAfterACrash) {
  // A FIFO: the service's read waits for the test's write.
  const std::string go = base_ + "/go";
  ASSERT_EQ(mkfifo(go.c_str(), 0600), 0);
  Unit("crash", absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo up; "
                             "read line < ",
                             go,
                             "; exit 3'\n"
                             "ExecStopPost=/bin/sh -c 'echo stop-post ran'\n"));
  Start({"[crash] up", "crash: running"});
  ASSERT_TRUE(WriteFile(go, "go\n"));
  ASSERT_TRUE(
      running_->WaitForAllStderr({"[crash] stop-post ran", "crash: failed"}))
      << running_->err();
  EXPECT_LT(running_->err().find("[crash] stop-post ran"),
            running_->err().find("crash: failed: main process ended with "
                                 "exit 3"))
      << running_->err();
}

// A service whose main process exits successfully on its own still runs
// its ExecStop=, before ExecStopPost=, as systemd does (one that fails
// skips it: tests/main_ended_test.cc).
TEST_F(Lifecycle, ExecStopRunsWhenTheMainProcessEndsOnItsOwn) {
  const std::string go = base_ + "/go";
  ASSERT_EQ(mkfifo(go.c_str(), 0600), 0);
  Unit("self", absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo up; "
                            "read line < ",
                            go,
                            "; exit 0'\n"
                            "ExecStop=/bin/sh -c 'echo stop ran'\n"
                            "ExecStopPost=/bin/sh -c 'echo stop-post ran'\n"));
  Start({"[self] up", "self: running"});
  ASSERT_TRUE(WriteFile(go, "go\n"));
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[self] stop ran", "[self] stop-post ran", "self: finished (exit 0)"}))
      << running_->err();
  EXPECT_LT(running_->err().find("[self] stop ran"),
            running_->err().find("[self] stop-post ran"))
      << running_->err();
}

// ExecStartPost= runs once the main process is ready (READY=1), before the
// service counts as running.
TEST_F(Lifecycle, ExecStartPostRunsAfterReady) {
  const std::string ready = base_ + "/ready";
  Unit("p", absl::StrCat("[Service]\nType=notify\nNotifyAccess=all\n"
                         "ExecStart=/bin/sh -c 'touch ",
                         ready, "; ", FaultctlPath(),
                         " notify READY=1; exec sleep 1000'\n"
                         "ExecStartPost=/bin/sh -c 'test -e ",
                         ready, " && echo post after ready'\n"));
  Start({"[p] post after ready", "p: running"});
  EXPECT_LT(running_->err().find("[p] post after ready"),
            running_->err().find("p: running"))
      << running_->err();
}

// A RemainAfterExit= oneshot stays active once it has run ("running",
// status "exited"); `stop` runs its ExecStop= and makes it inactive.
TEST_F(Lifecycle, RemainAfterExitOneshotStaysActiveAndStopRunsExecStop) {
  Unit("ro",
       "[Service]\nType=oneshot\nRemainAfterExit=yes\n"
       "ExecStart=/bin/sh -c 'echo set up'\n"
       "ExecStop=/bin/sh -c 'echo torn down'\n");
  Start({"[ro] set up", "ro: running"});
  CtlResult status = Ctl({"status", "ro"});
  EXPECT_EQ(status.status, "exit 0") << status.out;  // running
  EXPECT_TRUE(absl::StrContains(status.out, "exited")) << status.out;
  EXPECT_EQ(running_->err().find("[ro] torn down"), std::string::npos);
  CtlResult stop = Ctl({"stop", "ro"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_EQ(stop.out, "ro: inactive\n");
  ASSERT_TRUE(running_->WaitForStderr("[ro] torn down")) << running_->err();
}

// A oneshot with no ExecStart= (systemd lets one through with ExecStop= and
// RemainAfterExit=yes, as lvm2's blk-availability.service is) is active at
// once, and its ExecStop= runs at `stop`.
TEST_F(Lifecycle, OneshotWithOnlyExecStopIsActiveAndStops) {
  Unit("blk",
       "[Service]\nRemainAfterExit=yes\n"
       "ExecStop=/bin/sh -c 'echo deactivated'\n");
  Start({"blk: running"});
  CtlResult status = Ctl({"status", "blk"});
  EXPECT_EQ(status.status, "exit 0") << status.out;  // running
  CtlResult stop = Ctl({"stop", "blk"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_EQ(stop.out, "blk: inactive\n");
  ASSERT_TRUE(running_->WaitForStderr("[blk] deactivated")) << running_->err();
}

// SendSIGHUP=yes: a stop sends SIGHUP right after KillSignal=.
TEST_F(Lifecycle, SendSIGHUPFollowsTheKillSignal) {
  Unit("h",
       "[Service]\nSendSIGHUP=yes\nTimeoutStopSec=30s\n"
       "ExecStart=/bin/sh -c 'trap \"echo got HUP; exit 0\" HUP; "
       "trap \"echo got TERM\" TERM; "
       "while :; do sleep 1000 & echo up; wait; done'\n");
  Start({"[h] up", "h: running"});
  CtlResult stop = Ctl({"stop", "h"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  ASSERT_TRUE(running_->WaitForStderr("[h] got HUP")) << running_->err();
}

// "-" on ExecStart=: any exit counts as success, as systemd records it and
// goes on. A oneshot runs its next line and ends inactive, not failed
// (Debian's modprobe@.service: "ExecStart=-/sbin/modprobe -abq %i"); a
// simple service whose main process exits 3 is not restarted by
// Restart=on-failure and does not fail.
TEST_F(Lifecycle, DashOnExecStartCountsAnyExitAsSuccess) {
  Unit("once",
       "[Service]\nType=oneshot\nExecStart=-/bin/sh -c 'exit 1'\n"
       "ExecStart=/bin/sh -c 'echo second line'\n");
  Unit("main",
       "[Service]\nExecStart=-/bin/sh -c 'echo main up; exit 3'\n"
       "Restart=on-failure\nRestartSec=0\n");
  Start({"[once] second line", "once: finished (exit 0)", "[main] main up",
         "main: finished (exit 3)"});
  EXPECT_EQ(StateOf("once"), "inactive");
  EXPECT_EQ(StateOf("main"), "inactive");
  const std::string& err = running_->err();
  EXPECT_EQ(err.find("once: failed"), std::string::npos) << err;
  EXPECT_EQ(err.find("main: failed"), std::string::npos) << err;
  EXPECT_EQ(err.find("main: restarting"), std::string::npos) << err;
  // Started once: "main up" is said once.
  EXPECT_EQ(err.find("[main] main up"), err.rfind("[main] main up")) << err;
}

// ExecStopPost= runs after a start that failed (here in ExecStartPre=),
// before the service counts as failed.
TEST_F(Lifecycle, ExecStopPostRunsAfterAFailedStart) {
  Unit("pre",
       "[Service]\nExecStartPre=/bin/sh -c 'exit 2'\n"
       "ExecStart=/bin/sh -c 'echo main ran; exec sleep 1000'\n"
       "ExecStopPost=/bin/sh -c 'echo stop-post ran'\n");
  Start({"[pre] stop-post ran", "pre: failed"});
  const std::string& err = running_->err();
  EXPECT_LT(At(err, "[pre] stop-post ran"),
            At(err, "pre: failed: ExecStartPre= ended with exit 2"));
  EXPECT_EQ(err.find("[pre] main ran"), std::string::npos) << err;
}

// An ExecStartPre= that fails restarts the service as Restart=on-failure
// says (systemd's result "exit-code"), each attempt counted against the
// start limit: after StartLimitBurst= attempts it stays failed, and its
// main process never ran.
TEST_F(Lifecycle, FailedExecStartPreRetriesUntilTheStartLimit) {
  const std::string runs = base_ + "/runs";
  Unit("pre", absl::StrCat("[Unit]\nStartLimitBurst=3\n"
                           "[Service]\nRestart=on-failure\nRestartSec=0\n"
                           "ExecStartPre=/bin/sh -c 'echo run >> ",
                           runs,
                           "; exit 1'\n"
                           "ExecStart=/bin/sh -c 'echo main ran; exec sleep "
                           "1000'\n"));
  Start({"pre: failed: start limit hit: 3 starts within 10s"});
  const std::string& err = running_->err();
  EXPECT_LT(At(err, "pre: ExecStartPre= ended with exit 1; restarting in"),
            At(err, "pre: failed: start limit hit"));
  EXPECT_EQ(Read(runs), "run\nrun\nrun\n");
  EXPECT_EQ(err.find("[pre] main ran"), std::string::npos) << err;
  EXPECT_EQ(StateOf("pre"), "failed");
  EXPECT_EQ(Read(runs), "run\nrun\nrun\n");  // no attempt after the limit
}

// A stop requested while a service waits RestartSec= after a failed
// ExecStartPre= drops the restart: the service is stopped (inactive, not
// restarting), and stays so until a start, which runs the step again.
TEST_F(Lifecycle, StopDuringTheRestartWaitOfAFailedStartKeepsItStopped) {
  const std::string runs = base_ + "/runs";
  Unit("pre", absl::StrCat("[Service]\nRestart=on-failure\nRestartSec=1h\n"
                           "ExecStartPre=/bin/sh -c 'echo run >> ",
                           runs,
                           "; exit 1'\n"
                           "ExecStart=/bin/sleep 1000\n"));
  Start({"pre: ExecStartPre= ended with exit 1; restarting in 1h"});
  EXPECT_EQ(StateOf("pre"), "restarting");
  CtlResult stop = Ctl({"stop", "pre"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_EQ(StateOf("pre"), "inactive");
  EXPECT_EQ(Read(runs), "run\n");
  // A start runs the step again (and fails again, to wait once more).
  CtlResult start = Ctl({"start", "pre"});
  EXPECT_EQ(start.status, "exit 1") << start.out;
  EXPECT_EQ(Read(runs), "run\nrun\n");
  EXPECT_EQ(StateOf("pre"), "restarting");
}

// RestartPreventExitStatus= keeps Restart=always from restarting a main
// process that ended so; RestartForceExitStatus= restarts one that
// Restart=no would not (a signal name and an exit code), counted in
// `faultctl status`'s RESTARTS. ("$$" is a unit file's "$".)
TEST_F(Lifecycle, RestartPreventAndForceExitStatus) {
  const std::string runs = base_ + "/runs";
  Unit("prevent",
       "[Service]\nRestart=always\nRestartSec=0\n"
       "RestartPreventExitStatus=3 SIGUSR1\n"
       "ExecStart=/bin/sh -c 'echo ran; exit 3'\n");
  Unit("force", absl::StrCat("[Service]\nRestartSec=0\n"
                             "RestartForceExitStatus=SIGUSR2 4\n"
                             "ExecStart=/bin/sh -c 'echo run >> ",
                             runs, "; n=$$(wc -l < ", runs,
                             "); [ $$n = 1 ] && kill -USR2 $$$$; [ $$n = 2 ] "
                             "&& "
                             "exit 4; echo up; exec sleep 1000'\n"));
  Start({"prevent: failed: main process ended with exit 3", "[force] up",
         "force: running"});
  const std::string& err = running_->err();
  EXPECT_EQ(err.find("prevent: exit 3; restarting"), std::string::npos) << err;
  EXPECT_LT(At(err, "force: signal USR2; restarting in"),
            At(err, "force: exit 4; restarting in"));
  CtlResult status = Ctl({"status", "--json", "prevent", "force"});
  EXPECT_EQ(status.status, "exit 3") << status.out;  // one failed
  EXPECT_TRUE(absl::StrContains(status.out,
                                "\"name\":\"prevent\",\"state\":\"failed\""))
      << status.out;
  EXPECT_TRUE(
      absl::StrContains(status.out, "\"restarts\":0,\"last_exit\":\"exit 3\""))
      << status.out;
  EXPECT_TRUE(absl::StrContains(status.out, "\"restarts\":2,\"last_exit\":"))
      << status.out;
}

// SuccessExitStatus= with a signal name and an exit code: a main process
// that ends so finishes (inactive), not failed; the same end without the
// key fails the service.
TEST_F(Lifecycle, SuccessExitStatusTakesSignalNames) {
  Unit("sig",
       "[Service]\nSuccessExitStatus=SIGUSR1 7\n"
       "ExecStart=/bin/sh -c 'kill -USR1 $$$$'\n");
  Unit("code",
       "[Service]\nSuccessExitStatus=SIGUSR1 7\n"
       "ExecStart=/bin/sh -c 'exit 7'\n");
  Unit("plain", "[Service]\nExecStart=/bin/sh -c 'kill -USR1 $$$$'\n");
  Start({"sig: finished (signal USR1)", "code: finished (exit 7)",
         "plain: failed: main process ended with signal USR1"});
  EXPECT_EQ(StateOf("sig"), "inactive");
  EXPECT_EQ(StateOf("code"), "inactive");
  EXPECT_EQ(StateOf("plain"), "failed");
}

// Type=idle starts as Type=simple; Type=dbus (with BusName=) is ready once
// started, as Type=simple: `faultinit --check` says both differ from
// systemd.
TEST_F(Lifecycle, TypeIdleAndDbusStartAsSimple) {
  Unit("idle",
       "[Service]\nType=idle\nExecStart=/bin/sh -c 'echo idle up; exec "
       "sleep 1000'\n");
  Unit("bus",
       "[Service]\nType=dbus\nBusName=org.example.Bus\n"
       "ExecStart=/bin/sh -c 'echo bus up; exec sleep 1000'\n");
  Result checked = Check();
  EXPECT_EQ(checked.status.ToString(), "exit 0") << checked.out;
  At(checked.out, absl::StrCat(dir_,
                               "/idle.service:2: warning: Type: differs from "
                               "systemd: Type=idle starts at once, as "
                               "Type=simple"));
  At(checked.out, absl::StrCat(dir_,
                               "/bus.service:2: warning: Type: differs from "
                               "systemd: Type=dbus is ready once started, as "
                               "Type=simple (faultinit does not watch the "
                               "bus for org.example.Bus)"));
  Start({"[idle] idle up", "idle: running", "[bus] bus up", "bus: running"});
  EXPECT_EQ(StateOf("idle"), "running");
  EXPECT_EQ(StateOf("bus"), "running");
}

// GuessMainPID=yes is a warning in `--check` (faultinit never guesses), and
// a Type=forking service without PIDFile= fails to start.
TEST_F(Lifecycle, GuessMainPIDIsAWarningAndForkingNeedsPidFile) {
  Unit("guess",
       "[Service]\nType=forking\nGuessMainPID=yes\n"
       "ExecStart=/bin/true\n");
  Result checked = Check();
  At(checked.out,
     absl::StrCat(dir_,
                  "/guess.service:3: warning: GuessMainPID: differs from "
                  "systemd: faultinit never guesses the main process; a "
                  "Type=forking service needs PIDFile="));
  Start({"guess: failed: "});
  EXPECT_EQ(StateOf("guess"), "failed");
}

// An ExecReload= that outlives TimeoutStartSec= is killed and logged; the
// service runs on and `faultctl reload NAME` says the reload failed. (The
// supervisor's entries passed no kill of one process, nor a warning, on:
// the reload never ended; hence the deadline on faultctl.)
TEST_F(Lifecycle, ExecReloadThatTimesOutIsKilled) {
  Unit("slow",
       "[Service]\nTimeoutStartSec=300ms\n"
       "ExecStart=/bin/sh -c 'echo up; exec sleep 1000'\n"
       "ExecReload=/bin/sh -c 'echo reloading; exec sleep 1000'\n");
  Start({"[slow] up", "slow: running"});
  CommandResult reload = RunCommand(
      {FaultctlPath(), "--socket", socket_, "reload", "slow"}, 60 * 1000);
  EXPECT_EQ(reload.exit_code, 1) << reload.output;
  EXPECT_TRUE(absl::StrContains(reload.output, "reload failed"))
      << reload.output;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[slow] reloading",
       "warning: slow: reload failed: ExecReload= timed out after 300ms"}))
      << running_->err();
  EXPECT_EQ(StateOf("slow"), "running");
}

// NotifyAccess=none refuses even the main process's READY=1 (the start
// times out); exec credits a control process (ExecReload='s STATUS=),
// which main does not.
TEST_F(Lifecycle, NotifyAccessNoneAndExec) {
  const std::string notify = absl::StrCat(FaultctlPath(), " notify");
  Unit("none", absl::StrCat("[Service]\nType=notify\nNotifyAccess=none\n"
                            "TimeoutStartSec=300ms\nExecStart=/bin/sh -c '",
                            notify, " READY=1; echo sent; exec sleep 1000'\n"));
  for (const char* access : {"exec", "main"}) {
    Unit(access, absl::StrCat("[Service]\nNotifyAccess=", access,
                              "\nExecStart=/bin/sleep 1000\n"
                              "ExecReload=/bin/sh -c '",
                              notify, " STATUS=reloaded-by-", access,
                              "; echo notified'\n"));
  }
  Start({"[none] sent", "none: failed: start timed out after 300ms",
         "exec: running", "main: running"});
  CtlResult reload = Ctl({"reload", "exec", "main"});
  EXPECT_EQ(reload.status, "exit 0") << reload.out;
  ASSERT_TRUE(
      running_->WaitForAllStderr({"[exec] notified", "[main] notified"}))
      << running_->err();
  EXPECT_TRUE(
      absl::StrContains(Ctl({"status", "exec"}).out, "reloaded-by-exec"));
  EXPECT_FALSE(
      absl::StrContains(Ctl({"status", "main"}).out, "reloaded-by-main"));
}

}  // namespace
}  // namespace faultinit::testing
