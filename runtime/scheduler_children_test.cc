// Tests of the Scheduler's exit watches (OnExit): runtime/scheduler_children.h.
// Orphan reaping: scheduler_orphans_test.cc.
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
#include <sys/resource.h>
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

// OnExit reports a child's exit code and the signal that killed another;
// the scheduler reaps both.
void ExpectExitCodeAndSignalReported() {
  auto scheduler = MakeScheduler();
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  const pid_t exiting = ForkExiting(3);
  const pid_t killed = ForkWaiting(*pipe);
  std::vector<ExitStatus> reports;
  auto record = [&](const ExitStatus& status) { reports.push_back(status); };
  ASSERT_TRUE(scheduler->OnExit(exiting, record).ok());
  ASSERT_TRUE(scheduler->OnExit(killed, record).ok());
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return reports.size() == 1; }));
  ASSERT_EQ(kill(killed, SIGKILL), 0);
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return reports.size() == 2; }));

  EXPECT_EQ(reports[0].pid, exiting);
  EXPECT_EQ(reports[0].code, CLD_EXITED);
  EXPECT_TRUE(reports[0].exited());
  EXPECT_EQ(reports[0].exit_code(), 3);
  EXPECT_EQ(reports[1].pid, killed);
  EXPECT_EQ(reports[1].code, CLD_KILLED);
  EXPECT_TRUE(reports[1].signaled());
  EXPECT_EQ(reports[1].signal(), SIGKILL);
  EXPECT_EQ(reports[1].ShellStatus(), 128 + SIGKILL);
  EXPECT_EQ(scheduler->Pending(), 0u);
  // Reaped: no child is left.
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_FALSE(IsBlocked(SIGCHLD));
}

TEST(Scheduler, OnExitReportsExitCodeAndKillingSignal) {
  ExpectExitCodeAndSignalReported();
}

TEST(Scheduler, OnExitWithoutPidfdsReportsExitCodeAndKillingSignal) {
  RunWithoutPidfds(ExpectExitCodeAndSignalReported);
}

// A child that exited before OnExit was called is still reported.
void ExpectAlreadyExitedChildReported() {
  auto scheduler = MakeScheduler();
  const pid_t pid = ForkExiting(5);
  ASSERT_NO_FATAL_FAILURE(WaitUntilExited(pid));
  std::optional<ExitStatus> report;
  ASSERT_TRUE(
      scheduler->OnExit(pid, [&](const ExitStatus& s) { report = s; }).ok());
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return report.has_value(); }));
  EXPECT_EQ(report->pid, pid);
  EXPECT_EQ(report->exit_code(), 5);
}

TEST(Scheduler, OnExitReportsChildThatAlreadyExited) {
  ExpectAlreadyExitedChildReported();
}

TEST(Scheduler, OnExitWithoutPidfdsReportsChildThatAlreadyExited) {
  RunWithoutPidfds(ExpectAlreadyExitedChildReported);
}

// OnExit refuses pids that are not unreaped children, and a second watch of
// one child.
TEST(Scheduler, OnExitRefusesWhatIsNotAnUnreapedChild) {
  auto scheduler = MakeScheduler();
  auto ignore = [](const ExitStatus&) {};
  EXPECT_EQ(scheduler->OnExit(0, ignore).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler->OnExit(getpid(), ignore).status().code(),
            StatusCode::kNotFound);
  const pid_t pid = ForkExiting(0);
  Reap(pid);
  EXPECT_EQ(scheduler->OnExit(pid, ignore).status().code(),
            StatusCode::kNotFound);

  const pid_t child = ForkExiting(0);
  StatusOr<Scheduler::WatchId> watch = scheduler->OnExit(child, ignore);
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  EXPECT_EQ(scheduler->OnExit(child, ignore).status().code(),
            StatusCode::kInvalidArgument);
  // Cancelling leaves the child unreaped.
  scheduler->Cancel(*watch);
  ASSERT_NO_FATAL_FAILURE(WaitUntilExited(child));
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler, fault::Milliseconds(10)));
  EXPECT_EQ(waitpid(child, nullptr, WNOHANG), child);
}

