// Sequences the supervisor model (supervisor_model.h) found wrong, each
// replayed step by step on the real Supervisor over a FakeWorld: the
// regression tests of the defects it found.

#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/log.h"
#include "init/supervisor/model/fake_world.h"
#include "init/supervisor/model/unit_specs.h"
#include "init/supervisor/supervisor.h"
#include "init/system/unit.h"
#include "init/system/unit_directory.h"
#include "runtime/scheduler.h"

namespace faultinit::model {
namespace {

// A unit file of the model's kind: its commands name it and `revision`.
std::string Unit(const std::string& name, int revision,
                 const std::string& unit_section,
                 const std::string& service_section) {
  return absl::StrCat("[Unit]\n", unit_section, "[Service]\nExecStart=/m/",
                      name, "/", revision, "/main0\n", service_section);
}

class Sequence : public ::testing::Test {
 protected:
  void SetUp() override {
    scheduler_ = std::move(fault::Scheduler::Create().value());
    supervisor_ = std::make_unique<Supervisor>(
        *scheduler_, log_, SupervisorOptions{"", "/"}, &world_);
    world_.set_spawn_hook([this](const FakeProcess& p) {
      spawned_.push_back(absl::StrCat(p.unit, "@", p.revision, " ", p.step));
      return FakeWorld::SpawnVerdict{};
    });
  }

  static LoadedUnits Parse(const std::map<std::string, std::string>& texts) {
    return LoadTexts(UnitTexts(texts.begin(), texts.end()));
  }
  void Boot(const std::map<std::string, std::string>& texts) {
    supervisor_->Load(Parse(texts));
    supervisor_->Begin();
    supervisor_->StartAll();
    Pump();
  }
  void Reload(const std::map<std::string, std::string>& texts) {
    supervisor_->Reload(Parse(texts));
  }
  // Reports every queued exit, as the loop would, then pumps.
  void DeliverExits() {
    world_.DeliverExits(world_.pending_exits());
    Pump();
  }
  // Reconciles and runs the loop until what is ready now is handled (the
  // fake world's processes have exec'd at once: their reports are ready),
  // as SystemMode's loop turns.
  void Pump() {
    for (int i = 0; i < 4; ++i) {
      supervisor_->Reconcile();
      ASSERT_TRUE(scheduler_->RunOnce(fault::MonotonicNow()).ok());
    }
    supervisor_->Reconcile();
  }
  std::string State(const std::string& name) {
    std::optional<ServiceView> row = supervisor_->View(name);
    return row ? std::string(ServiceStateName(row->state)) : "gone";
  }
  pid_t Pid(const std::string& name) { return supervisor_->View(name)->pid; }

