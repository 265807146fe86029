// Supervisor::Reload on the real runtime (scheduler, spawn, reaping): what
// a reload does to new units with errors, to units stopped on request, to
// running, removed and re-added ones, and to a shutdown that overtakes it.
// The test drives the loop itself, so "a stop in flight" is exact: a unit
// is stopping from StopService until its exit is reaped in RunOnce. Every
// wait is on an event (an exit, a line of output), bounded by a generous
// deadline.

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "init/log.h"
#include "init/supervisor/supervisor_runtime_fixture.h"
#include "init/system/unit_directory.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {
namespace {

using Names = std::vector<std::string>;

// A service that says which definition it runs, then waits.
std::string Version(absl::string_view v) {
  return absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo ", v,
                      "; exec sleep 1000'\n");
}

class SupervisorReload : public SupervisorOnRuntime<RuntimeWorld> {
 protected:
  SupervisorReload() : SupervisorOnRuntime(1) {}

  void Remove(const std::string& name) {
    ASSERT_EQ(unlink(absl::StrCat(dir_, "/", name, ".service").c_str()), 0);
  }

  ReloadSummary Reload() {
    return supervisor_->Reload(LoadUnitDirectory(dir_));
  }

  bool Settled(const std::string& name) {
    return RunUntil([&] { return !supervisor_->Busy(name); });
  }
  // Waits for `line` in the service's journal.
  bool Logged(const std::string& name, const std::string& line) {
    return RunUntil([&] { return HasLine(name, line); });
  }
  bool HasLine(const std::string& name, const std::string& line) {
    for (const std::string& l : supervisor_->Log(name, 100)) {
      if (l == line) return true;
    }
    return false;
  }

  ServiceState State(const std::string& name) {
    std::optional<ServiceView> view = supervisor_->View(name);
    EXPECT_TRUE(view.has_value()) << name;
    return view ? view->state : ServiceState::kInactive;
  }
  pid_t Pid(const std::string& name) {
    std::optional<ServiceView> view = supervisor_->View(name);
    return view ? view->pid : 0;
  }
};

// A new unit with an error, added by a reload, fails with its file:line
// error; the running unit is untouched. (Each of these used to crash: the
// new unit's refusal reached the supervisor before its entry existed.)
struct BrokenUnits {
  const char* test_name;
  std::vector<std::pair<std::string, std::string>> units;  // name, text
  std::string error;  // in the first unit's reason, after its path
};

void PrintTo(const BrokenUnits& units, std::ostream* os) {
  *os << units.test_name;
}

class NewUnitWithError : public SupervisorReload,
                         public ::testing::WithParamInterface<BrokenUnits> {};

TEST_P(NewUnitWithError, FailsAloneWithItsError) {
  Unit("steady", Version("steady"));
  Boot();
  ASSERT_TRUE(Logged("steady", "steady"));
  const pid_t steady = Pid("steady");
  ASSERT_NE(steady, 0);

  Names added;
  for (const auto& [name, text] : GetParam().units) {
    Unit(name, text);
    added.push_back(name);
  }
  ReloadSummary summary = Reload();
  EXPECT_EQ(summary.started, added);
  EXPECT_EQ(summary.restarted, Names{});
  for (const std::string& name : added) {
    ASSERT_TRUE(Settled(name));
    EXPECT_EQ(State(name), ServiceState::kFailed) << name;
  }
  const std::string& first = added.front();
  EXPECT_TRUE(absl::StartsWith(
      supervisor_->View(first)->reason,
      absl::StrCat(dir_, "/", first, ".service:", GetParam().error)))
      << supervisor_->View(first)->reason;
  EXPECT_EQ(State("steady"), ServiceState::kRunning);
  EXPECT_EQ(Pid("steady"), steady);
  // The failed unit is known: start refuses it again with the same error.
  EXPECT_TRUE(supervisor_->StartService(first).ok());
  EXPECT_EQ(State(first), ServiceState::kFailed);
}