// An exit watch cancelled by another exit's callback in the same batch is
// not reported, and its child is left unreaped.
void ExpectExitWatchCancelledInBatchNotReported() {
  auto scheduler = MakeScheduler();
  const pid_t first = ForkExiting(0);
  const pid_t second = ForkExiting(0);
  ASSERT_NO_FATAL_FAILURE(WaitUntilExited(first));
  ASSERT_NO_FATAL_FAILURE(WaitUntilExited(second));
  int reports = 0;
  Scheduler::WatchId a = 0, b = 0;
  auto cancel_both = [&](const ExitStatus&) {
    ++reports;
    scheduler->Cancel(a);
    scheduler->Cancel(b);
  };
  a = *scheduler->OnExit(first, cancel_both);
  b = *scheduler->OnExit(second, cancel_both);
  ASSERT_NO_FATAL_FAILURE(RunUntil(*scheduler, [&] { return reports > 0; }));
  ASSERT_NO_FATAL_FAILURE(RunBriefly(*scheduler, fault::Milliseconds(10)));
  EXPECT_EQ(reports, 1);
  EXPECT_EQ(scheduler->Pending(), 0u);
  // Exactly one of the two is still unreaped.
  int unreaped = 0;
  for (pid_t pid : {first, second}) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) ++unreaped;
  }
  EXPECT_EQ(unreaped, 1);
}

TEST(Scheduler, ExitWatchCancelledInTheSameBatchIsNotReported) {
  ExpectExitWatchCancelledInBatchNotReported();
}

TEST(Scheduler, ExitWatchWithoutPidfdsCancelledInTheSameBatchIsNotReported) {
  RunWithoutPidfds(ExpectExitWatchCancelledInBatchNotReported);
}

// A signal and a child's exit that are both pending when RunOnce starts
// are both dispatched by that one RunOnce.
void ExpectSignalAndExitInOneWait() {
  auto scheduler = MakeScheduler();
  bool signalled = false;
  std::optional<ExitStatus> report;
  StatusOr<Scheduler::WatchId> signal = scheduler->OnSignal(
      SIGUSR2, [&](const signalfd_siginfo&) { signalled = true; });
  ASSERT_TRUE(signal.ok());
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  const pid_t pid = ForkWaiting(*pipe);
  ASSERT_TRUE(
      scheduler->OnExit(pid, [&](const ExitStatus& s) { report = s; }).ok());
  // Handle what registration queued (the fallback's check for a child that
  // exited before SIGCHLD was blocked) so that only the two events remain.
  ASSERT_TRUE(scheduler->RunOnce(fault::MonotonicNow()).ok());
  ASSERT_FALSE(report.has_value() || signalled);

  pipe->write.Reset();  // the child exits
  ASSERT_NO_FATAL_FAILURE(WaitUntilExited(pid));
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  ASSERT_TRUE(scheduler->RunOnce().ok());
  EXPECT_TRUE(signalled);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->pid, pid);
  EXPECT_EQ(report->exit_code(), 0);
  scheduler->Cancel(*signal);
}

TEST(Scheduler, SignalAndExitPendingTogetherAreDispatchedByOneRunOnce) {
  ExpectSignalAndExitInOneWait();
}

TEST(Scheduler, SignalAndExitWithoutPidfdsAreDispatchedByOneRunOnce) {
  RunWithoutPidfds(ExpectSignalAndExitInOneWait);
}

// With no descriptor left for its pidfd (RLIMIT_NOFILE at the lowest free
// one), OnExit still watches the child, through SIGCHLD, and reports its
// exit once descriptors are back: a pidfd is a descriptor too.
TEST(Scheduler, OnExitWithoutDescriptorsForAPidfdStillReportsTheExit) {
  auto scheduler = MakeScheduler();
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok());
  const pid_t pid = ForkWaiting(*pipe);
  std::optional<ExitStatus> report;
  // SIGCHLD's watch exists before the limit comes down: the fallback then
  // needs no descriptor of its own.
  StatusOr<Scheduler::WatchId> held =
      scheduler->OnSignal(SIGCHLD, [](const signalfd_siginfo&) {});
  ASSERT_TRUE(held.ok());
  struct rlimit own;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  int lowest_free = fcntl(0, F_DUPFD_CLOEXEC, 0);
  ASSERT_GE(lowest_free, 0);
  close(lowest_free);
  struct rlimit exhausted = {static_cast<rlim_t>(lowest_free), own.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &exhausted), 0);
  ASSERT_LT(OpenPidfd(pid).get(), 0);
  ASSERT_EQ(errno, EMFILE);
  StatusOr<Scheduler::WatchId> watch =
      scheduler->OnExit(pid, [&](const ExitStatus& s) { report = s; });
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &own), 0);
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  pipe->write.Reset();  // the child exits
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return report.has_value(); }));
  EXPECT_EQ(report->pid, pid);
  EXPECT_EQ(report->exit_code(), 0);
  scheduler->Cancel(*held);
}

}  // namespace
}  // namespace fault
