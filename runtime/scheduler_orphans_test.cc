// Tests of the Scheduler's orphan reaping (ReapOrphans), by itself and by the
// kernel: runtime/scheduler_children.h.
//
// Nothing here sleeps to synchronize: tests wait on pipes, on
// waitid(WNOWAIT) for a child's exit, or run the loop until an expected
// callback has run (RunUntil, bounded by a generous limit that only matters
// when a test fails). Forked children only make system calls and _exit.
//
// The "WithoutPidfds" tests run a scenario in a forked child whose seccomp
// filter makes pidfd_open fail with ENOSYS, exercising the SIGCHLD fallback
// (RunWithoutPidfds).

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

// ReapOrphans reaps a child nobody watches and reports it to its callback,
// while a watched child goes only to its own callback; turning reaping off
// unblocks SIGCHLD again.
void ExpectOrphansReapedAndWatchedChildReportedOnce() {
  ASSERT_FALSE(IsBlocked(SIGCHLD));
  auto scheduler = MakeScheduler();
  std::vector<ExitStatus> orphans;
  std::vector<ExitStatus> watched;
  ASSERT_TRUE(
      scheduler->ReapOrphans([&](const ExitStatus& s) { orphans.push_back(s); })
          .ok());
  EXPECT_TRUE(IsBlocked(SIGCHLD));
  const pid_t watched_pid = ForkExiting(1);
  const pid_t orphan_pid = ForkExiting(2);
  ASSERT_TRUE(scheduler
                  ->OnExit(watched_pid,
                           [&](const ExitStatus& s) { watched.push_back(s); })
                  .ok());
  ASSERT_NO_FATAL_FAILURE(RunUntil(
      *scheduler, [&] { return orphans.size() + watched.size() == 2; }));
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler, fault::Milliseconds(10)));
  ASSERT_EQ(orphans.size(), 1u);
  ASSERT_EQ(watched.size(), 1u);
  EXPECT_EQ(orphans[0].pid, orphan_pid);
  EXPECT_EQ(orphans[0].exit_code(), 2);
  EXPECT_EQ(watched[0].pid, watched_pid);
  EXPECT_EQ(watched[0].exit_code(), 1);
  ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
  EXPECT_FALSE(IsBlocked(SIGCHLD));
}

TEST(Scheduler, ReapOrphansReapsUnwatchedChildrenOnly) {
  ExpectOrphansReapedAndWatchedChildReportedOnce();
}

TEST(Scheduler, ReapOrphansWithoutPidfdsReapsUnwatchedChildrenOnly) {
  RunWithoutPidfds(ExpectOrphansReapedAndWatchedChildReportedOnce);
}

// A child that exited before ReapOrphans was called is reaped too.
TEST(Scheduler, ReapOrphansReapsChildThatExitedBefore) {
  auto scheduler = MakeScheduler();
  const pid_t pid = ForkExiting(4);
  ASSERT_NO_FATAL_FAILURE(WaitUntilExited(pid));
  std::vector<pid_t> reaped;
  ASSERT_TRUE(
      scheduler
          ->ReapOrphans([&](const ExitStatus& s) { reaped.push_back(s.pid); })
          .ok());
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return !reaped.empty(); }));
  EXPECT_EQ(reaped, std::vector<pid_t>{pid});
  ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
}

// 200 children exiting at once (their SIGCHLDs coalesce) are each reported
// exactly once: half to their own OnExit callback, half as orphans.
void ExpectManyExitsEachReportedOnce(bool reap_orphans) {
  constexpr int kChildren = 200;
  auto scheduler = MakeScheduler();
  std::map<pid_t, int> own_reports;
  std::map<pid_t, int> orphan_reports;
  if (reap_orphans) {
    ASSERT_TRUE(scheduler
                    ->ReapOrphans([&](const ExitStatus& s) {
                      EXPECT_EQ(s.exit_code(), 0);
                      ++orphan_reports[s.pid];
                    })
                    .ok());
  }
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  std::set<pid_t> watched;
  std::set<pid_t> unwatched;
  for (int i = 0; i < kChildren; ++i) {
    const pid_t pid = ForkWaiting(*pipe);
    ASSERT_GT(pid, 0);
    if (!reap_orphans || i % 2 == 0) {
      watched.insert(pid);
      ASSERT_TRUE(scheduler
                      ->OnExit(pid,
                               [&](const ExitStatus& s) {
                                 EXPECT_EQ(s.exit_code(), 0);
                                 ++own_reports[s.pid];
                               })
                      .ok());
    } else {
      unwatched.insert(pid);
    }
  }
  pipe->write.Reset();  // every child exits now
  ASSERT_NO_FATAL_FAILURE(RunUntil(*scheduler, [&] {
    return own_reports.size() + orphan_reports.size() == kChildren;
  }));
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler, fault::Milliseconds(20)));
  for (pid_t pid : watched) {
    EXPECT_EQ(own_reports[pid], 1) << pid;
    EXPECT_EQ(orphan_reports.count(pid), 0u) << pid;
  }
  for (pid_t pid : unwatched) {
    EXPECT_EQ(orphan_reports[pid], 1) << pid;
  }
  EXPECT_EQ(own_reports.size(), watched.size());
  EXPECT_EQ(orphan_reports.size(), unwatched.size());
  if (reap_orphans) {
    ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
  }
  // With this many exit watches a sweep for merged SIGCHLDs may be
  // deferred (Children::kSweepInterval): its timer is the one thing left,
  // and it ends once it has run.
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return scheduler->Pending() == 0; }));
}

