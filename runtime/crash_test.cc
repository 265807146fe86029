#include "runtime/crash.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "runtime/signals.h"
#include "runtime/testing/child.h"

// Under ASan the faults must reach the handler under test, not ASan's.
extern "C" const char* __asan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:"
         "handle_abort=0:allow_user_segv_handler=1";
}

namespace fault {
namespace {

using testing::ChildResult;
using testing::RunInChild;

// Deep enough recursion to overflow any stack; the volatile frame keeps the
// compiler from turning it into a loop.
int Recurse(int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  return Recurse(depth + 1) + frame[0];
}

// Reads one line from `fd` (blocking).
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

TEST(ParseCrashAction, NamesAndErrors) {
  EXPECT_EQ(*ParseCrashAction("freeze"), CrashAction::kFreeze);
  EXPECT_EQ(*ParseCrashAction("reboot"), CrashAction::kReboot);
  EXPECT_EQ(*ParseCrashAction("poweroff"), CrashAction::kPowerOff);
  StatusOr<CrashAction> bad = ParseCrashAction("die");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "invalid crash action \"die\": expected freeze, reboot or "
            "poweroff");
  for (CrashAction a :
       {CrashAction::kFreeze, CrashAction::kReboot, CrashAction::kPowerOff}) {
    EXPECT_EQ(*ParseCrashAction(CrashActionName(a)), a);
  }
}

// Each fault is caught, named in one line, and (kDie) the process still
// ends with that signal, as its parent expects.
class FaultTest : public ::testing::TestWithParam<int> {};

TEST_P(FaultTest, OneLineThenTheSignal) {
  const int signo = GetParam();
  ChildResult r = RunInChild([signo] {
    ASSERT_TRUE(InstallCrashHandler("crashtest", CrashAction::kDie).ok());
    TriggerFault(signo);
    _exit(99);  // the fault did not happen
  });
  ASSERT_TRUE(r.status.signaled()) << r.status.ToString() << " " << r.err;
  EXPECT_EQ(r.status.signal(), signo);
  std::string name(SignalIdentifier(signo));
  std::string expected = "crashtest: crashed: " + name;
  ASSERT_EQ(r.err.rfind(expected, 0), 0u) << r.err;
  EXPECT_NE(r.err.find("; crash action: die\n"), std::string::npos) << r.err;
  // One line of ours (qemu-user adds its own "uncaught target signal").
  EXPECT_EQ(r.err.find("crashed:"), r.err.rfind("crashed:")) << r.err;
  if (signo == SIGSEGV) {
    EXPECT_NE(r.err.find(" at address 0x0 "), std::string::npos) << r.err;
  }
}

INSTANTIATE_TEST_SUITE_P(Signals, FaultTest,
                         ::testing::Values(SIGSEGV, SIGBUS, SIGILL, SIGFPE,
                                           SIGABRT));

// A fault signal sent by another process is not a crash: kDie ends as the
// default action would, without the line.
TEST(CrashHandler, SentSignalIsNotACrash) {
  int ready[2];
  ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
  int err[2];
  ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(err[1], STDERR_FILENO);
    if (!InstallCrashHandler("crashtest", CrashAction::kDie).ok()) _exit(98);
    (void)write(ready[1], "r", 1);
    for (;;) pause();
  }
  close(ready[1]);
  close(err[1]);
  char byte;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  kill(child, SIGSEGV);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
  std::string output;
  char buffer[256];
  for (ssize_t n; (n = read(err[0], buffer, sizeof buffer)) > 0;) {
    output.append(buffer, n);
  }
  // No line of ours (qemu-user may add its own "uncaught target signal").
  EXPECT_EQ(output.find("crashed"), std::string::npos) << output;
  close(ready[0]);
  close(err[0]);
}

// A stack overflow is caught too: the handler has its own stack.
TEST(CrashHandler, StackOverflow) {
  ChildResult r = RunInChild([] {
    ASSERT_TRUE(InstallCrashHandler("crashtest", CrashAction::kDie).ok());
    struct rlimit limit = {1 << 20, 1 << 20};
    setrlimit(RLIMIT_STACK, &limit);
    Recurse(0);
    _exit(99);
  });
  ASSERT_TRUE(r.status.signaled()) << r.status.ToString();
  EXPECT_EQ(r.status.signal(), SIGSEGV);
  EXPECT_EQ(r.err.rfind("crashtest: crashed: SIGSEGV at address 0x", 0), 0u)
      << r.err;
}

// kFreeze keeps reaping: a child that exits after the crash is reaped, and
// the frozen process stays until it is killed.
TEST(CrashHandler, FreezeReapsChildren) {
  int release[2], out[2], err[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
  pid_t frozen = fork();
  ASSERT_GE(frozen, 0);
  if (frozen == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    close(release[1]);
    pid_t child = fork();
    if (child == 0) {
      char byte;
      (void)read(release[0], &byte, 1);  // until the test lets go
      _exit(0);
    }
    if (!InstallCrashHandler("crashtest", CrashAction::kFreeze).ok()) {
      _exit(98);
    }
    std::string line = std::to_string(child) + "\n";
    (void)write(STDOUT_FILENO, line.data(), line.size());
    TriggerFault(SIGSEGV);
    _exit(99);
  }
  close(release[0]);
  close(out[1]);
  close(err[1]);
  pid_t child = std::stoi(ReadLine(out[0]));
  std::string crash = ReadLine(err[0]);
  EXPECT_EQ(crash.rfind("crashtest: crashed: SIGSEGV at address 0x0 ", 0), 0u)
      << crash;
  EXPECT_NE(crash.find("; crash action: freeze"), std::string::npos) << crash;

  // The frozen process is alive, and reaps its child once that exits: the
  // child's pid stops existing (a zombie would still answer kill 0).
  EXPECT_EQ(kill(frozen, 0), 0);
  close(release[1]);
  bool reaped = false;
  for (int i = 0; i < 10000 && !reaped; ++i) {  // up to 10 s
    reaped = kill(child, 0) != 0 && errno == ESRCH;
    if (!reaped) {
      struct timespec tick = {0, 1000000};
      nanosleep(&tick, nullptr);
    }
  }
  EXPECT_TRUE(reaped) << "the frozen process did not reap its child";
  int status = 0;
  EXPECT_EQ(waitpid(frozen, &status, WNOHANG), 0) << "frozen must not exit";
  kill(frozen, SIGKILL);
  ASSERT_EQ(waitpid(frozen, &status, 0), frozen);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  close(out[0]);
  close(err[0]);
}

}  // namespace
}  // namespace fault
