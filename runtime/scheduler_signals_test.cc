// Tests of the Scheduler's signal watches and its wait on signals alone:
// runtime/scheduler_signals.h. RelaySignals: scheduler_relay_test.cc.
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

// A signal sent with kill(getpid()) reaches every watch of it, in order;
// the signal is blocked while watched and unblocked after the last Cancel.
TEST(Scheduler, OnSignalReceivesSignalAndCancelRestoresMask) {
  ASSERT_FALSE(IsBlocked(SIGUSR1));
  auto scheduler = MakeScheduler();
  std::vector<std::string> ran;
  uint32_t sender = 0;
  StatusOr<Scheduler::WatchId> first =
      scheduler->OnSignal(SIGUSR1, [&](const signalfd_siginfo& info) {
        EXPECT_EQ(info.ssi_signo, static_cast<uint32_t>(SIGUSR1));
        sender = info.ssi_pid;
        ran.push_back("first");
      });
  StatusOr<Scheduler::WatchId> second = scheduler->OnSignal(
      SIGUSR1, [&](const signalfd_siginfo&) { ran.push_back("second"); });
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(IsBlocked(SIGUSR1));
  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(sender, static_cast<uint32_t>(getpid()));
  scheduler->Cancel(*first);
  EXPECT_TRUE(IsBlocked(SIGUSR1));
  scheduler->Cancel(*second);
  EXPECT_FALSE(IsBlocked(SIGUSR1));
}

// A signal that was blocked before it was watched stays blocked after.
TEST(Scheduler, CancelLeavesPreviouslyBlockedSignalBlocked) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &set, nullptr), 0);
  auto scheduler = MakeScheduler();
  StatusOr<Scheduler::WatchId> watch =
      scheduler->OnSignal(SIGUSR2, [](const signalfd_siginfo&) {});
  ASSERT_TRUE(watch.ok());
  scheduler->Cancel(*watch);
  EXPECT_TRUE(IsBlocked(SIGUSR2));
  ASSERT_EQ(pthread_sigmask(SIG_UNBLOCK, &set, nullptr), 0);
}

// Destroying the scheduler restores the mask of signals still watched.
TEST(Scheduler, DestructionRestoresSignalMask) {
  {
    auto scheduler = MakeScheduler();
    ASSERT_TRUE(
        scheduler->OnSignal(SIGUSR1, [](const signalfd_siginfo&) {}).ok());
    EXPECT_TRUE(IsBlocked(SIGUSR1));
  }
  EXPECT_FALSE(IsBlocked(SIGUSR1));
}

// SIGKILL, SIGSTOP and non-signals are refused with kInvalidArgument.
TEST(Scheduler, OnSignalRefusesUncatchableSignals) {
  auto scheduler = MakeScheduler();
  for (int signo : {SIGKILL, SIGSTOP, 0, -1, 100000}) {
    StatusOr<Scheduler::WatchId> watch =
        scheduler->OnSignal(signo, [](const signalfd_siginfo&) {});
    ASSERT_FALSE(watch.ok()) << signo;
    EXPECT_EQ(watch.status().code(), StatusCode::kInvalidArgument) << signo;
  }
  EXPECT_EQ(scheduler->Pending(), 0u);
}

