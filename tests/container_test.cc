// Integration tests of faultinit's container mode: the real binary, real
// signals, real exit statuses, as a plain child (subreaper) and as PID 1 of
// a fresh PID namespace.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "runtime/pidfd.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using Args = std::vector<std::string>;

// Both modes of every test that cares: plain child, PID 1.
class Modes : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    std::string why;
    if (GetParam() && !PidNamespacesAvailable(&why)) GTEST_SKIP() << why;
  }
  LaunchOptions Options(Args args) {
    LaunchOptions o;
    o.args = std::move(args);
    o.pid_namespace = GetParam();
    return o;
  }
};

INSTANTIATE_TEST_SUITE_P(ContainerMode, Modes, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Pid1" : "Subreaper";
                         });

// The child's exit status passes through, options or not, with or
// without "--".
TEST_P(Modes, ExitStatusPassesThrough) {
  EXPECT_EQ(
      RunFaultinit(Options({"--", "sh", "-c", "exit 3"})).status.ToString(),
      "exit 3");
  EXPECT_EQ(RunFaultinit(Options({"sh", "-c", "exit 4"})).status.ToString(),
            "exit 4");
  EXPECT_EQ(
      RunFaultinit(Options({"-g", "sh", "-c", "exit 0"})).status.ToString(),
      "exit 0");
}

// A child killed by signal N makes faultinit exit 128+N.
TEST_P(Modes, KilledChildIs128PlusN) {
  Result r = RunFaultinit(Options({"sh", "-c", "kill -KILL $$"}));
  EXPECT_EQ(r.status.ToString(), "exit 137");
}

// -e CODE maps that exit code to 0, and only that one.
TEST_P(Modes, RemapExitCode) {
  EXPECT_EQ(
      RunFaultinit(Options({"-e", "143", "-e", "3", "sh", "-c", "exit 3"}))
          .status.ToString(),
      "exit 0");
  EXPECT_EQ(RunFaultinit(Options({"-e", "143", "sh", "-c", "exit 3"}))
                .status.ToString(),
            "exit 3");
}

// A missing command exits 127, a non-executable one 126, each with one line
// naming the command and the reason.
TEST_P(Modes, CommandNotFoundOrNotExecutable) {
  Result missing = RunFaultinit(Options({"faultinit-no-such-command"}));
  EXPECT_EQ(missing.status.ToString(), "exit 127");
  EXPECT_TRUE(absl::StartsWith(
      missing.err,
      "faultinit: fatal: unable to execute faultinit-no-such-command: "
      "command not found in PATH ("))
      << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1);

  std::string path = absl::StrCat(getenv("TEST_TMPDIR"), "/not-executable");
  FILE* f = fopen(path.c_str(), "w");
  fputs("#!/bin/sh\n", f);
  fclose(f);
  chmod(path.c_str(), 0644);
  Result denied = RunFaultinit(Options({path}));
  EXPECT_EQ(denied.status.ToString(), "exit 126");
  EXPECT_EQ(denied.err, absl::StrCat("faultinit: fatal: unable to execute ",
                                     path, ": Permission denied\n"));
}

// Usage errors exit 2 with the problem and a pointer to --help.
TEST(ContainerMode, UsageErrors) {
  Result r = RunFaultinit({{"-r", "TERM", "sh"}});
  EXPECT_EQ(r.status.ToString(), "exit 2");
  EXPECT_EQ(r.err,
            "faultinit: -r: expected FROM:TO, got \"TERM\"\n"
            "Try 'faultinit --help' for more information.\n");
  EXPECT_EQ(RunFaultinit({{}}).err.substr(0, 28),
            "faultinit: no command given ");
  EXPECT_EQ(RunFaultinit({{"--bogus", "sh"}}).status.ToString(), "exit 2");
}

// --help and --version print to stdout and exit 0.
TEST(ContainerMode, HelpAndVersion) {
  Result help = RunFaultinit({{"--help"}});
  EXPECT_EQ(help.status.ToString(), "exit 0");
  EXPECT_EQ(help.out.substr(0, 45),
            "Usage: faultinit [OPTIONS] [--] COMMAND [ARG.");
  Result version = RunFaultinit({{"--version"}});
  EXPECT_EQ(version.status.ToString(), "exit 0");
  EXPECT_EQ(version.out, "faultinit 0.1.0\n");
}