void ExpectManyExitsWithOrphansEachReportedOnce() {
  ExpectManyExitsEachReportedOnce(true);
}
void ExpectManyWatchedExitsEachReportedOnce() {
  ExpectManyExitsEachReportedOnce(false);
}

TEST(Scheduler, ManySimultaneousExitsWithOrphanReapingAreEachReportedOnce) {
  ExpectManyExitsWithOrphansEachReportedOnce();
}

TEST(Scheduler, ManySimultaneousWatchedExitsAreEachReportedOnce) {
  ExpectManyWatchedExitsEachReportedOnce();
}

TEST(Scheduler, ManySimultaneousExitsWithoutPidfdsAreEachReportedOnce) {
  RunWithoutPidfds(ExpectManyExitsWithOrphansEachReportedOnce);
}

TEST(Scheduler, ManySimultaneousWatchedExitsWithoutPidfdsAreEachReportedOnce) {
  RunWithoutPidfds(ExpectManyWatchedExitsEachReportedOnce);
}

// --- Kernel reaping ---------------------------------------------------------

void* SigchldHandler() {
  struct sigaction action;
  EXPECT_EQ(sigaction(SIGCHLD, nullptr, &action), 0);
  return reinterpret_cast<void*>(action.sa_handler);
}

// Waits until the kernel has reaped `pid`: its pidfd is readable and no
// zombie is left for waitid.
void WaitUntilReapedByKernel(pid_t pid, int pidfd) {
  pollfd p = {pidfd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, -1), 1);
  siginfo_t info = {};
  EXPECT_NE(waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG), 0);
  EXPECT_EQ(errno, ECHILD) << "pid " << pid << " was left a zombie";
}

// With kByKernel, SIGCHLD is ignored: 100 unwatched children are reaped by
// the kernel and never reported, while 100 watched ones (half through
// OnExit's own pidfd, half through the caller's) are each reported once,
// with their status. Back to kReport, orphans are reported again and
// SIGCHLD's disposition is restored.
TEST(Scheduler, KernelReapingReportsWatchedChildrenAndNoOrphans) {
  if (!ReapedExitsAvailable()) {
    GTEST_SKIP() << "the kernel keeps no reaped exits (Linux < 6.15)";
  }
  constexpr int kChildren = 200;
  auto scheduler = MakeScheduler();
  std::vector<ExitStatus> orphans;
  auto report_orphan = [&](const ExitStatus& s) { orphans.push_back(s); };
  ASSERT_TRUE(
      scheduler->ReapOrphans(report_orphan, Scheduler::OrphanReaping::kByKernel)
          .ok());
  ASSERT_TRUE(scheduler->KernelReapsOrphans());
  EXPECT_EQ(SigchldHandler(), reinterpret_cast<void*>(SIG_IGN));

  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  std::map<pid_t, int> reports;
  std::map<pid_t, UniqueFd> unwatched;  // the test's own pidfds
  for (int i = 0; i < kChildren; ++i) {
    const pid_t pid = ForkWaiting(*pipe);
    ASSERT_GT(pid, 0);
    auto report = [&](const ExitStatus& s) {
      EXPECT_EQ(s.exit_code(), 0);
      ++reports[s.pid];
    };
    if (i % 4 == 0) {
      ASSERT_TRUE(scheduler->OnExit(pid, report).ok());
    } else if (i % 4 == 1) {
      ASSERT_TRUE(scheduler->OnExit(pid, OpenPidfd(pid), report).ok());
    } else {
      unwatched[pid] = OpenPidfd(pid);
      ASSERT_TRUE(unwatched[pid]);
    }
  }
  pipe->write.Reset();  // every child exits now
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return reports.size() == kChildren / 2; }));
  for (const auto& [pid, pidfd] : unwatched) {
    ASSERT_NO_FATAL_FAILURE(WaitUntilReapedByKernel(pid, pidfd.get()));
  }
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler, fault::Milliseconds(20)));
  for (const auto& [pid, count] : reports) EXPECT_EQ(count, 1) << pid;
  EXPECT_TRUE(orphans.empty());
  EXPECT_EQ(scheduler->Pending(), 0u);

  ASSERT_TRUE(scheduler->ReapOrphans(report_orphan).ok());
  EXPECT_FALSE(scheduler->KernelReapsOrphans());
  EXPECT_EQ(SigchldHandler(), reinterpret_cast<void*>(SIG_DFL));
  const pid_t orphan = ForkExiting(3);
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return !orphans.empty(); }));
  EXPECT_EQ(orphans[0].pid, orphan);
  EXPECT_EQ(orphans[0].exit_code(), 3);
  ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
}

