// How often the Supervisor reads the process table (SupervisorWorld::
// Processes, a scan of /proc on the runtime) to find its sessions' members:
// once per dispatch that needs it, not once per service. Counted on a
// FakeWorld: work done, not time taken.

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

constexpr int kServices = 50;

class Scans : public ::testing::Test {
 protected:
  void SetUp() override {
    scheduler_ = std::move(fault::Scheduler::Create().value());
    supervisor_ = std::make_unique<Supervisor>(
        *scheduler_, log_, SupervisorOptions{"", "/"}, &world_);
    UnitTexts units;
    for (int i = 0; i < kServices; ++i) {
      const std::string name = absl::StrCat("s", i);
      units.emplace_back(
          name, absl::StrCat("[Service]\nExecStart=/m/", name, "/1/main0\n"));
    }
    supervisor_->Load(LoadTexts(units));
    supervisor_->Begin();
    supervisor_->StartAll();
    // The exec reports (the fake world's processes exec at once), read as
    // the loop turns: at most 16 events a wait.
    for (int i = 0; i < 100 && Running() < kServices; ++i) {
      supervisor_->Reconcile();
      ASSERT_TRUE(scheduler_->RunOnce(fault::MonotonicNow()).ok());
    }
    supervisor_->Reconcile();
  }

  int Running() {
    int running = 0;
    for (const ServiceView& row : supervisor_->Status()) {
      running += row.state == ServiceState::kRunning;
    }
    return running;
  }

  FakeWorld world_{fault::Seconds(1000)};
  std::unique_ptr<fault::Scheduler> scheduler_;
  Logger log_{0};
  std::unique_ptr<Supervisor> supervisor_;
};

// A shutdown stops every service in one pass and reaps them all in one
// dispatch: one scan for the stops, one for the exits.
TEST_F(Scans, AShutdownReadsTheProcessTableOncePerDispatch) {
  ASSERT_EQ(Running(), kServices);
  const size_t before = world_.process_scans();
  supervisor_->Shutdown();  // stops all of them, then Reconcile
  EXPECT_EQ(world_.pending_exits(), static_cast<size_t>(kServices));
  EXPECT_LE(world_.process_scans() - before, 1u);

  const size_t stopped = world_.process_scans();
  world_.DeliverExits(world_.pending_exits());
  supervisor_->Reconcile();
  EXPECT_TRUE(supervisor_->AllStopped());
  EXPECT_LE(world_.process_scans() - stopped, 1u);
  EXPECT_TRUE(world_.violations().empty());
}

// The view does not outlive its dispatch: a stop in the next one scans
// again (a process forked meanwhile would be missed otherwise).
TEST_F(Scans, EachDispatchTakesItsOwnView) {
  const size_t before = world_.process_scans();
  ASSERT_TRUE(supervisor_->StopService("s0").ok());
  supervisor_->Reconcile();
  ASSERT_TRUE(supervisor_->StopService("s1").ok());
  supervisor_->Reconcile();
  EXPECT_EQ(world_.process_scans() - before, 2u);
}

}  // namespace
}  // namespace faultinit::model
