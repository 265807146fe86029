// What the exit of an orphan (a process a service left to faultinit) costs
// the Supervisor: it may have been the last of a group or session of the
// service it came from, so those are probed (kill(-id, 0)); only in the
// services that hold a group or session whose leader is gone, not in
// every service. Counted on a FakeWorld: work done, not time taken.

#include <signal.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/log.h"
#include "init/supervisor/forwarding_world.h"
#include "init/supervisor/model/fake_world.h"
#include "init/supervisor/model/unit_specs.h"
#include "init/supervisor/supervisor.h"
#include "init/system/unit.h"
#include "init/system/unit_directory.h"
#include "runtime/duration.h"
#include "runtime/scheduler.h"

namespace faultinit::model {
namespace {

constexpr int kServices = 300;
// Probes one orphan's exit may make, whatever kServices: its service's.
constexpr size_t kFewProbes = 4;

// ProbeCount: `world`, counting kill(2) calls with signal 0 (probes).
class ProbeCount final : public ForwardingWorld {
 public:
  explicit ProbeCount(FakeWorld& world)
      : ForwardingWorld(world), world_(world) {}
  size_t probes() const { return probes_; }

  int Kill(pid_t target, int signo) override {
    probes_ += signo == 0;
    return ForwardingWorld::Kill(target, signo);
  }
  pid_t LastPid() override { return world_.LastPid(); }

 private:
  FakeWorld& world_;
  size_t probes_ = 0;
};

class OrphanProbes : public ::testing::Test {
 protected:
  void SetUp() override {
    scheduler_ = std::move(fault::Scheduler::Create().value());
    supervisor_ = std::make_unique<Supervisor>(
        *scheduler_, log_, SupervisorOptions{"", "/"}, &counted_);
    UnitTexts units;
    for (int i = 0; i < kServices; ++i) {
      const std::string name = absl::StrCat("s", i);
      // KillMode=process: what the main process forked outlives it.
      units.emplace_back(name, absl::StrCat("[Service]\nExecStart=/m/", name,
                                            "/1/main0\nKillMode=process\n"));
    }
    supervisor_->Load(LoadTexts(units));
    supervisor_->Begin();
    supervisor_->StartAll();
    for (int i = 0; i < 100 && Running() < kServices; ++i) Turn();
  }

  void Turn() {
    world_.DeliverExits(world_.pending_exits());
    supervisor_->Reconcile();
    world_.Advance(fault::Milliseconds(1));
    supervisor_->Reconcile();
    ASSERT_TRUE(scheduler_->RunOnce(fault::MonotonicNow()).ok());
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
  ProbeCount counted_{world_};
  std::unique_ptr<fault::Scheduler> scheduler_;
  Logger log_{0};
  std::unique_ptr<Supervisor> supervisor_;
};

// A helper of a running service ends: the service's group and session are
// led by its main process, alive, so nothing can have ended with it.
TEST_F(OrphanProbes, AHelperOfARunningServiceProbesNothingElse) {
  ASSERT_EQ(Running(), kServices);
  const pid_t main = supervisor_->View("s5")->pid;
  const pid_t helper = world_.Fork(main, /*stubborn=*/false);
  ASSERT_GT(helper, 0);
  const size_t before = counted_.probes();
  world_.Exit(helper, 0);
  ASSERT_EQ(world_.DeliverExits(1), 1u);
  supervisor_->Reconcile();
  EXPECT_LE(counted_.probes() - before, kFewProbes);
  EXPECT_EQ(supervisor_->View("s5")->state, ServiceState::kRunning);
  EXPECT_TRUE(world_.violations().empty());
}

// The main process ends first (KillMode=process leaves its helper); the
// helper's exit then ends the service's group and session, which only
// that service is probed for.
TEST_F(OrphanProbes, TheLastProcessOfAServiceProbesThatService) {
  ASSERT_EQ(Running(), kServices);
  const pid_t main = supervisor_->View("s7")->pid;
  const pid_t helper = world_.Fork(main, /*stubborn=*/false);
  ASSERT_GT(helper, 0);
  world_.Exit(main, 0);
  for (int i = 0; i < 10; ++i) Turn();
  ASSERT_EQ(supervisor_->View("s7")->state, ServiceState::kInactive);

  const size_t before = counted_.probes();
  world_.Exit(helper, 0);
  ASSERT_EQ(world_.DeliverExits(1), 1u);
  supervisor_->Reconcile();
  const size_t probes = counted_.probes() - before;
  EXPECT_GE(probes, 1u);  // the group and session of s7
  EXPECT_LE(probes, kFewProbes);
  // Its group is gone: a start is not held back by leftovers.
  ASSERT_TRUE(supervisor_->StartService("s7").ok());
  for (int i = 0; i < 10; ++i) Turn();
  EXPECT_EQ(supervisor_->View("s7")->state, ServiceState::kRunning);
  EXPECT_TRUE(world_.violations().empty());
}

}  // namespace
}  // namespace faultinit::model
