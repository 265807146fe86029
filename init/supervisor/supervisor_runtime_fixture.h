// File: init/supervisor/supervisor_runtime_fixture.h
//
// For the Supervisor's tests on the real runtime (scheduler, spawn,
// reaping). Test only.
//
// RuntimeForwardingWorld: a ForwardingWorld (forwarding_world.h) to a
// RuntimeWorld of its own on the scheduler; a test's world derives from it
// to count or change what it is asked.
//
// SupervisorOnRuntime<World>: the fixture. Each test gets a unit directory
// of its own under TEST_TMPDIR (named for the test, '/' made '_'), a
// scheduler, a World on it (constructed from the scheduler) and a
// Supervisor using both; at the end the supervisor is shut down and the
// loop run until every service stopped (a failure if that takes 30 s).
// Every wait is on an event of the loop, bounded by a generous deadline.

#ifndef FAULT_INIT_SUPERVISOR_SUPERVISOR_RUNTIME_FIXTURE_H_
#define FAULT_INIT_SUPERVISOR_SUPERVISOR_RUNTIME_FIXTURE_H_

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "init/log.h"
#include "init/supervisor/forwarding_world.h"
#include "init/supervisor/supervisor.h"
#include "init/supervisor/supervisor_world.h"
#include "init/system/unit_directory.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {

// Failures name the state.
inline void PrintTo(ServiceState state, std::ostream* os) {
  *os << ServiceStateName(state);
}

// The member RuntimeWorld, constructed before ForwardingWorld refers to it.
struct RuntimeWorldMember {
  explicit RuntimeWorldMember(fault::Scheduler& scheduler)
      : runtime(scheduler) {}
  RuntimeWorld runtime;
};

class RuntimeForwardingWorld : private RuntimeWorldMember,
                               public ForwardingWorld {
 public:
  explicit RuntimeForwardingWorld(fault::Scheduler& scheduler)
      : RuntimeWorldMember(scheduler), ForwardingWorld(runtime) {}
};

template <typename World>
class SupervisorOnRuntime : public ::testing::Test {
 protected:
  // `verbosity`: the supervisor's Logger's.
  explicit SupervisorOnRuntime(int verbosity = 0) : log_(verbosity) {}

  void SetUp() override {
    dir_ = absl::StrCat(
        getenv("TEST_TMPDIR"), "/",
        absl::StrReplaceAll(
            ::testing::UnitTest::GetInstance()->current_test_info()->name(),
            {{"/", "_"}}));
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
    fault::StatusOr<std::unique_ptr<fault::Scheduler>> scheduler =
        fault::Scheduler::Create();
    ASSERT_TRUE(scheduler.ok());
    scheduler_ = std::move(*scheduler);
    world_ = std::make_unique<World>(*scheduler_);
    supervisor_ = std::make_unique<Supervisor>(*scheduler_, log_,
                                               SupervisorOptions{}, &*world_);
  }
  void TearDown() override {
    if (supervisor_) {
      supervisor_->Shutdown();
      EXPECT_TRUE(RunUntil([&] { return supervisor_->AllStopped(); }));
      supervisor_.reset();
    }
  }

  // Unit: writes `text` as NAME.service in the unit directory.
  void Unit(const std::string& name, const std::string& text) {
    fault::UniqueFd fd(open(absl::StrCat(dir_, "/", name, ".service").c_str(),
                            O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(fault::WriteAll(fd.get(), text.data(), text.size()), 0);
  }

  // Boot: loads the unit directory and starts every unit, as system mode
  // does at boot; the loop has not run yet.
  void Boot() {
    supervisor_->Load(LoadUnitDirectory(dir_));
    supervisor_->Begin();
    supervisor_->StartAll();
  }

  // Runs the loop as system mode does until `done`; false after 30 s.
  bool RunUntil(const std::function<bool()>& done) {
    const fault::Duration deadline = fault::MonotonicNow() + fault::Seconds(30);
    for (;;) {
      supervisor_->Reconcile();
      if (done()) return true;
      if (fault::MonotonicNow() >= deadline) return false;
      if (!scheduler_->RunOnce(deadline).ok()) return false;
    }
  }

  // Row: the service's view (a failure, and an empty view, if none).
  ServiceView Row(const std::string& name) {
    std::optional<ServiceView> row = supervisor_->View(name);
    EXPECT_TRUE(row.has_value()) << name;
    return row.value_or(ServiceView{});
  }

  std::string dir_;
  Logger log_;
  std::unique_ptr<fault::Scheduler> scheduler_;
  std::unique_ptr<World> world_;
  std::unique_ptr<Supervisor> supervisor_;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SUPERVISOR_RUNTIME_FIXTURE_H_
