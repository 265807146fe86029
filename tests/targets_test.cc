// Targets in the real faultinit (system mode, PID 1 of a fresh PID
// namespace, systemd's layout over a tree of the test's own with
// `--units-path`), observed through its log and the real faultctl: a
// service After= network.target waits for one Before= it, and
// multi-user.target reaches active once both are up; the built-in
// multi-user.target starts when the tree has no default.target;
// `faultctl start NAME.target` starts what it wants (Wants= and its
// .wants/ directory); default dependencies' Conflicts=shutdown.target
// (a unit with DefaultDependencies=no is left alone); the shutdown order
// through a target, and the units without that conflict stopped last.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/duration.h"
#include "tests/harness.h"
#include "tests/unit_tree_fixture.h"

namespace faultinit::testing {
namespace {

class Targets : public UnitFilesTest {
 protected:
  // DefaultTarget gives the tree a multi-user.target file of its own and
  // default.target linked to it, as a distribution has (the layout booted
  // it before targets were units, so the tests fail there on what they
  // check, not on what boots).
  void DefaultTarget() {
    File("multi-user.target",
         "[Unit]\nDescription=Multi-User System\nRequires=basic.target\n"
         "After=basic.target\n");
    Link("multi-user.target", "default.target");
  }
  // A FIFO under base_ a service reads from: the test releases it.
  std::string Fifo(const std::string& name) {
    const std::string path = absl::StrCat(base_, "/", name);
    EXPECT_EQ(mkfifo(path.c_str(), 0600), 0) << path;
    return path;
  }
  void Release(const std::string& fifo) {
    // Blocks until the service opens it for reading: it is about to.
    fault::UniqueFd fd(open(fifo.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid()) << fifo;
    ASSERT_EQ(write(fd.get(), "go\n", 3), 3);
  }
  // Polls `faultctl status NAME` until it shows the target up (state
  // running, STATUS active: "inactive" holds "active" too), against a
  // generous deadline.
  bool Active(const std::string& name) {
    const fault::Duration deadline = fault::MonotonicNow() + fault::Seconds(30);
    while (fault::MonotonicNow() < deadline) {
      CtlResult r = Ctl({"status", name});
      if (r.status == "exit 0" && r.out.find(" active") != std::string::npos &&
          StateOf(name) == "running") {
        return true;
      }
      usleep(20 * 1000);  // a poll's pace, not a synchronisation
    }
    return false;
  }
};

constexpr char kSleeper[] = "exec sleep 1000'\n";

TEST_F(Targets, AfterNetworkTargetWaitsForWhatIsBeforeIt) {
  const std::string fifo = Fifo("provider");
  File("provider.service",
       absl::StrCat("[Unit]\nBefore=network.target\nWants=network.target\n"
                    "[Service]\nType=oneshot\nRemainAfterExit=yes\n"
                    "ExecStart=/bin/sh -c 'echo provider-begin; read x < ",
                    fifo, "; echo provider-end'\n"));
  File("consumer.service",
       absl::StrCat("[Unit]\nAfter=network.target\nWants=network.target\n"
                    "[Service]\nExecStart=/bin/sh -c 'echo consumer-up; ",
                    kSleeper));
  Enable("multi-user.target", "provider.service");
  Enable("multi-user.target", "consumer.service");
  DefaultTarget();
  Start({"starting multi-user.target: provider consumer",
         "[provider] provider-begin"});
  // network.target waits for the provider; the consumer for network.target.
  EXPECT_EQ(StateOf("consumer"), "inactive");
  EXPECT_EQ(StateOf("network.target"), "inactive");
  Release(fifo);
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[provider] provider-end", "[consumer] consumer-up"}))
      << running_->err();
  const std::string& err = running_->err();
  EXPECT_LT(At(err, "provider-end"), At(err, "consumer-up"));
  EXPECT_TRUE(Active("network.target"));
  // multi-user.target is ordered after what it wants: active once both are.
  ASSERT_TRUE(Active("multi-user.target"));
  CtlResult multi = Ctl({"status", "multi-user.target"});
  EXPECT_EQ(multi.status, "exit 0") << multi.out;
  EXPECT_NE(multi.out.find("running"), std::string::npos) << multi.out;
  CtlResult all = Ctl({"status"});
  EXPECT_NE(all.out.find("sysinit.target"), std::string::npos) << all.out;
  EXPECT_EQ(err.find("no unit \"network.target\""), std::string::npos) << err;
}

TEST_F(Targets, StartingATargetStartsWhatItWants) {
  File("web.target", "[Unit]\nDescription=Web\nWants=front.service\n");
  File("front.service",
       absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo front-up; ",
                    kSleeper));
  File("back.service",
       absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo back-up; ",
                    kSleeper));
  Enable("web.target", "back.service");
  Start({"starting multi-user.target: \n", "multi-user.target: active"});
  EXPECT_EQ(StateOf("web.target"), "inactive");
  EXPECT_EQ(StateOf("front"), "inactive");
  CtlResult start = Ctl({"start", "web.target"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  ASSERT_TRUE(
      running_->WaitForAllStderr({"[front] front-up", "[back] back-up"}))
      << running_->err();
  EXPECT_TRUE(Active("web.target"));
  CtlResult stop = Ctl({"stop", "web.target"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_EQ(StateOf("web.target"), "inactive");
}

TEST_F(Targets, DefaultDependenciesConflictWithShutdownTarget) {
  // A shutdown.target of the tree's own, which may be started by hand
  // (the built-in one refuses, as systemd's).
  File("shutdown.target",
       "[Unit]\nDescription=Shutdown\nDefaultDependencies=no\n");
  File("plain.service",
       absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo plain-up; ",
                    kSleeper));
  File("early.service",
       absl::StrCat("[Unit]\nDefaultDependencies=no\n"
                    "[Service]\nExecStart=/bin/sh -c 'echo early-up; ",
                    kSleeper));
  Enable("multi-user.target", "plain.service");
  Enable("multi-user.target", "early.service");
  Start({"[plain] plain-up", "[early] early-up"});
  CtlResult start = Ctl({"start", "shutdown.target"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"plain: stopping: conflicts with shutdown.target", "plain: stopped"}))
      << running_->err();
  EXPECT_EQ(StateOf("plain"), "inactive");
  EXPECT_EQ(StateOf("early"), "running");
  EXPECT_TRUE(Active("shutdown.target"));
  // Starting plain again stops shutdown.target (Conflicts= both ways).
  CtlResult again = Ctl({"start", "plain"});
  EXPECT_EQ(again.status, "exit 0") << again.out;
  EXPECT_EQ(StateOf("shutdown.target"), "inactive");
}

TEST_F(Targets, ShutdownStopsInReverseOrderThroughATarget) {
  const std::string fifo = Fifo("late-stop");
  File("early.service",
       absl::StrCat("[Unit]\nBefore=network.target\n"
                    "[Service]\nExecStart=/bin/sh -c 'echo early-up; ",
                    kSleeper, "ExecStop=/bin/sh -c 'echo early-stop'\n"));
  File("late.service",
       absl::StrCat("[Unit]\nAfter=network.target\nWants=network.target\n"
                    "[Service]\nExecStart=/bin/sh -c 'echo late-up; ",
                    kSleeper,
                    "ExecStop=/bin/sh -c 'echo late-stop-begin; read x < ",
                    fifo, "; echo late-stop-end'\n"));
  Enable("multi-user.target", "early.service");
  Enable("multi-user.target", "late.service");
  DefaultTarget();
  Start({"[early] early-up", "[late] late-up", "early: running",
         "late: running"});
  running_->Signal(SIGTERM);
  ASSERT_TRUE(running_->WaitForStderr("[late] late-stop-begin"))
      << running_->err();
  // early is ordered before network.target, late after it: early stops
  // only once late is down.
  EXPECT_EQ(StateOf("early"), "running");
  Release(fifo);
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[late] late-stop-end", "[early] early-stop"}))
      << running_->err();
  EXPECT_EQ(running_->Wait().ToString(), "exit 0");
  ended_ = true;
  const std::string& err = running_->err();
  EXPECT_LT(At(err, "late-stop-end"), At(err, "early-stop"));
}

// Shutdown reaches shutdown.target first: the units that conflict with it
// (default dependencies) stop in reverse order; a unit with
// DefaultDependencies=no and no conflict runs on until they are all down,
// even one ordered after them, and stops last (systemd's final kill).
TEST_F(Targets, ShutdownStopsUnitsWithoutTheConflictLast) {
  const std::string fifo = Fifo("plain-stop");
  File(
      "plain.service",
      absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo plain-up; ", kSleeper,
                   "ExecStop=/bin/sh -c 'echo plain-stop-begin; read x < ",
                   fifo, "; echo plain-stop-end'\n"));
  File("early.service",
       absl::StrCat("[Unit]\nDefaultDependencies=no\nAfter=plain.service\n"
                    "[Service]\nExecStart=/bin/sh -c 'echo early-up; ",
                    kSleeper, "ExecStop=/bin/sh -c 'echo early-stop'\n"));
  Enable("multi-user.target", "plain.service");
  Enable("multi-user.target", "early.service");
  DefaultTarget();
  Start({"plain: running", "early: running"});
  running_->Signal(SIGTERM);
  ASSERT_TRUE(running_->WaitForStderr("[plain] plain-stop-begin"))
      << running_->err();
  // early is ordered after plain, but has no job in the shutdown yet.
  EXPECT_EQ(StateOf("early"), "running");
  Release(fifo);
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[plain] plain-stop-end",
       "early: stopping: left for the end of the shutdown",
       "[early] early-stop"}))
      << running_->err();
  EXPECT_EQ(running_->Wait().ToString(), "exit 0");
  ended_ = true;
  const std::string& err = running_->err();
  EXPECT_LT(At(err, "plain-stop-end"), At(err, "early-stop"));
}

}  // namespace
}  // namespace faultinit::testing
