#include "runtime/exit_status.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace fault {
namespace {

ExitStatus RunChild(void (*body)()) {
  pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(99);
  }
  siginfo_t info = {};
  EXPECT_EQ(waitid(P_PID, pid, &info, WEXITED), 0);
  return ExitStatus::FromSiginfo(info);
}

// A child that exits reports its code; the shell status is the same.
TEST(ExitStatus, Exited) {
  ExitStatus s = RunChild([] { _exit(3); });
  EXPECT_TRUE(s.exited());
  EXPECT_FALSE(s.signaled());
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_EQ(s.signal(), 0);
  EXPECT_EQ(s.ShellStatus(), 3);
  EXPECT_EQ(s.ToString(), "exit 3");
}

// A child killed by a signal reports it, and 128+n as the shell status.
TEST(ExitStatus, Killed) {
  ExitStatus s = RunChild([] { raise(SIGKILL); });
  EXPECT_TRUE(s.signaled());
  EXPECT_EQ(s.signal(), SIGKILL);
  EXPECT_EQ(s.exit_code(), -1);
  EXPECT_EQ(s.ShellStatus(), 128 + SIGKILL);
  EXPECT_EQ(s.ToString(), "signal KILL");
}

// waitpid's status word converts the same way.
TEST(ExitStatus, FromWaitStatus) {
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    _exit(99);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ExitStatus s = ExitStatus::FromWaitStatus(pid, status);
  EXPECT_EQ(s.pid, pid);
  EXPECT_EQ(s.signal(), SIGTERM);
  EXPECT_EQ(s.ToString(), "signal TERM");
  EXPECT_EQ(ExitStatus::FromWaitStatus(1, 7 << 8).exit_code(), 7);
}

}  // namespace
}  // namespace fault
