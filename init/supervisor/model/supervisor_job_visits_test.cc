// How many entries the jobs across units (supervisor_jobs.cc: Conflicts=,
// BindsTo=, PartOf=, StopWhenUnneeded=...) look at per event: what the
// event touches, found through the reverse edges, not a scan of every unit
// that has such a key. Counted (Supervisor::JobVisits) on a FakeWorld over
// a directory where every unit has one: work done, not time taken.

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
#include "runtime/duration.h"
#include "runtime/scheduler.h"

namespace faultinit::model {
namespace {

// Pairs a<i>, b<i>: b<i> BindsTo=, Wants= and is ordered after a<i>, and
// Conflicts= with a unit that never runs; s<i> is a plain service.
constexpr int kPairs = 400;
// What an event may look at, whatever kPairs: a unit's own few edges.
constexpr size_t kFewVisits = 8;

class JobVisits : public ::testing::Test {
 protected:
  void SetUp() override {
    scheduler_ = std::move(fault::Scheduler::Create().value());
    supervisor_ = std::make_unique<Supervisor>(
        *scheduler_, log_, SupervisorOptions{"", "/"}, &world_);
    UnitTexts units;
    auto add = [&](const std::string& name, const std::string& unit_section) {
      units.emplace_back(
          name,
          absl::StrCat("[Unit]\n", unit_section, "[Service]\nExecStart=/m/",
                       name, "/1/main0\nRestart=always\nRestartSec=0\n"));
    };
    add("never", "");
    for (int i = 0; i < kPairs; ++i) {
      const std::string a = absl::StrCat("a", i);
      add(a, "");
      add(absl::StrCat("b", i),
          absl::StrCat("BindsTo=", a, "\nWants=", a, "\nAfter=", a,
                       "\nConflicts=never\n"));
    }
    supervisor_->Load(LoadTexts(units));
    supervisor_->Begin();
    supervisor_->StartAll();
    Turn();
  }

  // Runs the loop until nothing is left to do now: exits, due timers, exec
  // reports.
  void Turn() {
    for (int i = 0; i < 500; ++i) {
      world_.DeliverExits(world_.pending_exits());
      supervisor_->Reconcile();
      world_.Advance(fault::Milliseconds(1));  // the timers due (RestartSec=0)
      supervisor_->Reconcile();
      ASSERT_TRUE(scheduler_->RunOnce(fault::MonotonicNow()).ok());
      supervisor_->Reconcile();
      if (world_.pending_exits() == 0 && Settled()) return;
    }
    ADD_FAILURE() << "not settled";
  }

  // Nothing is on its way anywhere (Supervisor::Busy).
  bool Settled() {
    for (const ServiceView& row : supervisor_->Status()) {
      if (supervisor_->Busy(row.name)) return false;
    }
    return true;
  }

  int Running() {
    int n = 0;
    for (const ServiceView& row : supervisor_->Status()) {
      n += row.state == ServiceState::kRunning;
    }
    return n;
  }
  int Down() {
    int n = 0;
    for (const ServiceView& row : supervisor_->Status()) {
      n += row.state == ServiceState::kInactive ||
           row.state == ServiceState::kFailed;
    }
    return n;
  }
  ServiceState State(const std::string& name) {
    return supervisor_->View(name)->state;
  }

  FakeWorld world_{fault::Seconds(1000)};
  std::unique_ptr<fault::Scheduler> scheduler_;
  Logger log_{0};
  std::unique_ptr<Supervisor> supervisor_;
};

// "never" conflicts with nothing running: StartAll started it, and every
// b<i>'s start stopped it (Conflicts=).
TEST_F(JobVisits, BootStartsEveryPair) {
  EXPECT_EQ(Running(), 2 * kPairs);
  EXPECT_EQ(State("never"), ServiceState::kInactive);
  EXPECT_EQ(supervisor_->CheckIndexes(), "");
}

// A restart (its main process exits, Restart=always) of a unit another
// one BindsTo=: its start looks for what conflicts with it.
TEST_F(JobVisits, ARestartLooksAtItsOwnEdges) {
  ASSERT_EQ(Running(), 2 * kPairs);
  for (const std::string name : {"a7", "b7", "a300"}) {
    const pid_t pid = supervisor_->View(name)->pid;
    ASSERT_GT(pid, 0);
    const size_t before = supervisor_->JobVisits();
    world_.Exit(pid, 1);
    Turn();
    EXPECT_EQ(State(name), ServiceState::kRunning) << name;
    EXPECT_NE(supervisor_->View(name)->pid, pid) << name;
    EXPECT_LE(supervisor_->JobVisits() - before, kFewVisits) << name;
  }
  EXPECT_EQ(supervisor_->CheckIndexes(), "");
}

// A stop propagates to what BindsTo= the stopped unit, and the unit going
// down stops what is bound to it: found through its reverse edges.
TEST_F(JobVisits, AStopLooksAtWhatIsBoundToIt) {
  const size_t before = supervisor_->JobVisits();
  ASSERT_TRUE(supervisor_->StopService("a9").ok());
  Turn();
  EXPECT_EQ(State("a9"), ServiceState::kInactive);
  EXPECT_EQ(State("b9"), ServiceState::kInactive);
  EXPECT_EQ(State("b10"), ServiceState::kRunning);
  EXPECT_LE(supervisor_->JobVisits() - before, kFewVisits);

  const size_t started = supervisor_->JobVisits();
  ASSERT_TRUE(supervisor_->StartService("b9").ok());  // pulls a9 in
  Turn();
  EXPECT_EQ(State("a9"), ServiceState::kRunning);
  EXPECT_EQ(State("b9"), ServiceState::kRunning);
  EXPECT_LE(supervisor_->JobVisits() - started, kFewVisits);
  EXPECT_EQ(supervisor_->CheckIndexes(), "");
}

}  // namespace
}  // namespace faultinit::model
