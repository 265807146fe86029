// The Supervisor's switch between orphans reaped by the kernel and
// orphans reported (supervisor_processes.cc: UpdateOrphanReaping), on a
// FakeWorld whose orphan exits are dropped while the kernel would reap
// them. A service becomes an orphan host when one of its groups or
// sessions outlives its leader: orphans are reported from then until no
// host is left. An orphan of a new host may have ended, unheard of, just
// before the switch: the hosts are looked at then, as its report would
// have had them looked at. Counted and ordered on the model: no time.

#include <fcntl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "init/log.h"
#include "init/supervisor/forwarding_world.h"
#include "init/supervisor/model/fake_world.h"
#include "init/supervisor/model/unit_specs.h"
#include "init/supervisor/supervisor.h"
#include "init/system/unit_directory.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/spawn.h"

namespace faultinit::model {
namespace {

using Reaping = fault::Scheduler::OrphanReaping;

// `world`, where the kernel can reap orphans, recording each reaping
// asked for; with `end_before_report` set, the switch to reporting first
// delivers every queued exit (orphans then, dropped: as if the kernel had
// reaped them just before the switch).
class SwitchingWorld final : public ForwardingWorld {
 public:
  explicit SwitchingWorld(FakeWorld& world)
      : ForwardingWorld(world), world_(world) {}

  bool KernelCanReapOrphans() override { return true; }
  // A pidfd asked for is given, a stand-in (/dev/null; the FakeWorld's
  // watches close it): a spawn without one has orphans reported for good.
  fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) override {
    if (options.pidfd != nullptr) {
      *options.pidfd = fault::UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    }
    return ForwardingWorld::Spawn(options);
  }
  fault::Status WatchOrphans(fault::Scheduler::ExitCallback fn,
                             Reaping how) override {
    if (fn != nullptr) {
      if (how == Reaping::kReport && end_before_report) {
        world_.DeliverExits(world_.pending_exits());
      }
      modes.push_back(how);
    }
    return ForwardingWorld::WatchOrphans(std::move(fn), how);
  }
  pid_t LastPid() override { return world_.LastPid(); }

  bool end_before_report = false;
  std::vector<Reaping> modes;

 private:
  FakeWorld& world_;
};

class KernelReaping : public ::testing::Test {
 protected:
  void SetUp() override {
    scheduler_ = std::move(fault::Scheduler::Create().value());
    supervisor_ = std::make_unique<Supervisor>(
        *scheduler_, log_, SupervisorOptions{"", "/"}, &switching_);
    supervisor_->Load(LoadTexts(
        {{"s", "[Service]\nExecStartPre=/m/s/1/pre0\nExecStart=/m/s/1/main0\n"},
         {"t", "[Service]\nExecStart=/m/t/1/main0\n"}}));
    supervisor_->Begin();
    supervisor_->StartAll();
    supervisor_->Reconcile();
    ASSERT_EQ(switching_.modes, std::vector<Reaping>{Reaping::kByKernel});
  }

  void Turn() {
    world_.DeliverExits(world_.pending_exits());
    supervisor_->Reconcile();
    ASSERT_TRUE(scheduler_->RunOnce(fault::MonotonicNow()).ok());
    supervisor_->Reconcile();
  }

  // The pid of `unit`'s running process of step `step`; 0 if none.
  pid_t StepPid(const std::string& unit, const std::string& step) {
    for (const auto& [pid, p] : world_.processes()) {
      if (p.unit == unit && p.step == step && p.alive()) return pid;
    }
    return 0;
  }

  FakeWorld world_{fault::Seconds(1000)};
  SwitchingWorld switching_{world_};
  std::unique_ptr<fault::Scheduler> scheduler_;
  Logger log_{0};
  std::unique_ptr<Supervisor> supervisor_;
};

// A process that forked nothing ends (a restart's main process, a step):
// its group and session end with it, no host, no switch.
TEST_F(KernelReaping, AProcessThatForkedNothingSwitchesNothing) {
  const pid_t pre = StepPid("s", "pre0");
  ASSERT_NE(pre, 0);
  world_.Exit(pre, 0);
  for (int i = 0; i < 5; ++i) Turn();
  ASSERT_EQ(supervisor_->View("s")->state, ServiceState::kRunning);
  world_.Exit(StepPid("t", "main0"), 0);
  for (int i = 0; i < 5; ++i) Turn();
  EXPECT_EQ(switching_.modes, std::vector<Reaping>{Reaping::kByKernel});
  EXPECT_TRUE(world_.violations().empty());
}

// ExecStartPre='s process leaves a helper in its group: its exit makes the
// service a host, and orphans are reported; the helper's exit, reported,
// ends the group, and the kernel reaps orphans again.
TEST_F(KernelReaping, AHostIsReportedForUntilItsLeftoverEnds) {
  const pid_t pre = StepPid("s", "pre0");
  ASSERT_NE(pre, 0);
  const pid_t helper = world_.Fork(pre, /*stubborn=*/false);
  world_.Exit(pre, 0);
  Turn();
  ASSERT_EQ(switching_.modes.back(), Reaping::kReport);
  world_.Exit(helper, 0);
  Turn();
  EXPECT_EQ(switching_.modes.back(), Reaping::kByKernel);
  EXPECT_EQ(switching_.modes.size(), 3u);
  EXPECT_TRUE(world_.violations().empty());
}

// The helper ends before the switch to reporting (the kernel reaped it,
// unheard of): the next Reconcile looks at the new host, finds its group
// and session gone, and the kernel reaps orphans again, with no orphan's
// report to wait for.
TEST_F(KernelReaping, AHostWhoseLeftoverEndedUnheardOfIsLookedAtAtOnce) {
  const pid_t pre = StepPid("s", "pre0");
  ASSERT_NE(pre, 0);
  const pid_t helper = world_.Fork(pre, /*stubborn=*/false);
  world_.Exit(pre, 0);
  world_.Exit(helper, 0);  // queued after pre0's: delivered in the switch
  switching_.end_before_report = true;
  ASSERT_EQ(world_.DeliverExits(1), 1u);  // pre0's
  ASSERT_EQ(switching_.modes.back(), Reaping::kReport);
  ASSERT_EQ(world_.pending_exits(), 0u);  // the helper's, dropped
  supervisor_->Reconcile();
  EXPECT_EQ(switching_.modes.back(), Reaping::kByKernel);
  EXPECT_TRUE(world_.violations().empty());
}

}  // namespace
}  // namespace faultinit::model