// Every forwardable signal sent to faultinit reaches the child: with -v
// through faultinit's callback, which logs each one, and without, relayed
// by the scheduler's wait itself.
TEST_P(Modes, ForwardsEachSignal) {
  for (const bool logged : {true, false}) {
    SCOPED_TRACE(logged ? "-v" : "relayed");
    Args args = {ProbePath(), "signals"};
    if (logged) args.insert(args.begin(), "-v");
    Running r(Options(args));
    ASSERT_EQ(r.ReadLine(), "ready");
    const std::vector<std::pair<int, std::string>> signals = {
        {SIGHUP, "HUP"},       {SIGINT, "INT"},          {SIGQUIT, "QUIT"},
        {SIGUSR1, "USR1"},     {SIGUSR2, "USR2"},        {SIGWINCH, "WINCH"},
        {SIGCONT, "CONT"},     {SIGTSTP, "TSTP"},        {SIGTTIN, "TTIN"},
        {SIGTTOU, "TTOU"},     {SIGALRM, "ALRM"},        {SIGPIPE, "PIPE"},
        {SIGABRT, "ABRT"},     {SIGPWR, "PWR"},          {SIGURG, "URG"},
        {SIGRTMIN, "RTMIN+0"}, {SIGRTMIN + 3, "RTMIN+3"}};
    for (const auto& [signo, name] : signals) {
      r.Signal(signo);
      EXPECT_EQ(r.ReadLine(), name);
    }
    r.Signal(SIGTERM);
    EXPECT_EQ(r.ReadLine(), "TERM");
    EXPECT_EQ(r.Wait().ToString(), "exit 0");
    EXPECT_EQ(r.err().find("forwarded SIGHUP to pid") != std::string::npos,
              logged)
        << r.err();
  }
}

// -r rewrites a forwarded signal; the others pass unchanged. Logged (-v)
// and relayed alike.
TEST_P(Modes, RewritesSignals) {
  for (const bool logged : {true, false}) {
    SCOPED_TRACE(logged ? "-v" : "relayed");
    Args args = {"-r",        "USR1:USR2", "-r", "process/interrupt:SIGHUP",
                 ProbePath(), "signals"};
    if (logged) args.insert(args.begin(), "-v");
    Running r(Options(args));
    ASSERT_EQ(r.ReadLine(), "ready");
    r.Signal(SIGUSR1);
    EXPECT_EQ(r.ReadLine(), "USR2");
    r.Signal(SIGINT);
    EXPECT_EQ(r.ReadLine(), "HUP");
    r.Signal(SIGUSR2);
    EXPECT_EQ(r.ReadLine(), "USR2");
    r.Signal(SIGTERM);
    EXPECT_EQ(r.ReadLine(), "TERM");
    EXPECT_EQ(r.Wait().ToString(), "exit 0");
    EXPECT_EQ(r.err().find("forwarded SIGUSR1 as SIGUSR2") != std::string::npos,
              logged)
        << r.err();
  }
}

// Without -g only the child gets the signal; with -g (or
// TINI_KILL_PROCESS_GROUP=1) its whole process group does.
TEST_P(Modes, ProcessGroupForwarding) {
  {
    Running r(Options({ProbePath(), "family"}));
    ASSERT_EQ(r.ReadLine(), "ready");
    r.Signal(SIGUSR1);
    EXPECT_EQ(r.ReadLine(), "parent USR1");
    r.Signal(SIGTERM);  // reaches the parent only; the child is a leftover
    EXPECT_EQ(r.ReadLine(), "parent TERM");
    // The leftover child gets SIGTERM from faultinit's drain.
    EXPECT_EQ(r.ReadLine(), "child TERM");
    r.Wait();
  }
  for (const auto& variant :
       {std::make_pair(Args{"-g"}, std::vector<std::string>{}),
        std::make_pair(
            Args{}, std::vector<std::string>{"TINI_KILL_PROCESS_GROUP=1"})}) {
    LaunchOptions o = Options(variant.first);
    o.args.push_back(ProbePath());
    o.args.push_back("family");
    o.env = variant.second;
    Running r(o);
    ASSERT_EQ(r.ReadLine(), "ready");
    r.Signal(SIGUSR1);
    std::vector<std::string> lines = {r.ReadLine(), r.ReadLine()};
    std::sort(lines.begin(), lines.end());
    EXPECT_EQ(lines, (std::vector<std::string>{"child USR1", "parent USR1"}));
    r.Signal(SIGTERM);
    lines = {r.ReadLine(), r.ReadLine()};
    std::sort(lines.begin(), lines.end());
    EXPECT_EQ(lines, (std::vector<std::string>{"child TERM", "parent TERM"}));
    EXPECT_EQ(r.Wait().ToString(), "exit 0");
  }
}

