// Stopping and timeouts in the real faultinit (system mode, PID 1 of a
// fresh PID namespace), driven by the real faultctl, with systemd's
// meaning: a start that times out gets KillSignal=, then SIGKILL after
// TimeoutStopSec=, and fails (TimeoutStartFailureMode=terminate); a stop
// that times out, or whose ExecStop= fails, ends failed; TimeoutSec= sets
// both timeouts; SendSIGKILL=no leaves what ignored KillSignal= running;
// FinalKillSignal= replaces SIGKILL; RestartKillSignal= is the signal of
// `faultctl restart`; KillMode=none signals nothing; `--check` warns of
// the failure modes faultinit does as `terminate`. Each service says what
// it received on its output (a shell trap), and a pid file tells
// ExecStopPost= which process to look for. ("$$" is a unit file's "$".)

#include <poll.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/processes.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using Stopping = ControlledUnitTest;

// A shell that says which signal it got: "got TERM", then `on_term`
// ("; exit 0", or "": it goes on), and with `also` one more trap; it
// waits on a sleep, so a trap runs at once. It says "up" once the sleep
// runs: a stop sent earlier could miss a sleep forked after it, which
// would then hold the stop until TimeoutStopSec=.
std::string Trapping(const std::string& on_term, const std::string& also) {
  return absl::StrCat("ExecStart=/bin/sh -c 'trap \"echo got TERM", on_term,
                      "\" TERM; ", also,
                      " while :; do sleep 1000 & echo up; wait; done'\n");
}

// Waits (bounded: 30 s) until a service's background sleep runs, a
// grandchild of faultinit (`faultinit`) named "sleep". The shell's echo
// comes after its fork but may come before the child's exec: until then
// the child runs the shell's trap handlers, and a signal sent to the group
// then is taken by them, not by sleep, which outlives it (and the stop
// waits TimeoutStopSec=). No event says a process exec'd: /proc is polled.
bool BackgroundSleepRuns(pid_t faultinit) {
  for (int waited = 0; waited < 30000; ++waited) {
    for (pid_t main : ChildrenOf(faultinit)) {
      for (pid_t child : ChildrenOf(main)) {
        std::ifstream comm(absl::StrCat("/proc/", child, "/comm"));
        std::string name;
        if (std::getline(comm, name) && name == "sleep") return true;
      }
    }
    poll(nullptr, 0, 1);
  }
  return false;
}

// A start that times out (TimeoutStartSec=) gets KillSignal= first: the
// service sees SIGTERM; it ignores it, and gets SIGKILL TimeoutStopSec=
// later; ExecStopPost= runs, and the service fails with the timeout.
TEST_F(Stopping, StartTimeoutSendsKillSignalThenSigkill) {
  Unit("slow", absl::StrCat("[Service]\nType=notify\nTimeoutStartSec=300ms\n"
                            "TimeoutStopSec=300ms\n",
                            Trapping("", ""),
                            "ExecStopPost=/bin/sh -c 'echo stop-post ran'\n"));
  Start({"[slow] up", "[slow] got TERM", "[slow] stop-post ran",
         "slow: failed: start timed out after 300ms"});
  const std::string& err = running_->err();
  EXPECT_LT(At(err, "[slow] got TERM"), At(err, "[slow] stop-post ran"));
  EXPECT_LT(At(err, "[slow] stop-post ran"),
            At(err, "slow: failed: start timed out after 300ms"));
  EXPECT_EQ(StateOf("slow"), "failed");
}

// A start that times out is restarted as Restart= says, as systemd's
// result "timeout": on-failure restarts it (until the start limit),
// on-abort does not.
TEST_F(Stopping, StartTimeoutRestartsPerRestart) {
  Unit("again",
       "[Unit]\nStartLimitBurst=3\n"
       "[Service]\nType=notify\nTimeoutStartSec=200ms\nRestart=on-failure\n"
       "RestartSec=0\nTimeoutStopSec=5s\n"
       "ExecStart=/bin/sh -c 'echo try; exec sleep 1000'\n");
  Unit("abort",
       "[Service]\nType=notify\nTimeoutStartSec=200ms\nRestart=on-abort\n"
       "RestartSec=0\nExecStart=/bin/sh -c 'echo try; exec sleep 1000'\n");
  Start({"again: start timed out after 200ms; restarting in 0",
         "again: failed: start limit hit: 3 starts within 10s",
         "abort: failed: start timed out after 200ms"});
  EXPECT_EQ(StateOf("again"), "failed");
  EXPECT_EQ(StateOf("abort"), "failed");
  EXPECT_EQ(running_->err().find("abort: start timed out after 200ms; "
                                 "restarting"),
            std::string::npos)
      << running_->err();
}

