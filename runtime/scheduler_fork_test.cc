// Tests of the Scheduler's part of the fork child callset: a child, which
// does not run its parent's loop, gets back the signal state the
// Scheduler changed for that loop (scheduler.h, "Fork"). Without Control,
// so that nothing else resets it.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <utility>

#include "gtest/gtest.h"
#include "runtime/exit_status.h"
#include "runtime/scheduler.h"

namespace fault {
namespace {

// How a forked child finds its signal state: 0 when `held` is not blocked
// and SIGCHLD is at SIG_DFL, else a code naming what is wrong.
int ChildState(int held) {
  sigset_t mask;
  sigprocmask(SIG_SETMASK, nullptr, &mask);
  if (sigismember(&mask, held)) return 10;
  struct sigaction chld;
  sigaction(SIGCHLD, nullptr, &chld);
  if (chld.sa_handler != SIG_DFL) return 11;
  return 0;
}

ExitStatus ForkAndReport(int held) {
  const pid_t pid = fork();
  if (pid == 0) _exit(ChildState(held));
  siginfo_t info = {};
  EXPECT_EQ(waitid(P_PID, pid, &info, WEXITED), 0);
  return ExitStatus::FromSiginfo(info);
}

TEST(SchedulerFork, ChildGetsTheSignalStateBack) {
  StatusOr<std::unique_ptr<Scheduler>> created = Scheduler::Create();
  ASSERT_TRUE(created.ok());
  std::unique_ptr<Scheduler> s = std::move(created).value();
  StatusOr<Scheduler::WatchId> watch =
      s->OnSignal(SIGUSR2, [](const signalfd_siginfo&) {});
  ASSERT_TRUE(watch.ok());
  // Held here, for the loop; not in the child.
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  ASSERT_TRUE(sigismember(&mask, SIGUSR2));
  EXPECT_EQ(ForkAndReport(SIGUSR2).ToString(), "exit 0");

  // Kernel reaping ignores SIGCHLD here; the child gets SIG_DFL back. (A
  // child the kernel reaps is not waited for: back to reporting first.)
  ASSERT_TRUE(s->ReapOrphans([](const ExitStatus&) {},
                             Scheduler::OrphanReaping::kByKernel)
                  .ok());
  const bool kernel_reaps = s->KernelReapsOrphans();
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    const char code = static_cast<char>(ChildState(SIGUSR2));
    (void)!write(pipe_fds[1], &code, 1);
    _exit(0);
  }
  close(pipe_fds[1]);
  char code = -1;
  ASSERT_EQ(read(pipe_fds[0], &code, 1), 1);
  close(pipe_fds[0]);
  EXPECT_EQ(code, 0) << (kernel_reaps ? "with" : "without")
                     << " kernel reaping";
  ASSERT_TRUE(s->ReapOrphans(nullptr).ok());
  s->Cancel(*watch);
}

// A destroyed Scheduler is no longer in the callset: its child part does
// not run (nor touch freed memory) at later forks.
TEST(SchedulerFork, DestroyedSchedulerLeavesTheCallset) {
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  {
    StatusOr<std::unique_ptr<Scheduler>> s = Scheduler::Create();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->OnSignal(SIGUSR1, [](const signalfd_siginfo&) {}).ok());
  }
  // Blocked by hand now: the callset must not unblock it in the child.
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &usr1, nullptr), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    sigset_t mask;
    sigprocmask(SIG_SETMASK, nullptr, &mask);
    _exit(sigismember(&mask, SIGUSR1) ? 0 : 10);
  }
  siginfo_t info = {};
  ASSERT_EQ(waitid(P_PID, pid, &info, WEXITED), 0);
  EXPECT_EQ(ExitStatus::FromSiginfo(info).ToString(), "exit 0");
  ASSERT_EQ(pthread_sigmask(SIG_UNBLOCK, &usr1, nullptr), 0);
}

}  // namespace
}  // namespace fault
