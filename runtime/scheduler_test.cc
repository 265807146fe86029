// Tests of the Scheduler's core: Interject, Stop, RunOnce and its deadlines,
// watch ids, Scheduling (runtime/scheduler.cc, runtime/scheduler_wake.h).
//
// Nothing here sleeps to synchronize: tests wait on pipes, on
// waitid(WNOWAIT) for a child's exit, or run the loop until an expected
// callback has run (RunUntil, bounded by a generous limit that only matters
// when a test fails). Forked children only make system calls and _exit.

#include "runtime/scheduler.h"

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
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"
#include "runtime/testing/scheduler_testing.h"

namespace fault {
namespace {

// --- Interject, Stop, RunOnce ----------------------------------------------

// Interject from another thread wakes a loop blocked in Run; interjections
// run in FIFO order, on the loop thread.
TEST(Scheduler, InterjectFromAnotherThreadWakesRun) {
  auto scheduler = MakeScheduler();
  StatusOr<Pipe> started = MakePipe();
  ASSERT_TRUE(started.ok());
  // The loop tells the other thread it is running; then it has nothing to
  // do but wait.
  scheduler->After(fault::ZeroDuration(), [&] {
    ASSERT_EQ(WriteAll(started->write.get(), "s", 1), 0);
  });
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::vector<int> ran;
  std::thread other([&] {
    char byte;
    ASSERT_EQ(ReadFull(started->read.get(), &byte, 1), 1);
    scheduler->Interject([&] {
      EXPECT_EQ(std::this_thread::get_id(), loop_thread);
      ran.push_back(1);
    });
    scheduler->Interject([&] {
      ran.push_back(2);
      scheduler->Stop();
    });
  });
  Status status = scheduler->Run();
  other.join();
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  EXPECT_EQ(scheduler->Pending(), 0u);
}

// Stop from another thread makes a blocked Run return.
TEST(Scheduler, StopFromAnotherThreadEndsRun) {
  auto scheduler = MakeScheduler();
  StatusOr<Pipe> started = MakePipe();
  ASSERT_TRUE(started.ok());
  scheduler->After(fault::ZeroDuration(), [&] {
    ASSERT_EQ(WriteAll(started->write.get(), "s", 1), 0);
  });
  std::thread other([&] {
    char byte;
    ASSERT_EQ(ReadFull(started->read.get(), &byte, 1), 1);
    scheduler->Stop();
  });
  Status status = scheduler->Run();
  other.join();
  EXPECT_TRUE(status.ok()) << status.ToString();
}

// Stop called by a callback makes Run return after that dispatch.
TEST(Scheduler, StopInCallbackEndsRun) {
  auto scheduler = MakeScheduler();
  int runs = 0;
  scheduler->Every(fault::Milliseconds(1), [&] {
    if (++runs == 2) scheduler->Stop();
  });
  ASSERT_TRUE(scheduler->Run().ok());
  EXPECT_EQ(runs, 2);
}

// RunOnce with a deadline returns OK at the deadline when nothing happens.
TEST(Scheduler, RunOnceReturnsAtDeadlineWhenIdle) {
  auto scheduler = MakeScheduler();
  const fault::Duration start = fault::MonotonicNow();
  Status status = scheduler->RunOnce(start + fault::Milliseconds(10));
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_LT(fault::MonotonicNow() - start, fault::Seconds(10));
}

// An idle RunOnce does not return before its deadline, whatever is
// watched: a far timer, an empty pipe, a cancelled timer that had been
// armed.
TEST(Scheduler, IdleRunOnceDoesNotReturnBeforeDeadline) {
  auto scheduler = MakeScheduler();
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  bool ran = false;
  scheduler->After(fault::Hours(1), [&] { ran = true; });
  ASSERT_TRUE(
      scheduler->OnReadable(pipe->read.get(), [&] { ran = true; }).ok());
  Scheduler::WatchId soon =
      scheduler->After(fault::Milliseconds(5), [&] { ran = true; });
  ASSERT_TRUE(
      scheduler->RunOnce(fault::MonotonicNow()).ok());  // arms the timerfd
  scheduler->Cancel(soon);
  const fault::Duration deadline =
      fault::MonotonicNow() + fault::Milliseconds(30);
  ASSERT_TRUE(scheduler->RunOnce(deadline).ok());
  EXPECT_GE(fault::MonotonicNow(), deadline);
  EXPECT_FALSE(ran);
}

// Watch ids start at 1 and increase, across kinds; Pending counts watches
// and queued interjections.
TEST(Scheduler, WatchIdsIncreaseFromOneAndPendingCountsEverything) {
  auto scheduler = MakeScheduler();
  EXPECT_EQ(scheduler->After(fault::Hours(1), [] {}), 1u);
  EXPECT_EQ(scheduler->Every(fault::Hours(1), [] {}), 2u);
  StatusOr<Scheduler::WatchId> signal =
      scheduler->OnSignal(SIGUSR1, [](const signalfd_siginfo&) {});
  ASSERT_TRUE(signal.ok());
  EXPECT_EQ(*signal, 3u);
  scheduler->Interject([] {});
  EXPECT_EQ(scheduler->Pending(), 4u);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_EQ(scheduler->Pending(), 3u);
  scheduler->Cancel(2);
  EXPECT_EQ(scheduler->After(fault::Hours(1), [] {}), 4u);
  scheduler->Cancel(*signal);
}

// Scheduling returns one process-wide scheduler.
TEST(Scheduler, SchedulingReturnsOneScheduler) {
  Scheduler& first = Scheduling();
  EXPECT_EQ(&first, &Scheduling());
}

}  // namespace
}  // namespace fault
