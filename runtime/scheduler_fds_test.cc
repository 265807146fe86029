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

// FdWatchMovesOverReplacements: the fd watches the scheduler moves while,
// with `watched` pipes watched, one watched pipe is replaced by a new one
// `replacements` times, as PID 1 replaces a restarted service's output
// pipe: the new read end takes a lower number than the pipes watched
// (the kernel gives the lowest free one: a closed pidfd's), and the old
// pipe's watch ends before its read end is closed.
uint64_t FdWatchMovesOverReplacements(int watched, int replacements) {
  auto scheduler = MakeScheduler();
  std::vector<UniqueFd> spares;  // below every watched pipe
  for (int i = 0; i < replacements; ++i) {
    spares.emplace_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(spares.back().valid());
  }
  std::vector<UniqueFd> reads;
  std::vector<Scheduler::WatchId> watches;
  auto watch_new_pipe = [&] {
    StatusOr<Pipe> pipe = MakePipe();
    EXPECT_TRUE(pipe.ok()) << pipe.status().ToString();
    if (!pipe.ok()) return;
    StatusOr<Scheduler::WatchId> id =
        scheduler->OnReadable(pipe->read.get(), [] {});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return;
    reads.push_back(std::move(pipe->read));
    watches.push_back(*id);
  };
  for (int i = 0; i < watched; ++i) watch_new_pipe();
  const uint64_t before = scheduler->FdWatchMoves();
  for (int i = 0; i < replacements; ++i) {
    spares.pop_back();  // frees a number below the watched pipes
    watch_new_pipe();
    scheduler->Cancel(watches[i]);
    reads[i].Reset();
  }
  return scheduler->FdWatchMoves() - before;
}

// Replacing a watched fd's watch costs the same with 20 and 800 fds
// watched (issue #26: the watches were one vector sorted by fd, and a new
// fd's number between others moved every watch after it).
TEST(Scheduler, ReplacingAWatchedFdMovesTheSameWhateverIsWatched) {
  const uint64_t few = FdWatchMovesOverReplacements(20, 10);
  const uint64_t many = FdWatchMovesOverReplacements(800, 10);
  EXPECT_EQ(few, many);
}

}  // namespace
}  // namespace fault
