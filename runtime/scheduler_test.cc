// Tests of the Scheduler with real timers, pipes, signals and processes.
//
// Nothing here sleeps to synchronize: tests wait on pipes, on
// waitid(WNOWAIT) for a child's exit, or run the loop until an expected
// callback has run (RunUntil, bounded by a generous limit that only matters
// when a test fails). Forked children only make system calls and _exit.
//
// The "WithoutPidfds" tests run a scenario in a forked child whose seccomp
// filter makes pidfd_open fail with ENOSYS, exercising the SIGCHLD fallback.
// They are skipped where seccomp filters cannot be installed (qemu-user
// refuses PR_SET_SECCOMP).

#include "runtime/scheduler.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace fault {
namespace {

std::unique_ptr<Scheduler> MakeScheduler() {
  StatusOr<std::unique_ptr<Scheduler>> scheduler = Scheduler::Create();
  EXPECT_TRUE(scheduler.ok()) << scheduler.status().ToString();
  return std::move(scheduler).value();
}

// RunUntil runs the loop until `done()`; fails after a limit that only a
// broken scheduler reaches.
void RunUntil(Scheduler& scheduler, const std::function<bool()>& done) {
  const fault::Duration limit = fault::MonotonicNow() + fault::Seconds(20);
  while (!done()) {
    ASSERT_LT(fault::MonotonicNow(), limit)
        << "timed out waiting for callbacks";
    Status status = scheduler.RunOnce(limit);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
}

// RunBriefly runs the loop for `duration`, to show that nothing more runs.
void RunBriefly(Scheduler& scheduler, fault::Duration duration) {
  const fault::Duration deadline = fault::MonotonicNow() + duration;
  while (fault::MonotonicNow() < deadline) {
    Status status = scheduler.RunOnce(deadline);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
}

bool IsBlocked(int signo) {
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, signo) == 1;
}

// ForkExiting forks a child that exits with `code` at once.
pid_t ForkExiting(int code) {
  pid_t pid = fork();
  if (pid == 0) _exit(code);
  EXPECT_GT(pid, 0) << "fork: " << strerror(errno);
  return pid;
}

// ForkWaiting forks a child that exits 0 when `pipe`'s write end is closed
// (by the parent and every other child).
pid_t ForkWaiting(const Pipe& pipe) {
  pid_t pid = fork();
  if (pid == 0) {
    close(pipe.write.get());
    char byte;
    while (read(pipe.read.get(), &byte, 1) != 0 && errno == EINTR) {
    }
    _exit(0);
  }
  EXPECT_GT(pid, 0) << "fork: " << strerror(errno);
  return pid;
}

// WaitUntilExited returns once `pid` has exited, leaving it unreaped.
void WaitUntilExited(pid_t pid) {
  siginfo_t info = {};
  int result;
  do {
    result = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
  } while (result != 0 && errno == EINTR);
  ASSERT_EQ(result, 0) << strerror(errno);
}

void Reap(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// --- The SIGCHLD fallback, forced with seccomp ------------------------------

constexpr int kSeccompUnavailable = 77;

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#elif defined(__arm__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_ARM;
#else
constexpr uint32_t kAuditArch = 0;
#endif

// DenyPidfdOpen makes pidfd_open fail with ENOSYS in this process, as on a
// kernel older than 5.3. Returns false if seccomp is unavailable.
bool DenyPidfdOpen() {
  if (kAuditArch == 0) return false;
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program = {static_cast<unsigned short>(std::size(filter)), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) return false;
  return syscall(SYS_pidfd_open, getpid(), 0) < 0 && errno == ENOSYS;
}

// RunWithoutPidfds runs `scenario` in a child process where pidfd_open
// fails with ENOSYS; the child's failures are printed there and fail the
// test here.
void RunWithoutPidfds(void (*scenario)()) {
  fflush(stdout);
  pid_t pid = fork();
  ASSERT_GE(pid, 0) << strerror(errno);
  if (pid == 0) {
    if (!DenyPidfdOpen()) _exit(kSeccompUnavailable);
    scenario();
    fflush(stdout);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "scenario crashed: " << status;
  if (WEXITSTATUS(status) == kSeccompUnavailable) {
    GTEST_SKIP() << "seccomp filters unavailable (qemu-user refuses them)";
  }
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the scenario failed (see above)";
}

// --- Timers -----------------------------------------------------------------

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

// --- Fds --------------------------------------------------------------------

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

// --- Signals ----------------------------------------------------------------

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

// --- Processes --------------------------------------------------------------

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
  EXPECT_EQ(scheduler->Pending(), 0u);
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

// kByKernelFromFirstOrphan reports orphans until the first one, then lets
// the kernel reap: the child watched before the switch (without a pidfd,
// as under kReport) gets one and is still reported, with its status;
// later orphans are reaped by the kernel, unreported.
TEST(Scheduler, KernelReapingFromTheFirstOrphan) {
  if (!ReapedExitsAvailable()) {
    GTEST_SKIP() << "the kernel keeps no reaped exits (Linux < 6.15)";
  }
  auto scheduler = MakeScheduler();
  std::vector<ExitStatus> orphans;
  ASSERT_TRUE(
      scheduler
          ->ReapOrphans([&](const ExitStatus& s) { orphans.push_back(s); },
                        Scheduler::OrphanReaping::kByKernelFromFirstOrphan)
          .ok());
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

// With orphans reaped and no fd, timer or deadline, Run waits in
// rt_sigtimedwait (scheduler.cc, "Waiting on signals alone"). What must still
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
