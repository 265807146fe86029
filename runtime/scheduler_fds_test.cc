// Tests of the Scheduler's fd watches (OnReadable, OnWritable):
// runtime/scheduler_fds.h.
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

// OnReadable runs while the pipe holds data (level-triggered), and not
// once it is drained; OnWritable runs for a pipe with room.
TEST(Scheduler, OnReadableRunsWhilePipeHasData) {
  auto scheduler = MakeScheduler();
  StatusOr<Pipe> pipe = MakePipe(O_NONBLOCK);
  ASSERT_TRUE(pipe.ok()) << pipe.status().ToString();
  std::string received;
  StatusOr<Scheduler::WatchId> readable =
      scheduler->OnReadable(pipe->read.get(), [&] {
        char byte;
        if (read(pipe->read.get(), &byte, 1) == 1) received += byte;
      });
  ASSERT_TRUE(readable.ok()) << readable.status().ToString();
  ASSERT_EQ(WriteAll(pipe->write.get(), "ab", 2), 0);
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return received == "ab"; }));
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler, fault::Milliseconds(10)));
  EXPECT_EQ(received, "ab");

  bool writable = false;
  StatusOr<Scheduler::WatchId> write_watch =
      scheduler->OnWritable(pipe->write.get(), [&] { writable = true; });
  ASSERT_TRUE(write_watch.ok()) << write_watch.status().ToString();
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_TRUE(writable);
  scheduler->Cancel(*readable);
  scheduler->Cancel(*write_watch);
  EXPECT_EQ(scheduler->Pending(), 0u);
}

// A watch cancelled by a callback earlier in the same batch of ready events
// does not run.
TEST(Scheduler, WatchCancelledEarlierInTheBatchDoesNotRun) {
  auto scheduler = MakeScheduler();
  StatusOr<Pipe> a = MakePipe();
  StatusOr<Pipe> b = MakePipe();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(WriteAll(a->write.get(), "x", 1), 0);
  ASSERT_EQ(WriteAll(b->write.get(), "x", 1), 0);
  int runs = 0;
  Scheduler::WatchId watch_a = 0, watch_b = 0;
  watch_a = *scheduler->OnReadable(a->read.get(), [&] {
    ++runs;
    scheduler->Cancel(watch_a);
    scheduler->Cancel(watch_b);
  });
  watch_b = *scheduler->OnReadable(b->read.get(), [&] {
    ++runs;
    scheduler->Cancel(watch_a);
    scheduler->Cancel(watch_b);
  });
  ASSERT_TRUE(scheduler->RunOnce().ok());  // both pipes are ready
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(scheduler->Pending(), 0u);
}

// A bad fd is refused with an "unable to watch fd" message.
TEST(Scheduler, OnReadableRefusesBadFd) {
  auto scheduler = MakeScheduler();
  StatusOr<Scheduler::WatchId> watch = scheduler->OnReadable(-1, [] {});
  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.status().message(),
            "unable to watch fd -1: Bad file descriptor");
  EXPECT_EQ(scheduler->Pending(), 0u);
}

}  // namespace
}  // namespace fault
