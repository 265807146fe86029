// A running service whose main process ends on its own, in the real
// faultinit (system mode, PID 1 of a fresh PID namespace), with systemd's
// meaning (service_enter_running): a main process that exits successfully
// takes the service through its stop: ExecStop= runs, then what it left
// gets KillSignal= as KillMode= says, SIGKILL TimeoutStopSec= later, then
// ExecStopPost= runs; one that fails skips ExecStop=; with KillMode=mixed
// the leftover gets SIGKILL at once; RemainAfterExit=yes leaves a success
// active, its leftover running until a stop.
//
// Each main process forks a leftover (`probe leftover`) that catches
// SIGTERM and says so in a log file, then exits once the leftover's
// handler is set (it waits on a FIFO). ExecStop= and ExecStopPost= add their
// line to the same log, and ExecStopPost= says whether the leftover is still
// alive: the log holds the order of events, written by the processes
// themselves.

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

class MainEnded : public ControlledUnitTest {
 protected:
  // Writes stop-post.sh LOG into base_: "post" in LOG, then "alive" or
  // "gone" for the leftover (`probe leftover`, whose pid is in LOG.pid).
  void Scripts() {
    std::ofstream(base_ + "/stop-post.sh")
        << "echo post >> \"$1\"\n"
           "if kill -0 \"$(cat \"$1.pid\")\" 2>/dev/null; then\n"
           "  echo alive >> \"$1\"\n"
           "else\n"
           "  echo gone >> \"$1\"\n"
           "fi\n";
  }

  // A service NAME whose main process forks the leftover and exits with
  // `code`, with ExecStop= (unless `exec_stop` is false) and ExecStopPost=
  // logging to NAME.log, and `more` in [Service].
  std::string Leaving(const std::string& name, int code, bool polite,
                      const std::string& more, bool exec_stop = true) {
    const std::string log = absl::StrCat(base_, "/", name, ".log");
    const std::string fifo = absl::StrCat(base_, "/", name, ".fifo");
    EXPECT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    Unit(name,
         absl::StrCat(
             "[Service]\n", more, "ExecStart=/bin/sh -c '", ProbePath(),
             " leftover ", log, " ", fifo, polite ? " polite" : "",
             " & read x < ", fifo, "; exit ", code, "'\n",
             exec_stop ? absl::StrCat("ExecStop=/bin/sh -c 'echo stop >> ", log,
                                      "'\n")
                       : "",
             "ExecStopPost=/bin/sh ", base_, "/stop-post.sh ", log, "\n"));
    return log;
  }
};

// A success with a leftover that ignores SIGTERM: ExecStop= ran, then the
// leftover got SIGTERM, TimeoutStopSec= later SIGKILL (it is gone before
// ExecStopPost= runs), and the service failed with the stop's timeout.
// Without ExecStop=, the same without its line.
TEST_F(MainEnded, SuccessRunsExecStopThenTermThenKillThenExecStopPost) {
  Scripts();
  const std::string log = Leaving("d", 0, false, "TimeoutStopSec=300ms\n");
  const std::string bare =
      Leaving("e", 0, false, "TimeoutStopSec=300ms\n", false);
  Start({"d: failed: stop timed out after 300ms: killed",
         "e: failed: stop timed out after 300ms: killed"});
  EXPECT_EQ(Read(log), "stop\nterm\npost\ngone\n");
  EXPECT_EQ(Read(bare), "term\npost\ngone\n");
  EXPECT_EQ(StateOf("d"), "failed");
  EXPECT_EQ(StateOf("e"), "failed");
}

// A failure skips ExecStop=: the leftover gets SIGTERM at once (it exits
// on it), then ExecStopPost= runs, and the failure stands. With no
// timeout, a stop that waited on anything else would never end.
TEST_F(MainEnded, FailureSkipsExecStop) {
  Scripts();
  const std::string log = Leaving("f", 3, true, "TimeoutStopSec=infinity\n");
  Start({"f: failed: main process ended with exit 3"});
  EXPECT_EQ(Read(log), "term\npost\ngone\n");
  EXPECT_EQ(StateOf("f"), "failed");
}

// KillMode=mixed: SIGTERM would go to the main process alone, which is
// gone, so the leftover gets SIGKILL at once, never SIGTERM; with no
// timeout, a stop that waited first would never end. Without ExecStop=
// too: the same.
TEST_F(MainEnded, MixedKillsTheLeftoverAtOnce) {
  Scripts();
  const std::string log =
      Leaving("m", 0, false, "KillMode=mixed\nTimeoutStopSec=infinity\n");
  const std::string bare = Leaving(
      "n", 0, false, "KillMode=mixed\nTimeoutStopSec=infinity\n", false);
  Start({"m: finished (exit 0)", "n: finished (exit 0)"});
  EXPECT_EQ(Read(log), "stop\npost\ngone\n");
  EXPECT_EQ(Read(bare), "post\ngone\n");
  EXPECT_EQ(StateOf("m"), "inactive");
  EXPECT_EQ(StateOf("n"), "inactive");
}

// RemainAfterExit=yes: a success leaves the service active and its
// leftover alone; a stop then runs ExecStop=, SIGTERMs the leftover (it
// exits), and runs ExecStopPost=.
TEST_F(MainEnded, RemainAfterExitLeavesTheLeftoverUntilAStop) {
  Scripts();
  const std::string log = Leaving("r", 0, true,
                                  "RemainAfterExit=yes\n"
                                  "TimeoutStopSec=infinity\n");
  Start({"r: running"});
  // No event says the service went from running to exited (its coarse
  // state stays running): its status is asked until it says so (bounded;
  // each request a round trip to faultinit, no sleep).
  bool exited = false;
  for (int i = 0; i < 5000 && !exited; ++i) {
    exited = absl::StrContains(Ctl({"status", "r"}).out, "exited");
  }
  ASSERT_TRUE(exited) << Ctl({"status", "r"}).out;
  EXPECT_EQ(Read(log), "");
  CtlResult stop = Ctl({"stop", "r"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_EQ(Read(log), "stop\nterm\npost\ngone\n");
  EXPECT_EQ(StateOf("r"), "inactive");
}

}  // namespace
}  // namespace faultinit::testing
