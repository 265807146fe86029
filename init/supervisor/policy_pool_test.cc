#include "init/supervisor/policy_pool.h"

#include <memory>

#include "gtest/gtest.h"
#include "init/supervisor/service.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

// Equal policies are one copy; a policy that differs in any field, or
// holds an optional block of its own, is a copy of its own.
TEST(PolicyPoolTest, EqualPoliciesShareOneCopy) {
  PolicyPool pool;
  ServicePolicy a;
  std::shared_ptr<const ServicePolicy> first = pool.Share(a);
  std::shared_ptr<const ServicePolicy> second = pool.Share(a);
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(pool.size(), 1u);

  ServicePolicy timeout = a;
  timeout.stop_timeout = fault::Seconds(5);
  ServicePolicy codes = a;
  codes.success_exit_codes.set(3);
  ServicePolicy lifecycle = a;
  lifecycle.lifecycle = std::make_shared<const LifecycleExtras>();
  EXPECT_NE(pool.Share(timeout).get(), first.get());
  EXPECT_NE(pool.Share(codes).get(), first.get());
  std::shared_ptr<const ServicePolicy> with_extras = pool.Share(lifecycle);
  EXPECT_NE(with_extras.get(), first.get());
  EXPECT_EQ(with_extras->lifecycle, lifecycle.lifecycle);
  EXPECT_EQ(pool.Share(timeout)->stop_timeout, fault::Seconds(5));
  EXPECT_TRUE(pool.Share(codes)->success_exit_codes.test(3));
}

// Prune drops the policies nothing else holds, and keeps the others.
TEST(PolicyPoolTest, PruneDropsUnheldPolicies) {
  PolicyPool pool;
  ServicePolicy kept;
  ServicePolicy dropped;
  dropped.kill_signal = 9;
  std::shared_ptr<const ServicePolicy> held = pool.Share(kept);
  pool.Share(dropped);
  EXPECT_EQ(pool.size(), 2u);
  pool.Prune();
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.Share(kept).get(), held.get());
}

// A Service made with a shared policy runs by it.
TEST(PolicyPoolTest, ServiceUsesTheSharedPolicy) {
  PolicyPool pool;
  ServicePolicy p;
  p.restart = RestartPolicy::kAlways;
  std::shared_ptr<const ServicePolicy> shared = pool.Share(p);
  struct NoEffects : ServiceEffects {
    fault::StatusOr<pid_t> StartStep(Service&, StepKind, int) override {
      return 1;
    }
    void Signal(Service&, int, SignalPhase) override {}
    void Kill(Service&, pid_t, int) override {}
    void Warn(Service&, absl::string_view) override {}
    fault::StatusOr<pid_t> MainPidOf(Service&) override { return 1; }
    bool HasProcesses(Service&) override { return false; }
    void ArmTimer(Service&, fault::Duration) override {}
    void CancelTimer(Service&) override {}
    void StateChanged(Service&, ServiceState, ServiceState) override {}
    fault::Duration Now() override { return fault::Duration(); }
  } effects;
  Service s("web", shared, effects);
  EXPECT_EQ(&s.policy(), shared.get());
  EXPECT_EQ(s.policy().restart, RestartPolicy::kAlways);
}

}  // namespace
}  // namespace faultinit
