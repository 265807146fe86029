// Tests of the Scheduler's timers (After, Every): runtime/scheduler_timers.h.
//
// Nothing here sleeps to synchronize: tests wait on pipes, on
// waitid(WNOWAIT) for a child's exit, or run the loop until an expected
// callback has run (RunUntil, bounded by a generous limit that only matters
// when a test fails). Forked children only make system calls and _exit.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"
#include "runtime/scheduler.h"
#include "runtime/testing/scheduler_testing.h"

namespace fault {
namespace {

// Timers run in deadline order; timers added for the same delay run in the
// order they were added.
TEST(Scheduler, TimersRunInDeadlineOrderThenInsertionOrder) {
  auto scheduler = MakeScheduler();
  std::vector<std::string> ran;
  scheduler->After(fault::Milliseconds(40), [&] { ran.push_back("late"); });
  scheduler->After(fault::Milliseconds(20), [&] { ran.push_back("middle"); });
  scheduler->After(fault::ZeroDuration(), [&] { ran.push_back("first"); });
  scheduler->After(fault::ZeroDuration(), [&] { ran.push_back("second"); });
  scheduler->After(fault::ZeroDuration(), [&] { ran.push_back("third"); });
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return ran.size() == 5; }));
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second", "third", "middle",
                                           "late"}));
  EXPECT_EQ(scheduler->Pending(), 0u);
}

// A callback's exception leaves RunOnce; the timers due with it that had
// not run yet stay due and run at the next RunOnce (Protect re-entered
// after a logged exception must not lose them).
TEST(Scheduler, TimerDueWithAThrowingOneStillRuns) {
  auto scheduler = MakeScheduler();
  std::vector<std::string> ran;
  scheduler->After(fault::ZeroDuration(),
                   [] { throw std::runtime_error("first"); });
  scheduler->After(fault::ZeroDuration(), [&] { ran.push_back("second"); });
  EXPECT_THROW((void)scheduler->RunOnce(), std::runtime_error);
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return ran.size() == 1; }));
  EXPECT_EQ(ran, std::vector<std::string>{"second"});
  EXPECT_EQ(scheduler->Pending(), 0u);
}

// Every repeats until its own callback cancels it; it never runs again.
TEST(Scheduler, EveryRepeatsUntilCancelledInItsOwnCallback) {
  auto scheduler = MakeScheduler();
  int runs = 0;
  Scheduler::WatchId id = 0;
  id = scheduler->Every(fault::Milliseconds(1), [&] {
    if (++runs == 3) scheduler->Cancel(id);
  });
  ASSERT_NO_FATAL_FAILURE(RunUntil(*scheduler, [&] { return runs == 3; }));
  EXPECT_EQ(scheduler->Pending(), 0u);
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler, fault::Milliseconds(20)));
  EXPECT_EQ(runs, 3);
}

// Every with a zero period still runs (as every 1 ns), once per RunOnce.
TEST(Scheduler, EveryWithZeroPeriodRunsOncePerDispatch) {
  auto scheduler = MakeScheduler();
  int runs = 0;
  Scheduler::WatchId id =
      scheduler->Every(fault::ZeroDuration(), [&] { ++runs; });
  ASSERT_NO_FATAL_FAILURE(RunUntil(*scheduler, [&] { return runs >= 1; }));
  const int after_first = runs;
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_EQ(runs, after_first + 1);
  scheduler->Cancel(id);
}

// A due timer runs without the timerfd, but after a look at what else is
// ready: a timer that keeps re-adding itself with no delay starves no fd.
TEST(Scheduler, ZeroDelayTimerChainStarvesNoFd) {
  auto scheduler = MakeScheduler();
  int chained = 0;
  std::function<void()> again = [&] {
    ++chained;
    scheduler->After(fault::ZeroDuration(), again);
  };
  scheduler->After(fault::ZeroDuration(), again);
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  bool readable = false;
  ASSERT_TRUE(
      scheduler->OnReadable(pipe->read.get(), [&] { readable = true; }).ok());
  ASSERT_NO_FATAL_FAILURE(RunUntil(*scheduler, [&] { return chained >= 3; }));
  ASSERT_EQ(WriteAll(pipe->write.get(), "x", 1), 0);
  const int before = chained;
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_TRUE(readable);  // in the same RunOnce as the next timer
  EXPECT_EQ(chained, before + 1);
}

// A timer that is due by the time the loop waits, behind one already armed
// in the timerfd for later, runs at once; the later one still runs.
TEST(Scheduler, DueTimerRunsBeforeOneArmedForLater) {
  auto scheduler = MakeScheduler();
  std::vector<std::string> ran;
  scheduler->After(fault::Milliseconds(30), [&] { ran.push_back("later"); });
  ASSERT_TRUE(
      scheduler->RunOnce(fault::MonotonicNow()).ok());  // arms the timerfd
  scheduler->After(fault::ZeroDuration(), [&] { ran.push_back("now"); });
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_EQ(ran, (std::vector<std::string>{"now"}));
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return ran.size() == 2; }));
  EXPECT_EQ(ran, (std::vector<std::string>{"now", "later"}));
  EXPECT_EQ(scheduler->Pending(), 0u);
}

// A cancelled timer never runs, even after it was armed in the timerfd.
TEST(Scheduler, CancelledTimerDoesNotRun) {
  auto scheduler = MakeScheduler();
  bool cancelled_ran = false;
  bool later_ran = false;
  Scheduler::WatchId id =
      scheduler->After(fault::Milliseconds(5), [&] { cancelled_ran = true; });
  ASSERT_TRUE(
      scheduler->RunOnce(fault::MonotonicNow()).ok());  // arms the timerfd
  scheduler->Cancel(id);
  scheduler->Cancel(id);  // a finished id is ignored
  scheduler->After(fault::Milliseconds(10), [&] { later_ran = true; });
  ASSERT_NO_FATAL_FAILURE(RunUntil(*scheduler, [&] { return later_ran; }));
  EXPECT_FALSE(cancelled_ran);
}

}  // namespace
}  // namespace fault
