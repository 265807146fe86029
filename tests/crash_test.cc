// Integration tests of crash handling: a test build of faultinit
// (//init:faultinit_test_faults) faults on purpose on its loop's first turn
// (FAULTINIT_TEST_FAULT), as PID 1 of a PID namespace and as a plain child;
// the tests check the console line and what the crash action does.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!PidNamespacesAvailable(&why)) GTEST_SKIP() << why;
  }

  // As PID 1 of a new namespace, faulting with `signal`, running `command`.
  LaunchOptions Pid1(const std::string& signal, const std::string& action,
                     std::vector<std::string> command) {
    LaunchOptions o;
    o.binary = FaultinitTestFaultsPath();
    o.pid_namespace = true;
    o.env = {"FAULTINIT_TEST_FAULT=" + signal};
    o.args = {"--crash-action=" + action, "--"};
    o.args.insert(o.args.end(), command.begin(), command.end());
    return o;
  }
};

// The first child of `pid`, as seen from here (0 if none).
pid_t FirstChild(pid_t pid) {
  std::string path = absl::StrCat("/proc/", pid, "/task/", pid, "/children");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buffer[64] = {};
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  int child = 0;
  std::string text(buffer, n > 0 ? n : 0);
  return absl::SimpleAtoi(text.substr(0, text.find(' ')), &child) ? child : 0;
}

// Waits (up to 10 s) until `pid` no longer exists: exited and reaped.
bool Reaped(pid_t pid) {
  for (int i = 0; i < 10000; ++i) {
    if (kill(pid, 0) != 0 && errno == ESRCH) return true;
    struct timespec tick = {0, 1000000};
    nanosleep(&tick, nullptr);
  }
  return false;
}

// freeze: one line naming the signal and address, then faultinit stays up
// as PID 1 and still reaps: its child, released after the crash, is gone.
TEST_F(CrashTest, FreezeKeepsReaping) {
  char dir[] = "/tmp/faultinit-crash-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string fifo = std::string(dir) + "/release";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Running init(
      Pid1("SIGSEGV", "freeze", {"sh", "-c", "read x < " + fifo + "; exit 0"}));
  ASSERT_TRUE(init.WaitForStderr(
      "faultinit: crashed: SIGSEGV at address 0x0 (code 1); crash action: "
      "freeze"))
      << init.err();
  pid_t child = FirstChild(init.faultinit_pid());
  ASSERT_GT(child, 0) << "the child must still be running";
  // Let the child finish: it exits, and the frozen init must reap it.
  int writer = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  close(writer);
  EXPECT_TRUE(Reaped(child)) << "the frozen PID 1 left a zombie";
  EXPECT_EQ(kill(init.faultinit_pid(), 0), 0) << "PID 1 must stay up";
  init.KillLauncher();
  init.Wait();
  unlink(fifo.c_str());
  rmdir(dir);
}

// poweroff and reboot: in a PID namespace, reboot(2) ends the namespace,
// whose init the kernel reports as killed by SIGINT (power off) or SIGHUP
// (reboot); unshare passes that on.
TEST_F(CrashTest, PowerOffAndReboot) {
  Running off(Pid1("SIGABRT", "poweroff", {"sleep", "1000"}));
  EXPECT_TRUE(off.WaitForStderr(
      "faultinit: crashed: SIGABRT (abort); crash action: poweroff"))
      << off.err();
  EXPECT_EQ(off.Wait().ToString(), "signal INT");

  Running reboot(Pid1("SIGFPE", "reboot", {"sleep", "1000"}));
  EXPECT_TRUE(reboot.WaitForStderr("faultinit: crashed: SIGFPE at address 0x"))
      << reboot.err();
  EXPECT_EQ(reboot.Wait().ToString(), "signal HUP");
}

// Every fault signal is caught and named, in system mode too.
TEST_F(CrashTest, EveryFaultInSystemMode) {
  for (const char* signal : {"SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE"}) {
    LaunchOptions o;
    o.binary = FaultinitTestFaultsPath();
    o.pid_namespace = true;
    o.env = {absl::StrCat("FAULTINIT_TEST_FAULT=", signal)};
    o.args = {"--crash-action=poweroff",
              "--system",
              "--services",
              "/nonexistent",
              "--control",
              absl::StrCat("/var/tmp/faultinit-crash-", getpid())};
    Running init(o);
    EXPECT_TRUE(init.WaitForStderr(
        absl::StrCat("faultinit: crashed: ", signal, " at address 0x")))
        << signal << ": " << init.err();
    EXPECT_EQ(init.Wait().ToString(), "signal INT") << signal;
  }
}