// The child starts with the signal mask and ignored set faultinit was
// started with (as under tini), not with faultinit's own.
TEST_P(Modes, ChildInheritsLauncherSignalState) {
  LaunchOptions o =
      Options({"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"});
  o.before_exec = [] {
    signal(SIGHUP, SIG_IGN);  // as nohup does
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGWINCH);
    sigprocmask(SIG_SETMASK, &set, nullptr);
  };
  Result r = RunFaultinit(o);
  EXPECT_EQ(r.status.ToString(), "exit 0");
  auto bit = [](int signo) { return 1ull << (signo - 1); };
  char expected[128];
  snprintf(expected, sizeof expected, "SigBlk:\t%016llx\nSigIgn:\t%016llx\n",
           bit(SIGUSR1) | bit(SIGWINCH), bit(SIGHUP));
  EXPECT_EQ(r.out, expected);

  // A launcher with a clean state gives a clean child.
  Result clean = RunFaultinit(
      Options({"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}));
  EXPECT_EQ(clean.out,
            "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

// When stdin is a terminal, the child's process group gets the terminal's
// foreground (so Ctrl-C and job control reach it, not faultinit).
TEST_P(Modes, ChildOwnsTerminalForeground) {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  std::string slave = ptsname(master);
  LaunchOptions o = Options({ProbePath(), "tty"});
  o.before_exec = [slave] {
    // A session of its own whose controlling terminal is the pty, on stdin.
    setsid();
    int fd = open(slave.c_str(), O_RDWR);
    if (fd < 0 || dup2(fd, STDIN_FILENO) < 0) _exit(120);
  };
  Result r = RunFaultinit(o);
  close(master);
  EXPECT_EQ(r.status.ToString(), "exit 0");
  EXPECT_EQ(r.out, "foreground\n");
}

// stdin passes through to the child.
TEST_P(Modes, StdinPassthrough) {
  LaunchOptions o = Options({"cat"});
  o.stdin_data = "hello through faultinit\n";
  Result r = RunFaultinit(o);
  EXPECT_EQ(r.status.ToString(), "exit 0");
  EXPECT_EQ(r.out, "hello through faultinit\n");
}

// -P runs no command and reaps until SIGTERM or SIGINT, then exits 0.
TEST_P(Modes, PauseUntilTerm) {
  for (int signo : {SIGTERM, SIGINT}) {
    Running r(Options({"-P", "-v"}));
    ASSERT_TRUE(r.WaitForStderr("pausing"));
    r.Signal(SIGHUP);  // not an ending signal: ignored
    r.Signal(signo);
    EXPECT_EQ(r.Wait().ToString(), "exit 0");
    EXPECT_EQ(r.err().find("received SIGHUP"), std::string::npos);
  }
}

// 2,000 orphans are all reaped: faultinit logs each (-w) and exits only
// when none is left.
TEST_P(Modes, ReapsTwoThousandOrphans) {
  Result r = RunFaultinit(Options({"-w", ProbePath(), "orphans", "2000"}));
  EXPECT_EQ(r.status.ToString(), "exit 0");
  size_t reaped = 0;
  for (absl::string_view line : absl::StrSplit(r.err, '\n')) {
    if (absl::StartsWith(line, "faultinit: warning: reaped zombie process ")) {
      ++reaped;
    }
  }
  EXPECT_EQ(reaped, 2000u);
}

// Unlogged, orphans are reaped by the kernel where it keeps the child's
// status for its pidfd (Linux >= 6.15), from the first one on (the probe
// makes it first, outside the count): PID 1 is not woken up by the 2,000
// that exit then, and the child's status still comes through. The count may
// include a switch or two at the start (PID 1 going to sleep after
// starting the probe); reaping each orphan itself, faultinit is switched
// to about once per orphan, as it is elsewhere.
TEST_P(Modes, OrphansCostPid1NoWakeUpWhereTheKernelReaps) {
  if (!GetParam()) GTEST_SKIP() << "reads PID 1's counters: PID 1 mode";
  Result r = RunFaultinit(Options({ProbePath(), "wakeups", "2000"}));
  ASSERT_EQ(r.status.ToString(), "exit 0") << r.err;
  EXPECT_EQ(r.err, "");
  long long wakeups = -1;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(r.out), &wakeups))
      << r.out;
  if (fault::ReapedExitsAvailable()) {
    EXPECT_LE(wakeups, 3);
  } else {
    EXPECT_GT(wakeups, 3);
  }
}

// When the child exits, leftovers get SIGTERM, then SIGKILL after the
// grace; faultinit exits with the child's status once all are gone.
TEST_P(Modes, LeftoversTerminatedThenKilled) {
  Running r(Options({"-v", "--grace", "300ms", ProbePath(), "leftovers"}));
  std::vector<std::string> words = absl::StrSplit(r.ReadLine(), ' ');
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(r.Wait().ToString(), "exit 3");
  EXPECT_NE(r.err().find("grace period over: killing leftover processes"),
            std::string::npos)
      << r.err();
  if (!GetParam()) {
    // Subreaper mode: the pids are ours to check; both are gone.
    for (int i = 1; i <= 2; ++i) {
      pid_t pid = std::stoi(words[i]);
      EXPECT_EQ(kill(pid, 0), -1) << pid;
      EXPECT_EQ(errno, ESRCH);
    }
    // Both are in the child's process group, which gets each signal.
    EXPECT_NE(r.err().find("sending SIGTERM to process group"),
              std::string::npos);
    EXPECT_NE(r.err().find("sending SIGKILL to process group"),
              std::string::npos);
  } else {
    EXPECT_NE(r.err().find("sending SIGTERM to every leftover process"),
              std::string::npos);
    EXPECT_NE(r.err().find("sending SIGKILL to every leftover process"),
              std::string::npos);
  }
}

// With no leftovers faultinit exits at once, without a grace period: a
// grace of an hour would otherwise time the test out.
TEST_P(Modes, NoLeftoversNoWait) {
  Result r = RunFaultinit(Options({"--grace", "1h", "sh", "-c", "exit 5"}));
  EXPECT_EQ(r.status.ToString(), "exit 5");
}

// TINI_VERBOSITY sets the level: 0 silences warnings, 2 (as -v) logs each
// reaped pid.
TEST_P(Modes, TiniVerbosity) {
  LaunchOptions o = Options({"-w", ProbePath(), "orphans", "1"});
  o.env = {"TINI_VERBOSITY=0"};
  EXPECT_EQ(RunFaultinit(o).err, "");
  o.args = {ProbePath(), "orphans", "1"};
  o.env = {"TINI_VERBOSITY=2"};
  EXPECT_NE(RunFaultinit(o).err.find("faultinit: reaped zombie process"),
            std::string::npos);
  o.env = {};
  EXPECT_EQ(RunFaultinit(o).err, "");
}

// A log nobody reads (stderr a pipe whose reader is gone): faultinit -v
// carries on unlogged. The SIGPIPE its own log write raised is not
// forwarded; one another process sends it still is; the child's end is
// noticed and its status is faultinit's. (It used to forward its own
// SIGPIPE, raise it again logging that, and never see the child's exit.)
TEST_P(Modes, BrokenStderrStopsTheLogNotTheChild) {
  // -g: the shell ignores TERM and PIPE; the probe reports them, and ends
  // on TERM; the shell then exits 3.
  LaunchOptions o =
      Options({"-v", "-g", "--", "/bin/sh", "-c",
               "trap '' TERM PIPE; \"$0\" signals; exit 3", ProbePath()});
  o.before_exec = [] {
    int broken[2];
    if (pipe(broken) != 0) _exit(120);
    close(broken[0]);
    dup2(broken[1], STDERR_FILENO);
    close(broken[1]);
  };
  Running r(o);
  ASSERT_EQ(r.ReadLine(), "ready");
  r.Signal(SIGPIPE);  // another process's: forwarded as before
  EXPECT_EQ(r.ReadLine(), "PIPE");
  r.Signal(SIGTERM);
  EXPECT_EQ(r.ReadLine(), "TERM");
  EXPECT_EQ(r.Wait().ToString(), "exit 3");
}

// -p sets faultinit's own parent-death signal: when its parent (here
// unshare) dies, faultinit gets the signal, and forwards it like any other.
TEST_P(Modes, ParentDeathSignal) {
  if (!GetParam()) GTEST_SKIP() << "needs a parent that can die: PID 1 mode";
  Running r(Options({"-p", "USR1", ProbePath(), "signals"}));
  ASSERT_EQ(r.ReadLine(), "ready");
  pid_t faultinit = r.faultinit_pid();
  ASSERT_GT(faultinit, 0);
  r.KillLauncher();
  EXPECT_EQ(r.ReadLine(), "USR1");
  kill(faultinit, SIGTERM);
  EXPECT_EQ(r.ReadLine(), "TERM");
}

}  // namespace
}  // namespace faultinit::testing