// One OnSignals watch receives each of its signals, shares them with other
// watches in registration order, and its Cancel releases all of them; a
// refused signal anywhere in the list leaves nothing watched or blocked.
TEST(Scheduler, OnSignalsWatchesSeveralSignalsWithOneWatch) {
  ASSERT_FALSE(IsBlocked(SIGUSR1));
  ASSERT_FALSE(IsBlocked(SIGUSR2));
  auto scheduler = MakeScheduler();
  StatusOr<Scheduler::WatchId> refused =
      scheduler->OnSignals({SIGUSR1, SIGKILL}, [](const signalfd_siginfo&) {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsBlocked(SIGUSR1));
  EXPECT_EQ(scheduler->Pending(), 0u);

  std::vector<std::string> ran;
  StatusOr<Scheduler::WatchId> both = scheduler->OnSignals(
      {SIGUSR1, SIGUSR2}, [&](const signalfd_siginfo& info) {
        ran.push_back(info.ssi_signo == SIGUSR1 ? "both USR1" : "both USR2");
      });
  StatusOr<Scheduler::WatchId> one = scheduler->OnSignal(
      SIGUSR2, [&](const signalfd_siginfo&) { ran.push_back("one USR2"); });
  ASSERT_TRUE(both.ok() && one.ok());
  EXPECT_EQ(scheduler->Pending(), 2u);
  EXPECT_TRUE(IsBlocked(SIGUSR1));
  EXPECT_TRUE(IsBlocked(SIGUSR2));
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_EQ(ran,
            (std::vector<std::string>{"both USR2", "one USR2", "both USR1"}));
  scheduler->Cancel(*both);
  EXPECT_FALSE(IsBlocked(SIGUSR1));
  EXPECT_TRUE(IsBlocked(SIGUSR2));
  scheduler->Cancel(*one);
  EXPECT_FALSE(IsBlocked(SIGUSR2));
}

// More signals pending than one read of the signalfd takes (8) are all
// dispatched by one RunOnce, each once, in the order queued.
TEST(Scheduler, MoreSignalsThanOneReadAreAllDispatchedByOneRunOnce) {
  constexpr int kQueued = 40;
  auto scheduler = MakeScheduler();
  std::vector<int> values;
  StatusOr<Scheduler::WatchId> watch = scheduler->OnSignal(
      SIGRTMIN,
      [&](const signalfd_siginfo& info) { values.push_back(info.ssi_int); });
  ASSERT_TRUE(watch.ok());
  for (int i = 0; i < kQueued; ++i) {
    union sigval value;
    value.sival_int = i;
    ASSERT_EQ(sigqueue(getpid(), SIGRTMIN, value), 0);
  }
  ASSERT_TRUE(scheduler->RunOnce().ok());
  ASSERT_EQ(values.size(), static_cast<size_t>(kQueued));
  for (int i = 0; i < kQueued; ++i) EXPECT_EQ(values[i], i);
  scheduler->Cancel(*watch);
}

// With orphans reaped and no fd, timer or deadline, Run waits in
// rt_sigtimedwait (scheduler_signals.h, WaitAlone). What must still
// wake it: Interject and Stop from another thread (each handshake leaves
// the other thread racing the loop into its wait, so both the "wake seen
// before blocking" and the "signal sent to the blocked wait" paths run), a
// signal, and a watched child's exit. A lost wake-up hangs the test.
TEST(Scheduler, WaitOnSignalsAloneStillWakesForEverything) {
  auto scheduler = MakeScheduler();
  std::vector<pid_t> orphans;
  ASSERT_TRUE(
      scheduler
          ->ReapOrphans([&](const ExitStatus& s) { orphans.push_back(s.pid); })
          .ok());
  // What ran, told to the other thread (the loop watches no fd).
  StatusOr<Pipe> ran = MakePipe();
  ASSERT_TRUE(ran.ok());
  auto tell = [&] { ASSERT_EQ(WriteAll(ran->write.get(), "r", 1), 0); };
  int usr1 = 0;
  signalfd_siginfo usr1_info = {};
  ASSERT_TRUE(scheduler
                  ->OnSignal(SIGUSR1,
                             [&](const signalfd_siginfo& info) {
                               ++usr1;
                               usr1_info = info;
                               tell();
                             })
                  .ok());
  StatusOr<Pipe> child_pipe = MakePipe();
  ASSERT_TRUE(child_pipe.ok());
  const pid_t child = ForkWaiting(*child_pipe);
  std::vector<ExitStatus> child_exits;
  ASSERT_TRUE(scheduler  // no pidfd while orphans are reaped
                  ->OnExit(child,
                           [&](const ExitStatus& s) {
                             child_exits.push_back(s);
                             tell();
                           })
                  .ok());
  constexpr int kRounds = 300;
  int interjected = 0;
  std::thread other([&] {
    char byte = 0;
    for (int i = 0; i < kRounds; ++i) {
      scheduler->Interject([&] {
        ++interjected;
        tell();
      });
      ASSERT_EQ(ReadFull(ran->read.get(), &byte, 1), 1);
    }
    kill(getpid(), SIGUSR1);  // process-directed: the signalfd takes it
    ASSERT_EQ(ReadFull(ran->read.get(), &byte, 1), 1);
    child_pipe->write.Reset();  // the child exits
    ASSERT_EQ(ReadFull(ran->read.get(), &byte, 1), 1);
    scheduler->Stop();
  });
  Status status = scheduler->Run();
  other.join();
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(interjected, kRounds);
  EXPECT_EQ(usr1, 1);
  // As a signalfd would have told it (the wait took a siginfo_t).
  EXPECT_EQ(usr1_info.ssi_signo, static_cast<uint32_t>(SIGUSR1));
  EXPECT_EQ(usr1_info.ssi_code, SI_USER);
  EXPECT_EQ(usr1_info.ssi_pid, static_cast<uint32_t>(getpid()));
  ASSERT_EQ(child_exits.size(), 1u);
  EXPECT_EQ(child_exits[0].pid, child);
  EXPECT_EQ(child_exits[0].exit_code(), 0);
  EXPECT_TRUE(orphans.empty());  // the watched child went to its watch only
  ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
}

// Waiting on signals alone keeps the signalfd out of the epoll set; once
// something else is watched, the loop is back in epoll_wait and a signal
// must still reach it, through the signalfd put back in the set. The first
// signal is pending before the wait alone begins; the epoll_wait is bounded
// (a minute), so that a lost signal fails the test instead of hanging it.
TEST(Scheduler, SignalsReachEpollWaitAfterWaitingAlone) {
  auto scheduler = MakeScheduler();
  ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
  std::vector<int> codes;
  ASSERT_TRUE(scheduler
                  ->OnSignal(SIGUSR1,
                             [&](const signalfd_siginfo& info) {
                               codes.push_back(info.ssi_code);
                             })
                  .ok());
  const fault::Duration limit = fault::MonotonicNow() + fault::Seconds(60);
  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
  ASSERT_TRUE(scheduler->RunOnce().ok());  // no deadline: waits alone
  ASSERT_EQ(codes.size(), 1u);
  // A pipe watched: the next wait is epoll_wait.
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  ASSERT_TRUE(scheduler->OnReadable(pipe->read.get(), [] {}).ok());
  ASSERT_EQ(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1), 0);
  ASSERT_TRUE(scheduler->RunOnce(limit).ok());
  ASSERT_EQ(codes.size(), 2u);
  EXPECT_EQ(codes[0], SI_USER);
  EXPECT_EQ(codes[1], SI_TKILL);
}

// A signal's watches are counted in 16 bits: the 65,536th is refused, and
// one cancelled makes room again; the rest still run.
TEST(Scheduler, SixtyFiveThousandFiveHundredThirtyFiveWatchesOfOneSignal) {
  auto scheduler = MakeScheduler();
  int runs = 0;
  std::vector<Scheduler::WatchId> ids;
  for (int i = 0; i < 65535; ++i) {
    StatusOr<Scheduler::WatchId> id =
        scheduler->OnSignal(SIGUSR2, [&](const signalfd_siginfo&) { ++runs; });
    ASSERT_TRUE(id.ok()) << i << ": " << id.status().ToString();
    ids.push_back(*id);
  }
  StatusOr<Scheduler::WatchId> refused =
      scheduler->OnSignals({SIGUSR1, SIGUSR2}, [](const signalfd_siginfo&) {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status().message(),
            "unable to watch signal 12: 65535 watches of one signal at most");
  scheduler->Cancel(ids.back());
  ASSERT_TRUE(
      scheduler->OnSignal(SIGUSR2, [&](const signalfd_siginfo&) { ++runs; })
          .ok());
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_EQ(runs, 65535);
}

}  // namespace
}  // namespace fault