INSTANTIATE_TEST_SUITE_P(
    Reload, NewUnitWithError,
    ::testing::Values(
        BrokenUnits{
            "BadValue",
            {{"new", "[Service]\nExecStart=/bin/true\nRestartSec=5x\n"}},
            "3: error: RestartSec"},
        BrokenUnits{
            "CycleOfNewUnits",
            {{"cycle-a",
              "[Unit]\nAfter=cycle-b\n[Service]\nExecStart=/bin/true\n"},
             {"cycle-b",
              "[Unit]\nAfter=cycle-a\n[Service]\nExecStart=/bin/true\n"}},
            "2: error: ordering cycle"},
        BrokenUnits{"BinaryFile",
                    {{"binary", std::string("\x7f"
                                            "ELF\x02\x01\x01\0\0\n\xff"
                                            "\xfe[Service\n\x01=\x02\n",
                                            20)}},
                    "1: error: NUL byte"}),
    [](const ::testing::TestParamInfo<BrokenUnits>& info) {
      return info.param.test_name;
    });

// A unit stopped on request and changed stays stopped through a reload; it
// has the new definition when it is started.
TEST_F(SupervisorReload, StoppedUnitChangedStaysStopped) {
  Unit("x", Version("v1"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  ASSERT_TRUE(supervisor_->StopService("x").ok());
  ASSERT_TRUE(Settled("x"));
  ASSERT_EQ(State("x"), ServiceState::kInactive);

  Unit("x", Version("v2"));
  ReloadSummary summary = Reload();
  EXPECT_EQ(summary.changed, Names{"x"});
  EXPECT_EQ(summary.restarted, Names{});
  ASSERT_TRUE(Settled("x"));
  EXPECT_EQ(State("x"), ServiceState::kInactive);
  // A second reload of the same files changes nothing.
  summary = Reload();
  EXPECT_EQ(summary.changed, Names{});
  ASSERT_TRUE(Settled("x"));
  EXPECT_EQ(State("x"), ServiceState::kInactive);

  ASSERT_TRUE(supervisor_->StartService("x").ok());
  ASSERT_TRUE(Logged("x", "v2"));
  EXPECT_EQ(State("x"), ServiceState::kRunning);
}

// A reload while a requested stop is in flight: the stop completes, then
// the new definition is swapped in, not started.
TEST_F(SupervisorReload, StopInFlightThenReload) {
  Unit("x", Version("v1"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  ASSERT_TRUE(supervisor_->StopService("x").ok());
  ASSERT_EQ(State("x"), ServiceState::kStopping);  // its exit is not reaped

  Unit("x", Version("v2"));
  EXPECT_EQ(Reload().changed, Names{"x"});
  EXPECT_TRUE(supervisor_->Busy("x"));
  ASSERT_TRUE(Settled("x"));
  EXPECT_EQ(State("x"), ServiceState::kInactive);
  EXPECT_FALSE(HasLine("x", "v2"));
}

// A changed running unit restarts with the new definition (unchanged).
TEST_F(SupervisorReload, RunningUnitChangedRestarts) {
  Unit("x", Version("v1"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  Unit("x", Version("v2"));
  EXPECT_EQ(Reload().restarted, Names{"x"});
  ASSERT_TRUE(Logged("x", "v2"));
  ASSERT_TRUE(Settled("x"));
  EXPECT_EQ(State("x"), ServiceState::kRunning);
}

// A stop requested while a reload's restart is in flight wins: the new
// definition is swapped in and not started; a start after it runs it.
TEST_F(SupervisorReload, StopDuringReloadRestart) {
  Unit("x", Version("v1"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  Unit("x", Version("v2"));
  EXPECT_EQ(Reload().restarted, Names{"x"});
  ASSERT_EQ(State("x"), ServiceState::kStopping);
  ASSERT_TRUE(supervisor_->StopService("x").ok());
  ASSERT_TRUE(Settled("x"));
  EXPECT_EQ(State("x"), ServiceState::kInactive);
  EXPECT_FALSE(HasLine("x", "v2"));
  ASSERT_TRUE(supervisor_->StartService("x").ok());
  ASSERT_TRUE(Logged("x", "v2"));
}

// A unit removed by a reload and back in the next one before its
// processes were gone starts again (it used to stay inactive); a removed
// one is forgotten.
TEST_F(SupervisorReload, RemovedThenBackBeforeGone) {
  Unit("x", Version("v1"));
  Unit("gone", Version("gone"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  ASSERT_TRUE(Logged("gone", "gone"));
  Remove("x");
  Remove("gone");
  ReloadSummary summary = Reload();
  EXPECT_EQ(summary.stopped, (Names{"gone", "x"}));
  ASSERT_EQ(State("x"), ServiceState::kStopping);
  Unit("x", Version("v1"));
  EXPECT_EQ(Reload().restarted, Names{"x"});
  ASSERT_TRUE(Settled("x"));
  ASSERT_TRUE(Settled("gone"));
  EXPECT_EQ(State("x"), ServiceState::kRunning);
  EXPECT_FALSE(supervisor_->View("gone").has_value());
}

// A shutdown that begins while a reload waits to swap a definition in
// does not leave the unit busy (a waiting faultctl would never be
// answered).
TEST_F(SupervisorReload, ShutdownDropsAPendingDefinition) {
  Unit("x", Version("v1"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  Unit("x", Version("v2"));
  EXPECT_EQ(Reload().restarted, Names{"x"});
  ASSERT_TRUE(supervisor_->Busy("x"));
  supervisor_->Shutdown();
  ASSERT_TRUE(RunUntil([&] { return supervisor_->AllStopped(); }));
  ASSERT_TRUE(Settled("x"));
  EXPECT_EQ(State("x"), ServiceState::kInactive);
  EXPECT_FALSE(HasLine("x", "v2"));
}

// AddLoaded (a unit loaded on demand): a unit it does not know becomes an
// entry, not started, which a start then runs; a unit it knows keeps its
// definition and its process, even when its file changed.
TEST_F(SupervisorReload, AddLoadedAddsNewUnitsOnlyAndStartsNothing) {
  Unit("web", Version("web-v1"));
  Boot();
  ASSERT_TRUE(Logged("web", "web-v1"));
  const pid_t web = Pid("web");
  Unit("web", Version("web-v2"));
  Unit("extra", Version("extra-up"));
  EXPECT_EQ(supervisor_->AddLoaded(LoadUnitDirectory(dir_)), Names{"extra"});
  ASSERT_TRUE(RunUntil([&] { return true; }));
  EXPECT_EQ(State("extra"), ServiceState::kInactive);
  EXPECT_EQ(Pid("web"), web);
  EXPECT_TRUE(supervisor_->AddLoaded(LoadUnitDirectory(dir_)).empty());
  ASSERT_TRUE(supervisor_->StartService("extra").ok());
  ASSERT_TRUE(Logged("extra", "extra-up"));
  EXPECT_EQ(Pid("web"), web);
  EXPECT_FALSE(HasLine("web", "web-v2"));
}

// systemd's daemon-reload (Supervisor::Redefine) on a changed running
// unit: it runs on; a restart runs the new definition. A second
// daemon-reload that finds the file back as it runs drops the pending one.
TEST_F(SupervisorReload, DaemonReloadChangedRunsOnUntilRestart) {
  Unit("x", Version("v1"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  const pid_t v1 = Pid("x");
  Unit("x", Version("v2"));
  RedefineSummary summary = supervisor_->Redefine(LoadUnitDirectory(dir_));
  EXPECT_EQ(summary.changed, Names{"x"});
  EXPECT_FALSE(supervisor_->Busy("x"));
  EXPECT_EQ(State("x"), ServiceState::kRunning);
  EXPECT_EQ(Pid("x"), v1);
  Unit("x", Version("v1"));
  EXPECT_EQ(supervisor_->Redefine(LoadUnitDirectory(dir_)).changed, Names{});
  ASSERT_TRUE(supervisor_->RestartService("x").ok());
  ASSERT_TRUE(RunUntil([&] { return Pid("x") != v1 && Pid("x") != 0; }));
  ASSERT_TRUE(Settled("x"));
  EXPECT_FALSE(HasLine("x", "v2"));
  Unit("x", Version("v3"));
  EXPECT_EQ(supervisor_->Redefine(LoadUnitDirectory(dir_)).changed, Names{"x"});
  ASSERT_TRUE(supervisor_->RestartService("x").ok());
  ASSERT_TRUE(Logged("x", "v3"));
}

// A running unit whose file a daemon-reload finds broken runs on; the
// restart that swaps the broken definition in refuses the start with its
// error (nothing of it runs), as a start of a unit with an error does.
TEST_F(SupervisorReload, DaemonReloadBrokenFileRefusesTheRestart) {
  Unit("x", Version("v1"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  const pid_t v1 = Pid("x");
  Unit("x",
       "[Service]\nExecStart=/bin/sh -c 'echo v2; exec sleep 1000'\n"
       "RestartSec=5x\n");
  EXPECT_EQ(supervisor_->Redefine(LoadUnitDirectory(dir_)).changed, Names{"x"});
  EXPECT_EQ(State("x"), ServiceState::kRunning);
  EXPECT_EQ(Pid("x"), v1);
  ASSERT_TRUE(supervisor_->RestartService("x").ok());
  ASSERT_TRUE(RunUntil([&] { return State("x") == ServiceState::kFailed; }));
  ASSERT_TRUE(Settled("x"));
  EXPECT_EQ(State("x"), ServiceState::kFailed);
  EXPECT_EQ(Pid("x"), 0);
  EXPECT_FALSE(HasLine("x", "v2"));
  EXPECT_NE(supervisor_->View("x")->reason.find("error: RestartSec"),
            std::string::npos)
      << supervisor_->View("x")->reason;
}

// A service with Restart= keys that says which definition it runs, then
// waits.
std::string Restarting(absl::string_view v, absl::string_view keys) {
  return absl::StrCat(Version(v), keys);
}

// After a daemon-reload, the automatic restart (Restart=) of a unit that
// was up runs the new definition, as systemd's: its ExecStart=, and its
// Environment=.
TEST_F(SupervisorReload, DaemonReloadAutomaticRestartRunsTheNewDefinition) {
  Unit("x", Restarting("v1", "Restart=always\n"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  const pid_t v1 = Pid("x");
  Unit("x",
       "[Service]\nEnvironment=WHICH=v2\n"
       "ExecStart=/bin/sh -c 'echo $WHICH; exec sleep 1000'\n"
       "Restart=always\n");
  EXPECT_EQ(supervisor_->Redefine(LoadUnitDirectory(dir_)).changed, Names{"x"});
  EXPECT_EQ(Pid("x"), v1);
  ASSERT_EQ(kill(v1, SIGKILL), 0);
  ASSERT_TRUE(Logged("x", "v2"));
  ASSERT_TRUE(Settled("x"));
  EXPECT_EQ(State("x"), ServiceState::kRunning);
  EXPECT_NE(Pid("x"), v1);
  EXPECT_EQ(supervisor_->View("x")->restarts, 1);
  EXPECT_EQ(supervisor_->CheckIndexes(), "");
}

// Whether and when the unit restarts is the new definition's too (systemd
// decides with the unit as loaded when its process ends): Restart= added
// restarts it, Restart= removed does not (it fails, and its next start
// runs the new definition), and a RestartSec= of an hour is the old one's
// only (the restart comes at once).
TEST_F(SupervisorReload, DaemonReloadNewRestartKeysDecideTheRestart) {
  Unit("added", Restarting("added1", ""));
  Unit("removed", Restarting("removed1", "Restart=always\n"));
  Unit("sooner", Restarting("sooner1", "Restart=always\nRestartSec=1h\n"));
  Boot();
  ASSERT_TRUE(Logged("added", "added1"));
  ASSERT_TRUE(Logged("removed", "removed1"));
  ASSERT_TRUE(Logged("sooner", "sooner1"));
  Unit("added", Restarting("added2", "Restart=on-failure\n"));
  Unit("removed", Restarting("removed2", ""));
  Unit("sooner", Restarting("sooner2", "Restart=always\n"));
  EXPECT_EQ(supervisor_->Redefine(LoadUnitDirectory(dir_)).changed,
            (Names{"added", "removed", "sooner"}));
  for (const char* name : {"added", "removed", "sooner"}) {
    ASSERT_EQ(kill(Pid(name), SIGKILL), 0) << name;
  }
  ASSERT_TRUE(Logged("added", "added2"));
  ASSERT_TRUE(Logged("sooner", "sooner2"));
  ASSERT_TRUE(
      RunUntil([&] { return State("removed") != ServiceState::kRunning; }));
  ASSERT_TRUE(Settled("removed"));
  EXPECT_EQ(State("removed"), ServiceState::kFailed);
  EXPECT_FALSE(HasLine("removed", "removed2"));
  ASSERT_TRUE(supervisor_->StartService("removed").ok());
  ASSERT_TRUE(Logged("removed", "removed2"));
  EXPECT_EQ(supervisor_->CheckIndexes(), "");
}

// A daemon-reload while the unit waits to restart: the restart runs the
// new definition, after the new RestartSec= (counted from when the wait
// began), not the hour the old one said.
TEST_F(SupervisorReload, DaemonReloadWhileWaitingToRestart) {
  Unit("x", Restarting("v1", "Restart=always\nRestartSec=1h\n"));
  Boot();
  ASSERT_TRUE(Logged("x", "v1"));
  ASSERT_EQ(kill(Pid("x"), SIGKILL), 0);
  ASSERT_TRUE(
      RunUntil([&] { return State("x") == ServiceState::kRestarting; }));
  Unit("x", Restarting("v2", "Restart=always\nRestartSec=10ms\n"));
  EXPECT_EQ(supervisor_->Redefine(LoadUnitDirectory(dir_)).changed, Names{"x"});
  ASSERT_TRUE(Logged("x", "v2"));
  ASSERT_TRUE(Settled("x"));
  EXPECT_EQ(State("x"), ServiceState::kRunning);
  EXPECT_EQ(supervisor_->CheckIndexes(), "");
}

// A definition with an error refuses the automatic restart with its
// error, as it refuses a requested one: the unit ends failed, nothing of
// it runs; whether the daemon-reload came before its end ("before") or
// while it waited to restart ("waiting").
TEST_F(SupervisorReload, DaemonReloadBrokenFileRefusesTheAutomaticRestart) {
  Unit("before", Restarting("before1", "Restart=always\n"));
  Unit("waiting", Restarting("waiting1", "Restart=always\nRestartSec=1h\n"));
  Boot();
  ASSERT_TRUE(Logged("before", "before1"));
  ASSERT_TRUE(Logged("waiting", "waiting1"));
  ASSERT_EQ(kill(Pid("waiting"), SIGKILL), 0);
  ASSERT_TRUE(
      RunUntil([&] { return State("waiting") == ServiceState::kRestarting; }));
  Unit("before", Restarting("before2", "Restart=always\nRestartSec=5x\n"));
  Unit("waiting", Restarting("waiting2", "Restart=always\nRestartSec=5x\n"));
  EXPECT_EQ(supervisor_->Redefine(LoadUnitDirectory(dir_)).changed,
            (Names{"before", "waiting"}));
  const pid_t before = Pid("before");
  ASSERT_EQ(kill(before, SIGKILL), 0);
  for (const std::string name : {"before", "waiting"}) {
    ASSERT_TRUE(RunUntil([&] { return State(name) == ServiceState::kFailed; }))
        << name;
    ASSERT_TRUE(Settled(name));
    EXPECT_EQ(State(name), ServiceState::kFailed) << name;
    EXPECT_EQ(Pid(name), 0) << name;
    EXPECT_FALSE(HasLine(name, name + "2")) << name;
    EXPECT_NE(supervisor_->View(name)->reason.find("error: RestartSec"),
              std::string::npos)
        << supervisor_->View(name)->reason;
  }
  EXPECT_EQ(supervisor_->CheckIndexes(), "");
}

// A unit a daemon-reload found gone runs on; a faultctl reload after it
// stops it (and it is forgotten); one whose file is back before it is
// down is kept.
TEST_F(SupervisorReload, DaemonReloadRemovedThenReload) {
  Unit("x", Version("x"));
  Unit("y", Version("y"));
  Boot();
  ASSERT_TRUE(Logged("x", "x"));
  ASSERT_TRUE(Logged("y", "y"));
  Remove("x");
  Remove("y");
  RedefineSummary summary = supervisor_->Redefine(LoadUnitDirectory(dir_));
  EXPECT_EQ(summary.removed, (Names{"x", "y"}));
  EXPECT_EQ(State("x"), ServiceState::kRunning);
  EXPECT_FALSE(supervisor_->StartService("x").ok());  // not found
  Unit("y", Version("y"));
  EXPECT_EQ(supervisor_->Redefine(LoadUnitDirectory(dir_)).removed, Names{});
  EXPECT_EQ(Reload().stopped, Names{"x"});
  ASSERT_TRUE(RunUntil([&] { return !supervisor_->View("x").has_value(); }));
  ASSERT_TRUE(supervisor_->StopService("y").ok());
  ASSERT_TRUE(Settled("y"));
  EXPECT_EQ(State("y"), ServiceState::kInactive);
  ASSERT_TRUE(supervisor_->StartService("y").ok());
  ASSERT_TRUE(Settled("y"));
  EXPECT_EQ(State("y"), ServiceState::kRunning);
}

}  // namespace
}  // namespace faultinit
