// Tests of kReportLazily (runtime/scheduler_children.h): with many exit
// watches, a SIGCHLD that names only watched children makes no
// waitid(P_ALL) sweep at once, and an orphan whose SIGCHLD merged into a
// watched child's is reaped by the lazy sweep, kLazySweepInterval later;
// a SIGCHLD that names an orphan still sweeps within kSweepInterval.
//
// Merged SIGCHLDs are made on purpose: the scheduler holds SIGCHLD blocked,
// so while the test does not run the loop, a first child's exit leaves
// SIGCHLD pending (checked with sigpending), and a second child's exit
// then adds nothing to it. Each exit is waited for on a pidfd of the
// test's own; nothing sleeps. The wait for the lazy sweep is RunUntil's,
// bounded by its limit (20 s, above the 10 s interval).

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"
#include "runtime/scheduler.h"
#include "runtime/testing/scheduler_testing.h"

namespace fault {
namespace {

constexpr int kWatched = 100;  // above Children::kFewWatches

// Kills `pid`, a child of ours, and waits until it has exited (its pidfd
// readable) and SIGCHLD is pending for this process.
void KillAndWaitPending(pid_t pid) {
  UniqueFd pidfd = OpenPidfd(pid);
  ASSERT_TRUE(pidfd) << "pidfd_open: " << strerror(errno);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  struct pollfd p = {pidfd.get(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 20000), 1);
  // The kernel sends SIGCHLD in the same step that makes the pidfd
  // readable; a reader may see the one an instant before the other.
  for (int i = 0; i < 1000000; ++i) {
    sigset_t pending;
    ASSERT_EQ(sigpending(&pending), 0);
    if (sigismember(&pending, SIGCHLD)) return;
  }
  FAIL() << "no SIGCHLD pending after the exit of " << pid;
}

// Whether `pid`, a child of ours, has exited and is not reaped yet.
bool Zombie(pid_t pid) {
  siginfo_t info = {};
  return waitid(P_PID, static_cast<id_t>(pid), &info,
                WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

class LazySweep : public ::testing::Test {
 protected:
  void SetUp() override {
    scheduler_ = MakeScheduler();
    ASSERT_TRUE(
        scheduler_
            ->ReapOrphans(
                [this](const ExitStatus& s) { orphans_.push_back(s.pid); },
                Scheduler::OrphanReaping::kReportLazily)
            .ok());
    StatusOr<Pipe> pipe = MakePipe();
    ASSERT_TRUE(pipe.ok());
    pipe_.emplace(std::move(*pipe));
    for (int i = 0; i < kWatched; ++i) {
      const pid_t pid = ForkWaiting(*pipe_);
      ASSERT_GT(pid, 0);
      watched_.push_back(pid);
      // With its pidfd, as the supervisor watches a process it spawned
      // (OnExit opens none while orphans are reported).
      UniqueFd pidfd = OpenPidfd(pid);
      ASSERT_TRUE(pidfd) << "pidfd_open: " << strerror(errno);
      ASSERT_TRUE(
          scheduler_
              ->OnExit(pid, std::move(pidfd),
                       [this](const ExitStatus& s) { reported_.insert(s.pid); })
              .ok());
    }
    // The sweep ReapOrphans asked for, so that what follows starts idle.
    ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler_, Milliseconds(10)));
  }
  void TearDown() override {
    pipe_.reset();  // every child still waiting exits
    RunUntil(*scheduler_, [&] { return reported_.size() == watched_.size(); });
    ASSERT_TRUE(scheduler_->ReapOrphans(nullptr).ok());
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }

  std::unique_ptr<Scheduler> scheduler_;
  std::optional<Pipe> pipe_;
  std::vector<pid_t> watched_;
  std::set<pid_t> reported_;
  std::vector<pid_t> orphans_;
};

// A watched child's exit costs no sweep; an orphan that exited while its
// SIGCHLD was pending stays a zombie until the lazy sweep, due
// kLazySweepInterval (10 s) after the SIGCHLD was taken, reaps it: the
// one sweep made.
TEST_F(LazySweep, AWatchedExitMakesNoSweepAndAMergedOrphanWaitsForTheLazyOne) {
  const pid_t orphan = ForkWaiting(*pipe_);
  ASSERT_GT(orphan, 0);
  const uint64_t sweeps = scheduler_->Sweeps();
  const pid_t first = watched_[7];
  ASSERT_NO_FATAL_FAILURE(KillAndWaitPending(first));
  ASSERT_NO_FATAL_FAILURE(KillAndWaitPending(orphan));  // merged
  const Duration before = MonotonicNow();
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler_, [&] { return reported_.count(first) == 1; }));
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler_, Milliseconds(10)));
  const Duration after = MonotonicNow();
  EXPECT_EQ(scheduler_->Sweeps(), sweeps);
  EXPECT_TRUE(orphans_.empty());
  EXPECT_TRUE(Zombie(orphan));
  EXPECT_GE(scheduler_->SweepDue(), before + Seconds(10));
  EXPECT_LE(scheduler_->SweepDue(), after + Seconds(10));
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler_, [&] { return orphans_.size() == 1; }));
  EXPECT_EQ(orphans_, std::vector<pid_t>{orphan});
  EXPECT_EQ(scheduler_->Sweeps(), sweeps + 1);
  EXPECT_EQ(reported_, std::set<pid_t>{first});
  EXPECT_EQ(scheduler_->SweepDue(), InfiniteDuration());
}

