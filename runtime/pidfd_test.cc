#include "runtime/pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace fault {
namespace {

// A child that exits with `code` once the returned pipe end is closed.
pid_t ForkExitingOnClose(int code, UniqueFd* release) {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(ends[1]);
    char byte;
    while (read(ends[0], &byte, 1) < 0 && errno == EINTR) {
    }
    _exit(code);
  }
  close(ends[0]);
  release->Reset(ends[1]);
  return pid;
}

void WaitReadable(int fd) {
  pollfd p = {fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, -1), 1);
}

TEST(OpenPidfdTest, OpensACloseOnExecPidfdOrFailsWithErrno) {
  UniqueFd self = OpenPidfd(getpid());
  ASSERT_TRUE(self) << strerror(errno);
  EXPECT_EQ(fcntl(self.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  UniqueFd none = OpenPidfd(-5);
  EXPECT_FALSE(none);
  EXPECT_EQ(errno, EINVAL);
}

TEST(ReadReapedExitTest, NothingIsKeptWhileTheProcessRuns) {
  UniqueFd release;
  const pid_t pid = ForkExitingOnClose(0, &release);
  ASSERT_GT(pid, 0);
  UniqueFd pidfd = OpenPidfd(pid);
  ASSERT_TRUE(pidfd);
  int status = -1;
  const int error = ReadReapedExit(pidfd.get(), &status);
  EXPECT_TRUE(error == EAGAIN || error == ENOTTY || error == EINVAL) << error;
  EXPECT_EQ(status, -1);
  release.Reset();
  siginfo_t info;
  ASSERT_EQ(waitid(P_PID, pid, &info, WEXITED), 0);
}

// With SIGCHLD ignored the kernel reaps the child itself; the status it
// kept for the pidfd is the child's, whether it exited or was killed.
TEST(ReadReapedExitTest, KeepsTheStatusOfAChildTheKernelReaped) {
  if (!ReapedExitsAvailable()) {
    GTEST_SKIP() << "the kernel keeps no reaped exits (Linux < 6.15)";
  }
  struct sigaction ignore = {}, saved;
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGCHLD, &ignore, &saved), 0);
  for (int killed = 0; killed < 2; ++killed) {
    UniqueFd release;
    const pid_t pid = ForkExitingOnClose(42, &release);
    ASSERT_GT(pid, 0);
    UniqueFd pidfd = OpenPidfd(pid);
    ASSERT_TRUE(pidfd);
    if (killed) {
      ASSERT_EQ(kill(pid, SIGTERM), 0);
    } else {
      release.Reset();
    }
    WaitReadable(pidfd.get());
    int status = 0;
    int error;
    while ((error = ReadReapedExit(pidfd.get(), &status)) == EAGAIN) {
      sched_yield();  // exited, being released: a matter of instructions
    }
    ASSERT_EQ(error, 0);
    if (killed) {
      EXPECT_TRUE(WIFSIGNALED(status));
      EXPECT_EQ(WTERMSIG(status), SIGTERM);
    } else {
      EXPECT_TRUE(WIFEXITED(status));
      EXPECT_EQ(WEXITSTATUS(status), 42);
    }
    // Reaped by the kernel: no zombie is left to wait for.
    siginfo_t info;
    EXPECT_NE(waitid(P_PID, pid, &info, WEXITED | WNOHANG), 0);
    EXPECT_EQ(errno, ECHILD);
  }
  ASSERT_EQ(sigaction(SIGCHLD, &saved, nullptr), 0);
}

TEST(ReapedExitsAvailableTest, LeavesSigchldAsItWasAndAnswersTheSame) {
  struct sigaction before;
  ASSERT_EQ(sigaction(SIGCHLD, nullptr, &before), 0);
  const bool first = ReapedExitsAvailable();
  EXPECT_EQ(ReapedExitsAvailable(), first);
  struct sigaction after;
  ASSERT_EQ(sigaction(SIGCHLD, nullptr, &after), 0);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  // The probe's child is reaped.
  siginfo_t info;
  EXPECT_NE(waitid(P_ALL, 0, &info, WEXITED | WNOHANG), 0);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace fault