// An exception escaping a callback is an internal error: system mode logs
// it and goes on supervising, so the SIGTERM that follows still gets a
// clean shutdown (a namespace's init then exits 0). This also proves the
// shipped (musl) binary unwinds: its unwinder (libgcc_eh, built for musl by
// tools/gcc-runtime) finds the tables through dl_iterate_phdr, or ARM
// EHABI's index on armv7.
TEST_F(CrashTest, InternalErrorInSystemModeIsSurvived) {
  LaunchOptions o;
  o.binary = FaultinitTestFaultsPath();
  o.pid_namespace = true;
  o.env = {"FAULTINIT_TEST_FAULT=throw"};
  o.args = {"--system", "--services", "/nonexistent", "--control",
            absl::StrCat("/var/tmp/faultinit-throw-", getpid())};
  Running init(o);
  ASSERT_TRUE(init.WaitForStderr(
      "faultinit: warning: internal error: test fault thrown on purpose; "
      "continuing"))
      << init.err();
  EXPECT_EQ(init.Terminate().ToString(), "exit 0") << init.err();
  EXPECT_EQ(init.err().find("crashed"), std::string::npos) << init.err();
}

// What must not fail runs under fault::RunCritical (system mode's work
// between events): a failure there is fatal, not logged and survived.
// Panic says what failed, then aborts; as PID 1 the crash handler turns
// the abort into the --crash-action (here poweroff, which ends the
// namespace: its init is reported killed by SIGINT).
TEST_F(CrashTest, CriticalSectionFailureEndsInCrashAction) {
  LaunchOptions o;
  o.binary = FaultinitTestFaultsPath();
  o.pid_namespace = true;
  o.env = {"FAULTINIT_TEST_FAULT=critical"};
  o.args = {"--crash-action=poweroff",
            "--system",
            "--services",
            "/nonexistent",
            "--control",
            absl::StrCat("/var/tmp/faultinit-critical-", getpid())};
  Running init(o);
  EXPECT_TRUE(init.WaitForAllStderr(
      {"fault: fatal: test fault: thrown on purpose in a critical section",
       "faultinit: crashed: SIGABRT (abort); crash action: poweroff"}))
      << init.err();
  EXPECT_EQ(init.Wait().ToString(), "signal INT") << init.err();
  EXPECT_EQ(init.err().find("continuing"), std::string::npos) << init.err();
}

// SIGSEGV sent to PID 1 by another process is not a crash: ignored, as the
// kernel would without a handler; faultinit carries on (forwards the TERM
// that follows and exits with the child's status).
TEST_F(CrashTest, SentFaultSignalIgnoredAsPid1) {
  LaunchOptions o;
  o.pid_namespace = true;
  o.args = {"--", "sh", "-c", "echo up; exec sleep 1000"};
  Running init(o);
  ASSERT_EQ(init.ReadLine(), "up");
  init.Signal(SIGSEGV);
  init.Signal(SIGTERM);
  EXPECT_EQ(init.Wait().ToString(), "exit 143") << init.err();
  EXPECT_FALSE(absl::StrContains(init.err(), "crashed")) << init.err();
}

// Not PID 1: the line, then death by the signal, so the parent sees it.
TEST(CrashNotPid1, DiesOfTheSignal) {
  char dir[] = "/tmp/faultinit-crash-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string fifo = std::string(dir) + "/release";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  LaunchOptions o;
  o.binary = FaultinitTestFaultsPath();
  o.env = {"FAULTINIT_TEST_FAULT=SIGSEGV"};
  o.args = {"--", "sh", "-c", "read x < " + fifo + "; exit 0"};
  Running init(o);
  EXPECT_TRUE(init.WaitForStderr(
      "faultinit: crashed: SIGSEGV at address 0x0 (code 1); crash action: "
      "die"))
      << init.err();
  // The orphaned child holds the output pipes: let it end.
  int writer = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  close(writer);
  EXPECT_EQ(init.Wait().ToString(), "signal SEGV") << init.err();
  unlink(fifo.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace faultinit::testing
