// Tests of Scheduler::BeforeWait: the hooks that run each time the loop is
// about to wait. Events are timers, Interject and a pipe the test writes;
// nothing sleeps.

#include <unistd.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace fault {
namespace {

std::unique_ptr<Scheduler> NewScheduler() {
  StatusOr<std::unique_ptr<Scheduler>> s = Scheduler::Create();
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(s).value();
}

// A hook runs before the first wait and again after each dispatch, and
// sees what the dispatch changed.
TEST(SchedulerBeforeWait, RunsBeforeEachWaitAfterTheDispatch) {
  auto s = NewScheduler();
  std::vector<std::string> log;
  s->BeforeWait([&] { log.push_back("hook"); });
  s->After(ZeroDuration(), [&] { log.push_back("timer"); });
  ASSERT_TRUE(s->RunOnce().ok());
  ASSERT_TRUE(s->RunOnce(MonotonicNow()).ok());  // nothing ready: no block
  EXPECT_EQ(log, (std::vector<std::string>{"hook", "timer", "hook"}));
}

// A hook's run is not an event: with nothing else ready, RunOnce waits on
// after it instead of returning, until a real event comes.
TEST(SchedulerBeforeWait, HookAloneDoesNotEndRunOnce) {
  auto s = NewScheduler();
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  int hooks = 0;
  bool read = false;
  s->BeforeWait([&] {
    // The second time round, the hook makes the event that ends the wait:
    // a first return after the hook alone would leave `read` false.
    if (++hooks == 2) {
      ASSERT_EQ(WriteAll(pipe->write.get(), "x", 1), 0);
    }
  });
  StatusOr<Scheduler::WatchId> watch = s->OnReadable(pipe->read.get(), [&] {
    char byte;
    ASSERT_EQ(::read(pipe->read.get(), &byte, 1), 1);
    read = true;
  });
  ASSERT_TRUE(watch.ok());
  // An Interject wakes the first wait and runs: one event, RunOnce returns.
  s->Interject([] {});
  ASSERT_TRUE(s->RunOnce().ok());
  EXPECT_EQ(hooks, 1);
  EXPECT_FALSE(read);
  ASSERT_TRUE(s->RunOnce().ok());
  EXPECT_EQ(hooks, 2);
  EXPECT_TRUE(read);
  s->Cancel(*watch);
}

// What a hook schedules decides the wait: a timer it adds with no delay
// runs in the same RunOnce, without blocking.
TEST(SchedulerBeforeWait, WorkScheduledByAHookRuns) {
  auto s = NewScheduler();
  bool ran = false;
  Scheduler::WatchId hook = 0;
  hook = s->BeforeWait([&] {
    s->Cancel(hook);  // once
    s->After(ZeroDuration(), [&] { ran = true; });
  });
  ASSERT_TRUE(s->RunOnce().ok());
  EXPECT_TRUE(ran);
}

// Hooks run in the order added; a cancelled one no longer runs, even later
// in the same round; one added by a hook first runs at the next wait.
TEST(SchedulerBeforeWait, OrderCancelAndAddFromAHook) {
  auto s = NewScheduler();
  std::vector<std::string> log;
  Scheduler::WatchId second = 0;
  bool added = false;
  s->BeforeWait([&] {
    log.push_back("first");
    s->Cancel(second);
    if (!added) {
      added = true;
      s->BeforeWait([&] { log.push_back("added"); });
    }
  });
  second = s->BeforeWait([&] { log.push_back("second"); });
  s->Interject([] {});
  ASSERT_TRUE(s->RunOnce().ok());
  EXPECT_EQ(log, (std::vector<std::string>{"first"}));
  s->Interject([] {});
  ASSERT_TRUE(s->RunOnce().ok());
  EXPECT_EQ(log, (std::vector<std::string>{"first", "first", "added"}));
}

// A cancelled hook never runs again; Cancel of its id twice is harmless.
TEST(SchedulerBeforeWait, CancelStopsIt) {
  auto s = NewScheduler();
  int hooks = 0;
  Scheduler::WatchId hook = s->BeforeWait([&] { ++hooks; });
  s->Interject([] {});
  ASSERT_TRUE(s->RunOnce().ok());
  EXPECT_EQ(hooks, 1);
  const size_t pending = s->Pending();
  s->Cancel(hook);
  s->Cancel(hook);
  EXPECT_EQ(s->Pending(), pending - 1);
  s->Interject([] {});
  ASSERT_TRUE(s->RunOnce().ok());
  EXPECT_EQ(hooks, 1);
}

// An exception from a hook leaves RunOnce before the wait; the scheduler
// stays usable and the event that was pending is dispatched next time.
TEST(SchedulerBeforeWait, ExceptionLeavesRunOnceBeforeWaiting) {
  auto s = NewScheduler();
  bool fail = true;
  bool ran = false;
  s->BeforeWait([&] {
    if (std::exchange(fail, false)) throw std::runtime_error("hook failed");
  });
  s->After(ZeroDuration(), [&] { ran = true; });
  EXPECT_THROW(s->RunOnce().IgnoreError(), std::runtime_error);
  EXPECT_FALSE(ran);
  ASSERT_TRUE(s->RunOnce().ok());
  EXPECT_TRUE(ran);
}

// Run (which Protect uses) runs the hooks after every dispatch: a hook can
// end it by a Stop once the dispatches made the state it waits for.
TEST(SchedulerBeforeWait, RunsUnderRun) {
  auto s = NewScheduler();
  int timers = 0;
  for (int i = 0; i < 3; ++i) {
    s->After(Milliseconds(i), [&] { ++timers; });
  }
  int hooks = 0;
  s->BeforeWait([&] {
    ++hooks;
    if (timers == 3) s->Stop();
  });
  ASSERT_TRUE(s->Run().ok());
  EXPECT_EQ(timers, 3);
  EXPECT_GE(hooks, 2);
}

}  // namespace
}  // namespace fault
