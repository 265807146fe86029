// Service::Redefine (service.h, "A daemon-reload"): a daemon-reload's new
// definition, taken whole by a service that is down or waits to restart,
// and by one that is up for its restart keys only, so that whether and
// when it restarts as it ends are the new definition's, as systemd's.

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "init/supervisor/service.h"
#include "init/supervisor/service_fake_effects.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

using service_testing::Exited;
using service_testing::FakeEffects;
using service_testing::Simple;

std::shared_ptr<const ServicePolicy> Shared(ServicePolicy p) {
  return std::make_shared<const ServicePolicy>(std::move(p));
}

// Whether `log` has `line`.
bool Has(const std::vector<std::string>& log, const std::string& line) {
  for (const std::string& l : log) {
    if (l == line) return true;
  }
  return false;
}

// A running service given a new definition runs on with its own steps,
// but restarts as the new one says: Restart=always where it had no
// Restart=, after the new RestartSec=. Its old ExecStopPost= runs on the
// way; the restart (once the supervisor swaps the definition in) runs
// the new steps.
TEST(ServiceRedefine, RunningRestartsAsTheNewDefinitionSays) {
  FakeEffects fx;
  ServicePolicy old_policy = Simple();
  old_policy.stop_post_steps = 1;
  Service s("web", old_policy, fx);
  fx.Start(s);
  ASSERT_EQ(s.main_pid(), 100);
  ServicePolicy next = Simple();
  next.pre_steps = 1;
  next.restart = RestartPolicy::kAlways;
  next.restart_delay = fault::Seconds(7);
  std::shared_ptr<const ServicePolicy> shared = Shared(next);
  fx.log.clear();
  s.Redefine(shared);
  EXPECT_EQ(s.sub_state(), ServiceSubState::kRunning);
  EXPECT_EQ(s.policy().restart, RestartPolicy::kAlways);
  EXPECT_EQ(s.policy().stop_post_steps, 1);  // its own steps
  EXPECT_EQ(s.policy().pre_steps, 0);
  EXPECT_TRUE(fx.log.empty());

  fx.End(s, 100, Exited(100, 1));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kStopPost);  // the old one's
  fx.End(s, 101, Exited(101, 0));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kAutoRestart);
  EXPECT_EQ(s.restart_delay(), fault::Seconds(7));
  EXPECT_EQ(fx.timer, fault::Seconds(7));

  // The supervisor swaps the definition in: the wait is the same.
  fx.log.clear();
  s.Redefine(shared);
  EXPECT_TRUE(fx.log.empty());
  EXPECT_EQ(s.policy().pre_steps, 1);
  fx.now = fx.now + fx.timer;
  fx.Fire(s);
  EXPECT_TRUE(Has(fx.log, "start pre0 102"));
  EXPECT_EQ(s.restarts(), 1);
}

// The other way: a service that would restart (Restart=always) given a
// definition with Restart=no ends failed when its main process fails.
TEST(ServiceRedefine, RunningGivenRestartNoIsNotRestarted) {
  FakeEffects fx;
  ServicePolicy old_policy = Simple();
  old_policy.restart = RestartPolicy::kAlways;
  Service s("web", old_policy, fx);
  fx.Start(s);
  s.Redefine(Shared(Simple()));
  fx.End(s, 100, Exited(100, 1));
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "main process ended with exit 1");
}

// A restart decided before the new definition came (its stop phases under
// way) stands, and waits the new RestartSec=.
TEST(ServiceRedefine, ARestartDecidedWaitsTheNewRestartSec) {
  FakeEffects fx;
  ServicePolicy old_policy = Simple();
  old_policy.stop_post_steps = 1;
  old_policy.restart = RestartPolicy::kAlways;
  old_policy.restart_delay = fault::Seconds(3600);
  Service s("web", old_policy, fx);
  fx.Start(s);
  fx.End(s, 100, Exited(100, 1));
  ASSERT_EQ(s.sub_state(), ServiceSubState::kStopPost);
  ServicePolicy next = old_policy;
  next.restart = RestartPolicy::kNo;
  next.restart_delay = fault::Seconds(2);
  s.Redefine(Shared(next));
  fx.End(s, 101, Exited(101, 0));
  EXPECT_EQ(s.sub_state(), ServiceSubState::kAutoRestart);
  EXPECT_EQ(fx.timer, fault::Seconds(2));
}