// kReport until the first orphan, then kByKernel, switched from the orphan
// callback (container mode's policy): the switch takes effect within that
// reaping pass; the child watched before it (without a pidfd, as under
// kReport) moves onto a pidfd and is still reported, with its status;
// later orphans are reaped by the kernel, unreported.
TEST(Scheduler, KernelReapingFromTheOrphanCallback) {
  if (!ReapedExitsAvailable()) {
    GTEST_SKIP() << "the kernel keeps no reaped exits (Linux < 6.15)";
  }
  auto scheduler = MakeScheduler();
  std::vector<ExitStatus> orphans;
  Scheduler::ExitCallback report = [&](const ExitStatus& s) {
    orphans.push_back(s);
    EXPECT_TRUE(
        scheduler->ReapOrphans(report, Scheduler::OrphanReaping::kByKernel)
            .ok());
  };
  ASSERT_TRUE(scheduler->ReapOrphans(report).ok());
  EXPECT_FALSE(scheduler->KernelReapsOrphans());
  EXPECT_EQ(SigchldHandler(), reinterpret_cast<void*>(SIG_DFL));

  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  const pid_t watched = ForkWaiting(*pipe);
  ASSERT_GT(watched, 0);
  std::vector<ExitStatus> reports;
  ASSERT_TRUE(
      scheduler
          ->OnExit(watched, [&](const ExitStatus& s) { reports.push_back(s); })
          .ok());

  const pid_t first = ForkExiting(3);
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return !orphans.empty(); }));
  ASSERT_EQ(orphans.size(), 1u);
  EXPECT_EQ(orphans[0].pid, first);
  EXPECT_EQ(orphans[0].exit_code(), 3);
  EXPECT_TRUE(scheduler->KernelReapsOrphans());
  EXPECT_EQ(SigchldHandler(), reinterpret_cast<void*>(SIG_IGN));

  StatusOr<Pipe> later_pipe = MakePipe();
  ASSERT_TRUE(later_pipe.ok());
  const pid_t later = ForkWaiting(*later_pipe);
  ASSERT_GT(later, 0);
  UniqueFd later_pidfd = OpenPidfd(later);  // before the kernel reaps it
  ASSERT_TRUE(later_pidfd);
  later_pipe->write.Reset();
  ASSERT_NO_FATAL_FAILURE(WaitUntilReapedByKernel(later, later_pidfd.get()));

  pipe->write.Reset();  // the watched child exits now
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return !reports.empty(); }));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].pid, watched);
  EXPECT_EQ(reports[0].exit_code(), 0);
  EXPECT_EQ(orphans.size(), 1u);
  EXPECT_EQ(scheduler->Pending(), 0u);
  ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
  EXPECT_EQ(SigchldHandler(), reinterpret_cast<void*>(SIG_DFL));
}