// A SIGCHLD that names an orphan shows orphans are about: another orphan
// merged into it is reaped by a sweep made at once, or due within
// kSweepInterval (1 s) of the last one, not by the lazy one.
TEST_F(LazySweep, AnOrphansSignalSweepsSoon) {
  const pid_t one = ForkWaiting(*pipe_);
  const pid_t two = ForkWaiting(*pipe_);
  ASSERT_GT(one, 0);
  ASSERT_GT(two, 0);
  const uint64_t sweeps = scheduler_->Sweeps();
  ASSERT_NO_FATAL_FAILURE(KillAndWaitPending(one));
  ASSERT_NO_FATAL_FAILURE(KillAndWaitPending(two));  // merged
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler_, [&] { return !orphans_.empty(); }));
  const Duration after = MonotonicNow();
  EXPECT_EQ(orphans_[0], one);
  if (orphans_.size() == 1) {  // the sweep is deferred, not lazy
    EXPECT_LE(scheduler_->SweepDue(), after + Seconds(1));
  }
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler_, [&] { return orphans_.size() == 2; }));
  EXPECT_EQ(orphans_, (std::vector<pid_t>{one, two}));
  EXPECT_EQ(scheduler_->Sweeps(), sweeps + 1);
}

// A watch with no pidfd (here the last one made: OnExit(pid, fn)) may have
// its exit hidden in a merged SIGCHLD: while one is left, a SIGCHLD that
// named only watched children sweeps as kReport does, within
// kSweepInterval (1 s), not lazily.
TEST_F(LazySweep, AWatchWithoutPidfdSweepsSoon) {
  const pid_t plain = ForkWaiting(*pipe_);
  ASSERT_GT(plain, 0);
  ASSERT_TRUE(
      scheduler_
          ->OnExit(plain,
                   [this](const ExitStatus& s) { reported_.insert(s.pid); })
          .ok());
  watched_.push_back(plain);
  const pid_t first = watched_[5];
  ASSERT_NO_FATAL_FAILURE(KillAndWaitPending(first));
  ASSERT_NO_FATAL_FAILURE(KillAndWaitPending(plain));  // merged
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler_, [&] { return reported_.count(first) == 1; }));
  const Duration after = MonotonicNow();
  if (reported_.count(plain) == 0) {  // the sweep is deferred, not lazy
    EXPECT_LE(scheduler_->SweepDue(), after + Seconds(1));
  }
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler_, [&] { return reported_.count(plain) == 1; }));
  EXPECT_TRUE(orphans_.empty());
}

// Switching from kReportLazily to kReport sweeps at once: an orphan that
// merged into a watched child's SIGCHLD is reaped without the wait.
TEST_F(LazySweep, LeavingLazyReportsSweepsAtOnce) {
  const pid_t orphan = ForkWaiting(*pipe_);
  ASSERT_GT(orphan, 0);
  const pid_t first = watched_[3];
  ASSERT_NO_FATAL_FAILURE(KillAndWaitPending(first));
  ASSERT_NO_FATAL_FAILURE(KillAndWaitPending(orphan));  // merged
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler_, [&] { return reported_.count(first) == 1; }));
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler_, Milliseconds(10)));
  ASSERT_TRUE(orphans_.empty());
  const uint64_t sweeps = scheduler_->Sweeps();
  ASSERT_TRUE(
      scheduler_
          ->ReapOrphans(
              [this](const ExitStatus& s) { orphans_.push_back(s.pid); },
              Scheduler::OrphanReaping::kReport)
          .ok());
  // The wake-up's sweep: one pass of the loop, no timer.
  ASSERT_TRUE(scheduler_->RunOnce(MonotonicNow()).ok());
  EXPECT_EQ(orphans_, std::vector<pid_t>{orphan});
  EXPECT_EQ(scheduler_->Sweeps(), sweeps + 1);
}

}  // namespace
}  // namespace fault