// A service waiting to restart takes the new definition whole; its wait
// is the new RestartSec= from when it began: what is left of it, or none.
TEST(ServiceRedefine, WaitingRestartIsReArmedFromItsBeginning) {
  for (int next_seconds : {30, 5}) {
    FakeEffects fx;
    ServicePolicy old_policy = Simple();
    old_policy.restart = RestartPolicy::kAlways;
    old_policy.restart_delay = fault::Seconds(3600);
    Service s("web", old_policy, fx);
    fx.Start(s);
    fx.End(s, 100, Exited(100, 1));
    ASSERT_EQ(s.sub_state(), ServiceSubState::kAutoRestart);
    ASSERT_EQ(fx.timer, fault::Seconds(3600));
    fx.now = fx.now + fault::Seconds(10);
    ServicePolicy next = old_policy;
    next.restart_delay = fault::Seconds(next_seconds);
    next.post_steps = 1;
    fx.log.clear();
    s.Redefine(Shared(next));
    EXPECT_EQ(s.sub_state(), ServiceSubState::kAutoRestart);
    EXPECT_EQ(s.restart_delay(), fault::Seconds(next_seconds));
    EXPECT_EQ(fx.timer,
              next_seconds == 30 ? fault::Seconds(20) : fault::ZeroDuration())
        << next_seconds;
    EXPECT_EQ(fx.log.size(), 1u);
    fx.now = fx.now + fx.timer;
    fx.Fire(s);  // main0 101, then the new ExecStartPost=
    EXPECT_TRUE(Has(fx.log, "start post0 102")) << next_seconds;
  }
}

// A retry for want of resources keeps its floor when the new RestartSec=
// is shorter, and waits the new one when it is longer.
TEST(ServiceRedefine, AResourceRetryKeepsItsFloor) {
  for (int next_ms : {50, 1000}) {
    FakeEffects fx;
    ServicePolicy old_policy = Simple();
    old_policy.restart_delay = fault::ZeroDuration();
    Service s("web", old_policy, fx);
    fx.short_of_resources = 1;
    fx.Start(s);
    ASSERT_EQ(s.sub_state(), ServiceSubState::kAutoRestart);
    ASSERT_EQ(s.restart_delay(), kResourceRetryFirst);
    ServicePolicy next = old_policy;
    next.restart_delay = fault::Milliseconds(next_ms);
    s.Redefine(Shared(next));
    EXPECT_EQ(s.restart_delay(),
              next_ms == 50 ? kResourceRetryFirst : fault::Milliseconds(1000))
        << next_ms;
  }
}

// Down, it takes the new definition whole and keeps its state: its next
// start runs the new steps.
TEST(ServiceRedefine, DownTakesItWhole) {
  FakeEffects fx;
  Service s("web", Simple(), fx);
  fx.failing = {"main0"};
  fx.Start(s);
  ASSERT_EQ(s.state(), ServiceState::kFailed);
  ServicePolicy next = Simple();
  next.pre_steps = 1;
  fx.log.clear();
  s.Redefine(Shared(next));
  EXPECT_EQ(s.state(), ServiceState::kFailed);
  EXPECT_EQ(s.reason(), "unable to execute main0");
  EXPECT_TRUE(fx.log.empty());
  fx.failing.clear();
  fx.Start(s);
  EXPECT_TRUE(Has(fx.log, "start pre0 100"));
}

}  // namespace
}  // namespace faultinit