// A child the kernel reaped before it was watched: with the pidfd opened
// while it ran, its status still arrives; without one, OnExit refuses it.
TEST(Scheduler, KernelReapingReportsAChildReapedBeforeItsWatch) {
  if (!ReapedExitsAvailable()) {
    GTEST_SKIP() << "the kernel keeps no reaped exits (Linux < 6.15)";
  }
  auto scheduler = MakeScheduler();
  ASSERT_TRUE(scheduler
                  ->ReapOrphans([](const ExitStatus&) {},
                                Scheduler::OrphanReaping::kByKernel)
                  .ok());
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  const pid_t pid = ForkWaiting(*pipe);
  UniqueFd pidfd = OpenPidfd(pid);
  ASSERT_TRUE(pidfd);
  pipe->write.Reset();
  ASSERT_NO_FATAL_FAILURE(WaitUntilReapedByKernel(pid, pidfd.get()));

  StatusOr<Scheduler::WatchId> refused =
      scheduler->OnExit(pid, [](const ExitStatus&) {});
  EXPECT_EQ(refused.status().code(), StatusCode::kNotFound);
  std::optional<ExitStatus> reported;
  ASSERT_TRUE(scheduler
                  ->OnExit(pid, std::move(pidfd),
                           [&](const ExitStatus& s) { reported = s; })
                  .ok());
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return reported.has_value(); }));
  EXPECT_EQ(reported->pid, pid);
  EXPECT_EQ(reported->exit_code(), 0);
  ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
  EXPECT_EQ(SigchldHandler(), reinterpret_cast<void*>(SIG_DFL));
}

// kByKernel falls back to reporting while an exit watch has no pidfd
// (pidfd_open denied), and every orphan is then reported.
void ExpectKernelReapingRefusedWithoutPidfds() {
  auto scheduler = MakeScheduler();
  const pid_t watched = ForkExiting(1);
  std::optional<ExitStatus> own;
  ASSERT_TRUE(
      scheduler->OnExit(watched, [&](const ExitStatus& s) { own = s; }).ok());
  std::vector<pid_t> orphans;
  ASSERT_TRUE(
      scheduler
          ->ReapOrphans([&](const ExitStatus& s) { orphans.push_back(s.pid); },
                        Scheduler::OrphanReaping::kByKernel)
          .ok());
  EXPECT_FALSE(scheduler->KernelReapsOrphans());
  const pid_t orphan = ForkExiting(2);
  ASSERT_NO_FATAL_FAILURE(RunUntil(
      *scheduler, [&] { return own.has_value() && !orphans.empty(); }));
  EXPECT_EQ(own->exit_code(), 1);
  EXPECT_EQ(orphans, std::vector<pid_t>{orphan});
  ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
}

TEST(Scheduler, KernelReapingWithoutPidfdsFallsBackToReporting) {
  RunWithoutPidfds(ExpectKernelReapingRefusedWithoutPidfds);
}

// With many exit watches on SIGCHLD (no pidfd: orphans are reported), the
// sweep for merged SIGCHLDs is not run after every SIGCHLD
// (scheduler_children.h, kReported): children that all exit at once, whose
// SIGCHLDs merge, and an orphan among them, are still each reported once,
// to its own callback.
TEST(Scheduler, ManyWatchedChildrenExitingAtOnceAreEachReportedOnce) {
  constexpr int kWatched = 100;  // above kFewWatches
  auto scheduler = MakeScheduler();
  std::vector<ExitStatus> orphans;
  std::multiset<pid_t> reported;
  ASSERT_TRUE(
      scheduler->ReapOrphans([&](const ExitStatus& s) { orphans.push_back(s); })
          .ok());
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  std::set<pid_t> watched;
  for (int i = 0; i < kWatched; ++i) {
    const pid_t pid = ForkWaiting(*pipe);
    ASSERT_GT(pid, 0);
    watched.insert(pid);
    ASSERT_TRUE(scheduler
                    ->OnExit(pid,
                             [&reported](const ExitStatus& s) {
                               reported.insert(s.pid);
                             })
                    .ok());
  }
  const pid_t orphan = ForkWaiting(*pipe);
  ASSERT_GT(orphan, 0);
  // One exit first, alone: its sweep makes the next ones wait for the
  // interval (or for a sweep that finds merged exits).
  const pid_t first = *watched.begin();
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return reported.count(first) == 1; }));
  pipe->write.Reset();  // every other child exits now
  ASSERT_NO_FATAL_FAILURE(RunUntil(*scheduler, [&] {
    return reported.size() == watched.size() && orphans.size() == 1;
  }));
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler, fault::Milliseconds(10)));
  EXPECT_EQ(std::set<pid_t>(reported.begin(), reported.end()), watched);
  EXPECT_EQ(reported.size(), watched.size());  // each once
  ASSERT_EQ(orphans.size(), 1u);
  EXPECT_EQ(orphans[0].pid, orphan);
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);  // nothing left to reap
  EXPECT_EQ(errno, ECHILD);
  ASSERT_TRUE(scheduler->ReapOrphans(nullptr).ok());
}

}  // namespace
}  // namespace fault