// A start step that fails is restarted as Restart= says, as in systemd
// (the result "exit-code"): on-failure restarts it (until the start
// limit), on-abnormal does not.
TEST_F(Stopping, FailedStartStepRestartsPerRestart) {
  Unit("pre",
       "[Unit]\nStartLimitBurst=2\n"
       "[Service]\nRestart=on-failure\nRestartSec=0\n"
       "ExecStartPre=/bin/sh -c 'echo pre; exit 1'\n"
       "ExecStart=/bin/sleep 1000\n");
  Unit("abnormal",
       "[Service]\nRestart=on-abnormal\nRestartSec=0\n"
       "ExecStartPre=/bin/sh -c 'exit 1'\nExecStart=/bin/sleep 1000\n");
  Start({"pre: ExecStartPre= ended with exit 1; restarting in 0",
         "pre: failed: start limit hit: 2 starts within 10s",
         "abnormal: failed: ExecStartPre= ended with exit 1"});
  EXPECT_EQ(running_->err().find("abnormal: ExecStartPre= ended with exit 1; "
                                 "restarting"),
            std::string::npos)
      << running_->err();
}

// A start step that fails leaves what it forked: as systemd after a
// failed start, that gets KillSignal= first (stop-sigterm), and
// FinalKillSignal= TimeoutStopSec= later (stop-sigkill), then
// ExecStopPost= runs. Each ExecStartPre= forks a leftover that traps
// SIGTERM and writes a file, waits (on a FIFO) until the trap is set, and
// fails; "polite"'s leftover exits on SIGTERM, "stubborn"'s goes on and is
// killed. ExecStopPost= shows the file: written before the leftover died.
// The leftover's sleep is forked before the trap is set: a child forked
// with the trap in place could take the signal in its handler before its
// exec resets it, lose it, and hold the stop until TimeoutStopSec=.
TEST_F(Stopping, FailedStartStepSendsKillSignalToLeftoversFirst) {
  for (const std::string name : {"polite", "stubborn"}) {
    const std::string fifo = absl::StrCat(base_, "/", name, ".fifo");
    const std::string file = absl::StrCat(base_, "/", name, ".term");
    const bool polite = name == "polite";
    // The polite one's exit is not raced against a short timeout (a
    // loaded machine may run its trap late): only the stubborn one's
    // timeout is meant to pass.
    Unit(name,
         absl::StrCat(
             "[Service]\nTimeoutStopSec=", polite ? "60s" : "300ms",
             "\n"
             "ExecStartPre=/bin/sh -c 'mkfifo ",
             fifo, "; (sleep 1000 & trap \"echo leftover got TERM > ", file,
             polite ? "; exit 0" : "", "\" TERM; echo > ", fifo,
             "; wait; while :; do sleep 1000 & wait; done) & read x < ", fifo,
             "; exit 1'\n"
             "ExecStart=/bin/sleep 1000\n"
             "ExecStopPost=/bin/sh -c 'cat ",
             file, " || echo no file'\n"));
  }
  Start({"[polite] leftover got TERM", "[stubborn] leftover got TERM",
         "polite: failed: ExecStartPre= ended with exit 1",
         "stubborn: failed: ExecStartPre= ended with exit 1"});
  const std::string& err = running_->err();
  EXPECT_EQ(err.find("no file"), std::string::npos) << err;
  EXPECT_LT(At(err, "[polite] leftover got TERM"),
            At(err, "polite: failed: ExecStartPre= ended with exit 1"));
  // The stubborn one ignored it: TimeoutStopSec= later it was killed
  // (the start's failure stands; the timeout is logged).
  EXPECT_LT(At(err, "stubborn: stop timed out after 300ms: killed"),
            At(err, "[stubborn] leftover got TERM"));
  EXPECT_EQ(err.find("polite: stop timed out"), std::string::npos) << err;
  EXPECT_EQ(StateOf("polite"), "failed");
  EXPECT_EQ(StateOf("stubborn"), "failed");
}

