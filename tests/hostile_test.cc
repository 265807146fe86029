// Files and processes a service controls, against the real faultinit as
// PID 1 of a fresh PID namespace (issue 24): a PID file that is a FIFO, an
// output path that is a FIFO, and children that move to process groups of
// their own. PID 1 must never block on them (it keeps answering faultctl),
// must fail the service with a reason naming the path, and a stop must
// reach every process of the service's sessions (KillMode=control-group)
// or end with the main process (KillMode=process).
//
// Every wait is on an event (a line on faultinit's stderr, faultctl's
// answer, a read from a FIFO), or, where none exists (a process leaving
// /proc), a bounded poll of /proc; never a fixed sleep.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "init/processes.h"
#include "runtime/fd.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

// A bound on every wait, far beyond a healthy run.
constexpr int kDeadlineMs = 30 * 1000;

// A process's state letter from /proc/PID/stat ('S', 'Z', ...), or 0 when
// it is gone (reaped).
char StateOf(pid_t pid) {
  std::string stat = ReadText(absl::StrCat("/proc/", pid, "/stat"));
  size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return 0;
  return stat[close + 2];
}

// The process group of `pid`, from /proc/PID/stat; 0 when gone.
pid_t GroupOf(pid_t pid) {
  std::string stat = ReadText(absl::StrCat("/proc/", pid, "/stat"));
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  pid_t group = 0;
  return fields.size() > 2 && absl::SimpleAtoi(fields[2], &group) ? group : 0;
}

class Hostile : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    units_ = base_ + "/units";
    socket_ = base_ + "/control";
    ASSERT_EQ(mkdir(units_.c_str(), 0755), 0);
  }
  void TearDown() override {
    if (running_ && HasFailure()) {
      // PID 1 may be stuck: end its namespace (unshare --kill-child).
      running_->KillLauncher();
      running_->Wait();
      ended_ = true;
    }
    ScratchTest::TearDown();
  }

  void Unit(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFile(absl::StrCat(units_, "/", name, ".service"), text));
  }

  Running& Boot() {
    LaunchOptions o;
    o.args = {"-v", "--services", units_, "--control", socket_};
    o.pid_namespace = true;
    running_ = std::make_unique<Running>(o);
    return *running_;
  }

  // Runs faultctl against this faultinit, bounded by the deadline: a PID 1
  // that does not answer fails the test instead of hanging it.
  CommandResult Faultctl(std::vector<std::string> args) {
    args.insert(args.begin(), {FaultctlPath(), "--socket", socket_});
    return RunCommand(args, kDeadlineMs);
  }

  std::string units_, socket_;
};

// A forking service whose PIDFile= is a FIFO it made: faultinit used to
// sleep in open(2) until something wrote to it. Now the service fails at
// once with the path in its reason, and PID 1 keeps answering.
TEST_F(Hostile, FifoPidFileFailsTheServiceNotPid1) {
  const std::string fifo = base_ + "/daemon.pid";
  Unit("steady", "[Service]\nExecStart=/bin/sleep 1001\n");
  Unit("fifo",
       absl::StrCat("[Unit]\nAfter=steady\n[Service]\nType=forking\n",
                    "PIDFile=", fifo, "\n", "ExecStart=/bin/sh -c 'mkfifo ",
                    fifo, "; sleep 1002 & exit 0'\n"));
  Running& r = Boot();
  ASSERT_TRUE(r.WaitForStderr(absl::StrCat("fifo: failed: PIDFile= ", fifo,
                                           " is a FIFO, not a regular file")))
      << r.err();
  CommandResult steady = Faultctl({"status", "steady"});
  EXPECT_EQ(steady.exit_code, 0) << steady.output;
  EXPECT_TRUE(absl::StrContains(steady.output, "running")) << steady.output;
  CommandResult failed = Faultctl({"status", "fifo"});
  EXPECT_EQ(failed.exit_code, 3) << failed.output;
  EXPECT_TRUE(absl::StrContains(failed.output, "failed")) << failed.output;
  // It can be started again (and fails the same way), PID 1 answering.
  CommandResult start = Faultctl({"start", "fifo"});
  EXPECT_NE(start.exit_code, -1) << start.output;
  ASSERT_TRUE(r.WaitForStderr("fifo: failed: PIDFile= ")) << r.err();
  EXPECT_EQ(Faultctl({"status", "steady"}).exit_code, 0);
}

