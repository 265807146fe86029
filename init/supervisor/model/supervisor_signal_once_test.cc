// Each process of a stopped service gets each signal of a stop phase once:
// Supervisor::Signal signals the service's process groups whole and then
// the members of its sessions in groups of their own, and a member reached
// through its group is not signalled again (a process that counts its
// signals, or takes a second SIGTERM or SIGINT for "at once", would act on
// the second). KillMode=mixed: KillSignal= reaches the main process alone,
// the final kill every process. Counted on a FakeWorld.

#include <signal.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

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

// SignalCount: `world`, counting for each live process the signals kill(2)
// delivers to it, through its pid or its group.
class SignalCount final : public ForwardingWorld {
 public:
  explicit SignalCount(FakeWorld& world)
      : ForwardingWorld(world), world_(world) {}
  int Received(pid_t pid, int signo) const {
    auto it = received_.find({pid, signo});
    return it == received_.end() ? 0 : it->second;
  }

  int Kill(pid_t target, int signo) override {
    if (signo != 0) {
      for (const Member& m : world_.Processes()) {
        if (m.pid == target || (target < 0 && m.group == -target)) {
          ++received_[{m.pid, signo}];
        }
      }
    }
    return ForwardingWorld::Kill(target, signo);
  }
  pid_t LastPid() override { return world_.LastPid(); }

 private:
  FakeWorld& world_;
  std::map<std::pair<pid_t, int>, int> received_;
};

class SignalOnce : public ::testing::Test {
 protected:
  void Begin(const std::string& kill_mode) {
    scheduler_ = std::move(fault::Scheduler::Create().value());
    supervisor_ = std::make_unique<Supervisor>(
        *scheduler_, log_, SupervisorOptions{"", "/"}, &counted_);
    supervisor_->Load(
        LoadTexts({{"s", absl::StrCat("[Service]\nExecStart=/m/s/1/main0\n",
                                      kill_mode, "TimeoutStopSec=5\n")}}));
    supervisor_->Begin();
    supervisor_->StartAll();
    for (int i = 0; i < 20 && !Running(); ++i) Turn();
    ASSERT_TRUE(Running());
  }

  void Turn() {
    world_.DeliverExits(world_.pending_exits());
    supervisor_->Reconcile();
    world_.Advance(fault::Milliseconds(100));
    supervisor_->Reconcile();
    ASSERT_TRUE(scheduler_->RunOnce(fault::MonotonicNow()).ok());
    supervisor_->Reconcile();
  }

  bool Running() {
    auto view = supervisor_->View("s");
    return view && view->state == ServiceState::kRunning;
  }

  FakeWorld world_{fault::Seconds(1000)};
  SignalCount counted_{world_};
  std::unique_ptr<fault::Scheduler> scheduler_;
  Logger log_{0};
  std::unique_ptr<Supervisor> supervisor_;
};

TEST_F(SignalOnce, AStopSignalsEachProcessOnce) {
  Begin("");
  const pid_t main = supervisor_->View("s")->pid;
  const pid_t helper = world_.Fork(main, /*stubborn=*/true);
  ASSERT_GT(helper, 0);
  ASSERT_TRUE(supervisor_->StopService("s").ok());
  EXPECT_EQ(counted_.Received(main, SIGTERM), 1);
  EXPECT_EQ(counted_.Received(helper, SIGTERM), 1);
  for (int i = 0;
       i < 100 && supervisor_->View("s")->state != ServiceState::kInactive;
       ++i) {
    Turn();  // TimeoutStopSec=: the helper ignored SIGTERM
  }
  EXPECT_EQ(counted_.Received(helper, SIGKILL), 1);
  EXPECT_TRUE(world_.violations().empty());
}

TEST_F(SignalOnce, KillModeMixedTerminatesTheMainAndKillsEveryProcess) {
  Begin("KillMode=mixed\nFinalKillSignal=SIGQUIT\n");
  const pid_t main = supervisor_->View("s")->pid;
  const pid_t helper = world_.Fork(main, /*stubborn=*/true);
  ASSERT_GT(helper, 0);
  ASSERT_TRUE(supervisor_->StopService("s").ok());
  EXPECT_EQ(counted_.Received(main, SIGTERM), 1);
  EXPECT_EQ(counted_.Received(helper, SIGTERM), 0);
  for (int i = 0; i < 100 && counted_.Received(helper, SIGQUIT) == 0; ++i) {
    Turn();  // TimeoutStopSec=: the final kill signal
  }
  EXPECT_EQ(counted_.Received(helper, SIGQUIT), 1);
  EXPECT_TRUE(world_.violations().empty());
}

}  // namespace
}  // namespace faultinit::model