// A requested start ends at its first failed attempt, as systemd's start
// job: `faultctl start` answers (exit 1, the reason) while the unit goes on
// to restart, even when every start times out.
TEST_F(Stopping, StartRequestAnswersAtTheFirstFailedAttempt) {
  Unit("loop",
       "[Unit]\nStartLimitIntervalSec=0\n"
       "[Service]\nType=notify\nTimeoutStartSec=200ms\nRestart=always\n"
       "RestartSec=300ms\nTimeoutStopSec=5s\n"
       "ExecStart=/bin/sh -c 'echo try; exec sleep 1000'\n");
  Start({"loop: start timed out after 200ms; restarting in 300ms"});
  CtlResult start = Ctl({"start", "loop"});
  EXPECT_EQ(start.status, "exit 1") << start.out;
  EXPECT_TRUE(absl::StrContains(
      start.out, "loop: restarting: start timed out after 200ms"))
      << start.out;
  CtlResult stop = Ctl({"stop", "loop"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_TRUE(absl::StrContains(stop.out, "loop: inactive")) << stop.out;
}

// TimeoutSec= sets both: the start times out after it, and so does a stop
// of a service that ignores SIGTERM; a stop that timed out ends failed.
TEST_F(Stopping, TimeoutSecSetsBothAndAStopTimeoutFails) {
  Unit("start",
       "[Service]\nType=notify\nTimeoutSec=300ms\n"
       "ExecStart=/bin/sh -c 'echo up; exec sleep 1000'\n");
  Unit("stop",
       "[Service]\nTimeoutSec=300ms\n"
       "ExecStart=/bin/sh -c 'trap \"\" TERM; echo up; exec sleep 1000'\n");
  Start({"start: failed: start timed out after 300ms", "[stop] up",
         "stop: running"});
  CtlResult stop = Ctl({"stop", "stop"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_TRUE(absl::StrContains(stop.out, "stop: failed")) << stop.out;
  ASSERT_TRUE(running_->WaitForStderr(
      "stop: failed: stop timed out after 300ms: killed"))
      << running_->err();
  EXPECT_EQ(StateOf("stop"), "failed");
}

// A failing ExecStop= fails the stop (systemd's result "exit-code"); what
// runs still gets KillSignal=. With "-" the failure counts as success.
TEST_F(Stopping, FailingExecStopFailsTheUnit) {
  Unit("bad", absl::StrCat("[Service]\n", Trapping("; exit 0", ""),
                           "ExecStop=/bin/sh -c 'exit 3'\n"));
  Unit("dash", absl::StrCat("[Service]\n", Trapping("; exit 0", ""),
                            "ExecStop=-/bin/sh -c 'exit 3'\n"));
  Start({"bad: running", "dash: running", "[bad] up", "[dash] up"});
  CtlResult stop = Ctl({"stop", "bad", "dash"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_TRUE(absl::StrContains(stop.out, "bad: failed")) << stop.out;
  EXPECT_TRUE(absl::StrContains(stop.out, "dash: inactive")) << stop.out;
  ASSERT_TRUE(
      running_->WaitForAllStderr({"[bad] got TERM", "[dash] got TERM",
                                  "bad: failed: ExecStop= ended with exit 3"}))
      << running_->err();
}

// SendSIGKILL=no: a process that ignores KillSignal= is still there after
// the stop timed out (ExecStopPost= finds it, then kills it); the stop
// failed.
TEST_F(Stopping, SendSIGKILLNoLeavesItRunning) {
  const std::string pid = base_ + "/pid";
  Unit("stay",
       absl::StrCat("[Service]\nSendSIGKILL=no\nTimeoutStopSec=300ms\n"
                    "ExecStart=/bin/sh -c 'trap \"\" TERM; echo $$$$ > ",
                    pid,
                    "; echo up; exec sleep 1000'\n"
                    "ExecStopPost=/bin/sh -c 'kill -0 $$(cat ",
                    pid, ") && echo left running; kill -KILL $$(cat ", pid,
                    ")'\n"));
  Start({"[stay] up", "stay: running"});
  CtlResult stop = Ctl({"stop", "stay"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_TRUE(absl::StrContains(stop.out, "stay: failed")) << stop.out;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[stay] left running",
       "stay: failed: stop timed out after 300ms; SendSIGKILL=no: left "
       "running"}))
      << running_->err();
}

// FinalKillSignal= is sent instead of SIGKILL at TimeoutStopSec=.
TEST_F(Stopping, FinalKillSignalReplacesSigkill) {
  Unit("fin",
       "[Service]\nFinalKillSignal=SIGUSR2\nTimeoutStopSec=300ms\n"
       "ExecStart=/bin/sh -c 'trap \"\" TERM; "
       "trap \"echo got USR2; exit 0\" USR2; "
       "while :; do sleep 1000 & echo up; wait; done'\n");
  Start({"[fin] up", "fin: running"});
  CtlResult stop = Ctl({"stop", "fin"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[fin] got USR2", "fin: failed: stop timed out after 300ms: killed"}))
      << running_->err();
}

// RestartKillSignal= is the signal of a restart's stop; a plain stop
// sends KillSignal=.
TEST_F(Stopping, RestartKillSignalStopsARestart) {
  Unit("rk", absl::StrCat(
                 "[Service]\nRestartKillSignal=SIGUSR1\n",
                 Trapping("; exit 0", "trap \"echo got USR1; exit 0\" USR1;")));
  Start({"[rk] up", "rk: running"});
  ASSERT_TRUE(BackgroundSleepRuns(running_->faultinit_pid()));
  CtlResult restart = Ctl({"restart", "rk"});
  EXPECT_EQ(restart.status, "exit 0") << restart.out;
  ASSERT_TRUE(running_->WaitForAllStderr({"[rk] got USR1", "[rk] up"}))
      << running_->err();
  EXPECT_EQ(running_->err().find("[rk] got TERM"), std::string::npos);
  ASSERT_TRUE(BackgroundSleepRuns(running_->faultinit_pid()));
  CtlResult stop = Ctl({"stop", "rk"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  ASSERT_TRUE(running_->WaitForStderr("[rk] got TERM")) << running_->err();
  // The group's processes took the signal: neither stop timed out.
  EXPECT_EQ(running_->err().find("stop timed out"), std::string::npos)
      << running_->err();
}

// KillMode=none (deprecated in systemd, a warning): a stop runs ExecStop=
// and signals nothing: ExecStopPost= finds the main process still there.
TEST_F(Stopping, KillModeNoneSignalsNothing) {
  const std::string pid = base_ + "/pid";
  Unit("none", absl::StrCat("[Service]\nKillMode=none\n"
                            "ExecStart=/bin/sh -c 'echo $$$$ > ",
                            pid,
                            "; echo up; exec sleep 1000'\n"
                            "ExecStop=/bin/sh -c 'echo stop ran'\n"
                            "ExecStopPost=/bin/sh -c 'kill -0 $$(cat ",
                            pid, ") && echo left alone; kill -KILL $$(cat ",
                            pid, ")'\n"));
  At(Check().out,
     absl::StrCat(dir_,
                  "/none.service:2: warning: KillMode=none is deprecated: "
                  "only ExecStop= runs on stop; no process is signalled"));
  Start({"[none] up", "none: running"});
  CtlResult stop = Ctl({"stop", "none"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_EQ(stop.out, "none: inactive\n");
  ASSERT_TRUE(
      running_->WaitForAllStderr({"[none] stop ran", "[none] left alone"}))
      << running_->err();
}

// TimeoutStartFailureMode=/TimeoutStopFailureMode=: `terminate` (systemd's
// default) is what faultinit does, no warning; `kill` and `abort` are done
// as `terminate`, and `--check` says so.
TEST_F(Stopping, TimeoutFailureModesInCheck) {
  Unit("modes",
       "[Service]\nTimeoutStartFailureMode=terminate\n"
       "TimeoutStopFailureMode=abort\nTimeoutStartFailureMode=kill\n"
       "ExecStart=/bin/sleep 1000\n");
  Result checked = Check();
  EXPECT_EQ(checked.status.ToString(), "exit 0") << checked.out;
  EXPECT_EQ(checked.out.find("modes.service:2:"), std::string::npos)
      << checked.out;
  At(checked.out,
     absl::StrCat(dir_,
                  "/modes.service:3: warning: TimeoutStopFailureMode: differs "
                  "from systemd: `abort` is done as `terminate` (no SIGABRT, "
                  "no core dump)"));
  At(checked.out,
     absl::StrCat(dir_,
                  "/modes.service:4: warning: TimeoutStartFailureMode: "
                  "differs from systemd: `kill` is done as `terminate`: "
                  "KillSignal= first, FinalKillSignal= after "
                  "TimeoutStopSec="));
}

// An ExecStopPost= line that outlives TimeoutStopSec= is killed (SIGKILL)
// and logged, and the stop completes. (The supervisor's entries passed no
// kill of one process, nor a warning, on: the stop waited for ever.)
TEST_F(Stopping, ExecStopPostThatTimesOutIsKilled) {
  Unit("post",
       "[Service]\nTimeoutStopSec=300ms\n"
       "ExecStart=/bin/sh -c 'echo up; exec sleep 1000'\n"
       "ExecStopPost=/bin/sh -c 'echo post; exec sleep 1000'\n");
  Start({"[post] up", "post: running"});
  CtlResult stop = Ctl({"stop", "--no-block", "post"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[post] post",
       "warning: post: ExecStopPost= timed out after 300ms: killed",
       "post: stopped"}))
      << running_->err();
}

}  // namespace
}  // namespace faultinit::testing
