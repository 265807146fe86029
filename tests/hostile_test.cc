// Files a service controls, against the real faultinit as PID 1 of a
// fresh PID namespace (issue 24): a PID file that is a FIFO, an output path
// that is a FIFO. PID 1 must never block on them (it keeps answering
// faultctl) and must fail the service with a reason naming the path.
//
// Every wait is on an event (a line on faultinit's stderr, faultctl's
// answer, a read from a FIFO); never a fixed sleep.

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
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

// A bound on every wait, far beyond a healthy run.
constexpr int kDeadlineMs = 30 * 1000;

std::string FaultctlPath() {
  const char* dir = getenv("TEST_SRCDIR");
  return absl::StrCat(dir != nullptr ? dir : ".",
                      "/faultinit/init/ctl/faultctl");
}

std::string ReadText(const std::string& path) {
  fault::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "";
  return fault::ReadAll(fd.get(), 1 << 20).value_or("");
}

struct CommandResult {
  int exit_code = -1;  // -1: killed at the deadline
  std::string output;  // stdout and stderr
};

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!PidNamespacesAvailable(&why)) GTEST_SKIP() << why;
    // sun_path is short: not under $TEST_TMPDIR.
    char pattern[] = "/var/tmp/faultinit-hostile.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    units_ = base_ + "/units";
    socket_ = base_ + "/control";
    ASSERT_EQ(mkdir(units_.c_str(), 0755), 0);
  }
  void TearDown() override {
    if (running_ && HasFailure()) {
      // PID 1 may be stuck: end its namespace (unshare --kill-child).
      running_->KillLauncher();
      running_->Wait();
    } else if (running_) {
      running_->Signal(SIGTERM);
      EXPECT_EQ(running_->Wait().ToString(), "exit 0");
    }
    if (!base_.empty()) {
      EXPECT_EQ(system(("rm -rf " + base_).c_str()), 0);
    }
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
    std::vector<char*> argv;
    for (std::string& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    fault::StatusOr<fault::Pipe> out = fault::MakePipe();
    if (!out.ok()) return {};
    pid_t pid = fork();
    if (pid == 0) {
      dup2(out->write.get(), 1);
      dup2(out->write.get(), 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    out->write.Reset();
    CommandResult result;
    char buffer[4096];
    for (;;) {
      struct pollfd p = {out->read.get(), POLLIN, 0};
      if (poll(&p, 1, kDeadlineMs) <= 0) {
        kill(pid, SIGKILL);
        result.output += "<no answer in time>";
        break;
      }
      ssize_t n = read(out->read.get(), buffer, sizeof buffer);
      if (n <= 0) break;
      result.output.append(buffer, static_cast<size_t>(n));
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
  }

  std::string base_, units_, socket_;
  std::unique_ptr<Running> running_;
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

}  // namespace
}  // namespace faultinit::testing