  FakeWorld world_{fault::Seconds(1000)};
  std::unique_ptr<fault::Scheduler> scheduler_;
  Logger log_{0};
  std::unique_ptr<Supervisor> supervisor_;
  std::vector<std::string> spawned_;
};

// Found by the model: before the fix, a stop of a KillMode=process service
// whose main process had forked waited for the child, which no signal ever
// reaches under that mode (not even the stop timeout's SIGKILL): the stop,
// a blocking `faultctl stop` and a reload's replacement waited forever.
TEST_F(Sequence, KillModeProcessStopEndsWithTheMainProcess) {
  Boot({{"a", Unit("a", 1, "", "KillMode=process\nTimeoutStopSec=5s\n")}});
  ASSERT_EQ(State("a"), "running");
  const pid_t main = Pid("a");
  const pid_t helper = world_.Fork(main, /*stubborn=*/false);
  ASSERT_TRUE(supervisor_->StopService("a").ok());
  Pump();
  EXPECT_TRUE(world_.Find(helper)->alive());  // only the main process
  DeliverExits();
  EXPECT_EQ(State("a"), "inactive");
  // The child left behind holds back neither a new definition nor a start.
  Reload({{"a", Unit("a", 2, "", "TimeoutStopSec=5s\n")}});
  ASSERT_TRUE(supervisor_->StartService("a").ok());
  Pump();
  EXPECT_EQ(State("a"), "running");
  EXPECT_EQ(spawned_, (std::vector<std::string>{"a@1 main0", "a@2 main0"}));
  EXPECT_TRUE(world_.Find(helper)->alive());
}

// Found by the model: before the fix, a start requested while a reload waited
// to swap in a definition with an error started that definition once the old
// processes were gone.
TEST_F(Sequence, AStartRequestedDuringAReplacementDoesNotRunAUnitWithAnError) {
  Boot({{"a", Unit("a", 1, "", "")}});
  ASSERT_EQ(State("a"), "running");
  Reload({{"a", Unit("a", 2, "", "RestartSec=5x\n")}});
  ASSERT_EQ(State("a"), "stopping");
  ASSERT_TRUE(supervisor_->StartService("a").ok());
  Pump();
  DeliverExits();
  EXPECT_EQ(State("a"), "failed");
  EXPECT_EQ(spawned_, (std::vector<std::string>{"a@1 main0"}));
}

// A reload that removes what a unit Requires= leaves the unit unchanged:
// a name faultinit has no unit for is a warning, treated as satisfied,
// so the unit has no new error and keeps running; it is not restarted when the
// unit comes back. (Before that, the unit failed: "Requires: no unit b".)
TEST_F(Sequence, AReloadThatRemovesARequirementLeavesTheUnitRunning) {
  const std::string a = Unit("a", 1, "Requires=b\nAfter=b\n", "");
  Boot({{"a", a}, {"b", Unit("b", 1, "", "")}});
  ASSERT_EQ(State("a"), "running");
  Reload({{"a", a}});  // b removed: "Requires: no unit b" is a warning
  DeliverExits();
  Pump();
  EXPECT_EQ(State("a"), "running");
  EXPECT_EQ(spawned_, (std::vector<std::string>{"b@1 main0", "a@1 main0"}));

  // b back: a is unchanged, b starts.
  Reload({{"a", a}, {"b", Unit("b", 2, "", "")}});
  Pump();
  EXPECT_EQ(State("a"), "running");
  EXPECT_EQ(State("b"), "running");
  EXPECT_EQ(spawned_,
            (std::vector<std::string>{"b@1 main0", "a@1 main0", "b@2 main0"}));
}

TEST_F(Sequence, AReloadFailsAnUnchangedUnitOnANewOrderingCycle) {
  const std::string a = Unit("a", 1, "After=b\n", "");
  Boot({{"a", a}, {"b", Unit("b", 1, "", "")}});
  ASSERT_EQ(State("a"), "running");
  Reload({{"a", a}, {"b", Unit("b", 2, "After=a\n", "")}});
  DeliverExits();
  EXPECT_EQ(State("a"), "failed");
  EXPECT_EQ(State("b"), "failed");
  ASSERT_TRUE(supervisor_->StartService("a").ok());
  Pump();
  EXPECT_EQ(spawned_, (std::vector<std::string>{"b@1 main0", "a@1 main0"}));
}

// Found by the model: before the fix, a replaced unit kept the After= and
// Before= of its old definition until the next reload, so starts went in the
// wrong order, or waited on each other forever.
TEST_F(Sequence, AReplacedUnitIsOrderedByItsNewDefinition) {
  Boot({{"a", Unit("a", 1, "After=b\n", "")}, {"b", Unit("b", 1, "", "")}});
  ASSERT_EQ(State("a"), "running");
  ASSERT_EQ(State("b"), "running");
  // Now b comes after a, which is a notify service: b waits for its READY.
  Reload({{"a", Unit("a", 2, "", "Type=notify\n")},
          {"b", Unit("b", 2, "After=a\n", "")}});
  DeliverExits();
  EXPECT_EQ(State("a"), "starting");
  EXPECT_EQ(State("b"), "inactive");
  EXPECT_EQ(spawned_,
            (std::vector<std::string>{"b@1 main0", "a@1 main0", "a@2 main0"}));
}

// Found by the model: before the fix, a stop of a unit that a reload had
// removed and that was still stopping did not count as a requested stop:
// when a reload brought the unit back before its processes were gone, it
// started again, and the blocking stop was answered "running".
TEST_F(Sequence, AStopOfARemovedUnitHoldsWhenItComesBack) {
  Boot({{"a", Unit("a", 1, "", "")}});
  ASSERT_EQ(State("a"), "running");
  Reload({});
  ASSERT_EQ(State("a"), "stopping");
  ASSERT_TRUE(supervisor_->View("a").has_value());  // still listed
  (void)supervisor_->StopService("a");
  Reload({{"a", Unit("a", 2, "", "")}});
  DeliverExits();
  EXPECT_EQ(State("a"), "inactive");
  EXPECT_EQ(spawned_, (std::vector<std::string>{"a@1 main0"}));
  ASSERT_TRUE(supervisor_->StartService("a").ok());
  Pump();
  EXPECT_EQ(State("a"), "running");
  EXPECT_EQ(spawned_, (std::vector<std::string>{"a@1 main0", "a@2 main0"}));
}

// Found by tests/soak_test.cc: a stop of a service waiting to restart left
// running what its main process had forked (KillMode=mixed signals only
// the main process), and the service said inactive. Now what the main
// process left is stopped before the service goes down, as in systemd:
// with KillMode=mixed, whose KillSignal= would reach no one once the main
// process is gone, the final SIGKILL goes to every process at once.
TEST_F(Sequence, AMainProcessThatEndedTakesWhatItLeftWithIt) {
  Boot({{"a", Unit("a", 1, "",
                   "KillMode=mixed\nRestart=always\nRestartSec=5s\n"
                   "TimeoutStopSec=2s\n")}});
  const pid_t helper = world_.Fork(Pid("a"), /*stubborn=*/false);
  world_.Exit(Pid("a"), -1, SIGSEGV);
  DeliverExits();
  EXPECT_FALSE(world_.Find(helper)->alive());
  DeliverExits();
  EXPECT_EQ(State("a"), "restarting");
  ASSERT_TRUE(supervisor_->StopService("a").ok());
  Pump();
  EXPECT_EQ(State("a"), "inactive");
  EXPECT_EQ(spawned_, (std::vector<std::string>{"a@1 main0"}));
}

}  // namespace
}  // namespace faultinit::model