// StandardOutput=file: naming a FIFO. No reader: the start fails at once,
// naming the path, where faultinit used to sleep in open(2) for a reader.
// With a reader (legitimate, as in systemd), the service runs and writes
// to it. PID 1 answers throughout.
TEST_F(Hostile, FifoOutputNeverBlocksPid1) {
  const std::string unread = base_ + "/unread";
  const std::string read_fifo = base_ + "/read";
  ASSERT_EQ(mkfifo(unread.c_str(), 0600), 0);
  ASSERT_EQ(mkfifo(read_fifo.c_str(), 0600), 0);
  // The test's reader, held open before faultinit starts.
  fault::UniqueFd reader(
      open(read_fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(reader.valid());
  Unit("deaf", absl::StrCat("[Service]\nStandardOutput=file:", unread,
                            "\nExecStart=/bin/sleep 1003\n"));
  Unit("heard", absl::StrCat("[Unit]\nAfter=deaf\n[Service]\n",
                             "StandardOutput=append:", read_fifo,
                             "\nExecStart=/bin/sh -c 'echo through the fifo; "
                             "exec sleep 1004'\n"));
  Running& r = Boot();
  ASSERT_TRUE(
      r.WaitForStderr(absl::StrCat("deaf: failed: unable to open ", unread,
                                   " for StandardOutput=: a FIFO with "
                                   "no reader")))
      << r.err();
  ASSERT_TRUE(r.WaitForStderr("heard: running")) << r.err();
  std::string heard;
  while (!absl::StrContains(heard, "\n")) {
    struct pollfd p = {reader.get(), POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, kDeadlineMs), 1) << "nothing came through the FIFO";
    char buffer[256];
    ssize_t n = read(reader.get(), buffer, sizeof buffer);
    ASSERT_GT(n, 0);
    heard.append(buffer, static_cast<size_t>(n));
  }
  EXPECT_EQ(heard, "through the fifo\n");
  EXPECT_EQ(Faultctl({"status", "heard"}).exit_code, 0);
  CommandResult deaf = Faultctl({"status", "deaf"});
  EXPECT_EQ(deaf.exit_code, 3) << deaf.output;
}

// A service whose main process starts three children, each in a process
// group of its own (setpgid, as a job-control shell does; one ignores
// SIGTERM): `faultctl stop` used to signal the main process's group only,
// finish at once, and leave the three running, adopted by PID 1. Now the
// stop signals the whole session, waits for it, and SIGKILLs what is left
// at TimeoutStopSec=.
TEST_F(Hostile, StopReachesEveryGroupOfTheSession) {
  Unit("jobs", absl::StrCat("[Service]\nTimeoutStopSec=300ms\nExecStart=",
                            ProbePath(), " groups 3\n"));
  Running& r = Boot();
  ASSERT_TRUE(r.WaitForStderr("[jobs] in groups")) << r.err();
  // The probe (faultinit's child) and its three children, as host pids.
  std::vector<pid_t> main = ChildrenOf(r.faultinit_pid());
  ASSERT_EQ(main.size(), 1u);
  std::vector<pid_t> jobs = ChildrenOf(main[0]);
  ASSERT_EQ(jobs.size(), 3u);
  for (pid_t job : jobs) {
    ASSERT_EQ(GroupOf(job), job) << "not in a group of its own";
  }

  CommandResult stop = Faultctl({"stop", "jobs"});
  EXPECT_EQ(stop.exit_code, 0) << stop.output;
  EXPECT_EQ(Faultctl({"status", "jobs"}).exit_code, 3);
  // The stop is over only once no process of the session runs: each is
  // gone, or a zombie about to be reaped, never running under PID 1.
  for (pid_t job : jobs) {
    char state = StateOf(job);
    EXPECT_TRUE(state == 0 || state == 'Z')
        << "pid " << job << " still runs (state " << state << "), parent "
        << ParentOf(job);
  }
  // And reaped: a bounded poll of /proc (a reaped process sends no event).
  for (int waited = 0; waited < kDeadlineMs; ++waited) {
    bool all_gone = true;
    for (pid_t job : jobs) all_gone = all_gone && StateOf(job) == 0;
    if (all_gone) break;
    poll(nullptr, 0, 1);
  }
  for (pid_t job : jobs) EXPECT_EQ(StateOf(job), 0) << "pid " << job;
  EXPECT_TRUE(ChildrenOf(r.faultinit_pid()).empty());
  // The probe's jobs ignore SIGTERM: the stop timed out, and a stop that
  // times out fails the unit, as in systemd (result "timeout").
  EXPECT_TRUE(r.WaitForStderr("jobs: failed: stop timed out after 300ms"))
      << r.err();
}

// KillMode=process: the stop signals the main process only and is over
// once it has exited; what else the service started is left running (as
// systemd leaves it) until the shutdown. (The stop used to wait for the
// main process's group, which nothing signalled: it never ended.)
TEST_F(Hostile, KillModeProcessStopEndsWithTheMainProcess) {
  Unit("lone",
       "[Service]\nKillMode=process\nExecStart=/bin/sh -c "
       "'sleep 1005 & echo started; exec sleep 1006'\n");
  Running& r = Boot();
  ASSERT_TRUE(r.WaitForStderr("[lone] started")) << r.err();
  std::vector<pid_t> main = ChildrenOf(r.faultinit_pid());
  ASSERT_EQ(main.size(), 1u);
  std::vector<pid_t> left = ChildrenOf(main[0]);
  ASSERT_EQ(left.size(), 1u);
  CommandResult stop = Faultctl({"stop", "lone"});
  EXPECT_EQ(stop.exit_code, 0) << stop.output;
  EXPECT_EQ(Faultctl({"status", "lone"}).exit_code, 3);
  // Left alone: alive (sleeping, or not yet asleep), neither gone nor a
  // zombie.
  char state = StateOf(left[0]);
  EXPECT_TRUE(state != 0 && state != 'Z')
      << "not the main process: left alone (state " << state << ")";
}

}  // namespace
}  // namespace faultinit::testing
