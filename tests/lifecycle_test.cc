// The service lifecycle's steps in the real faultinit (system mode, PID 1
// of a fresh PID namespace), driven by the real faultctl: ExecReload= runs
// on `faultctl reload NAME` with $MAINPID (and a unit without it is
// refused, as systemctl does); ExecStopPost= runs after a crash;
// ExecStartPost= runs once the main process is ready; a RemainAfterExit=
// oneshot stays active and `stop` runs its ExecStop=; SendSIGHUP= follows
// the kill signal with SIGHUP.

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/testing/child.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!PidNamespacesAvailable(&why)) GTEST_SKIP() << why;
    char pattern[] = "/var/tmp/faultinit-lifecycle.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    socket_ = base_ + "/control";
    units_ = base_ + "/units";
    ASSERT_EQ(mkdir(units_.c_str(), 0755), 0);
  }
  void TearDown() override {
    if (running_) {
      running_->Signal(SIGTERM);
      EXPECT_EQ(running_->Wait().ToString(), "exit 0");
    }
    if (!base_.empty()) {
      EXPECT_EQ(system(("rm -rf " + base_).c_str()), 0);
    }
  }

  void Unit(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFile(absl::StrCat(units_, "/", name, ".service"), text));
  }
  // Boots faultinit on the units and waits for `lines` on its stderr.
  void Boot(const std::vector<std::string>& lines) {
    LaunchOptions o;
    o.args = {"-v", "--services", units_, "--control", socket_};
    o.pid_namespace = true;
    running_ = std::make_unique<Running>(o);
    ASSERT_TRUE(running_->WaitForAllStderr(lines)) << running_->err();
  }
  struct CtlResult {
    std::string status;  // "exit 0"
    std::string out;
  };
  CtlResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {FaultctlPath(), "--socket", socket_});
    fault::testing::ChildResult r = fault::testing::RunInChild([&] {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    });
    return {r.status.ToString(), r.out + r.err};
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string base_, socket_, units_;
  std::unique_ptr<Running> running_;
};

// `faultctl reload NAME` runs ExecReload= with $MAINPID and answers once it
// is done; a unit without ExecReload= is refused in systemctl's words; a
// bare `faultctl reload` still rereads the unit directory.
TEST_F(Lifecycle, ExecReloadRunsOnFaultctlReloadName) {
  const std::string mark = base_ + "/reloaded";
  Unit("r", absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo r up; exec "
                         "sleep 1000'\nExecReload=/bin/sh -c 'echo $MAINPID > ",
                         mark, "'\n"));
  Unit("plain", "[Service]\nExecStart=/bin/sleep 1000\n");
  Boot({"[r] r up", "r: running", "plain: running"});
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
  Boot({"a: running", "b: running", "c: running", "d: running",
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
  const std::string go = base_ + "/go";
  Unit("crash", absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo up; "
                             "while [ ! -e ",
                             go,
                             " ]; do sleep 0.1; done; exit 3'\n"
                             "ExecStopPost=/bin/sh -c 'echo stop-post ran'\n"));
  Boot({"[crash] up", "crash: running"});
  ASSERT_TRUE(WriteFile(go, ""));
  ASSERT_TRUE(
      running_->WaitForAllStderr({"[crash] stop-post ran", "crash: failed"}))
      << running_->err();
  EXPECT_LT(running_->err().find("[crash] stop-post ran"),
            running_->err().find("crash: failed: main process ended with "
                                 "exit 3"))
      << running_->err();
}

// A service whose main process ends on its own still runs its ExecStop=,
// before ExecStopPost=, as systemd does; a
// stop requested meanwhile cancels the restart Restart= would make.
TEST_F(Lifecycle, ExecStopRunsWhenTheMainProcessEndsOnItsOwn) {
  const std::string go = base_ + "/go";
  Unit("self", absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo up; "
                            "while [ ! -e ",
                            go,
                            " ]; do sleep 0.1; done; exit 3'\n"
                            "ExecStop=/bin/sh -c 'echo stop ran'\n"
                            "ExecStopPost=/bin/sh -c 'echo stop-post ran'\n"));
  Boot({"[self] up", "self: running"});
  ASSERT_TRUE(WriteFile(go, ""));
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[self] stop ran", "[self] stop-post ran", "self: failed"}))
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
  Boot({"[p] post after ready", "p: running"});
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
  Boot({"[ro] set up", "ro: running"});
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
  Boot({"blk: running"});
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
       "trap \"echo got TERM\" TERM; echo up; "
       "while :; do sleep 1000 & wait; done'\n");
  Boot({"[h] up", "h: running"});
  CtlResult stop = Ctl({"stop", "h"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  ASSERT_TRUE(running_->WaitForStderr("[h] got HUP")) << running_->err();
}

}  // namespace
}  // namespace faultinit::testing
