#include "runtime/exit.h"

#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/testing/child.h"

namespace fault {
namespace {

using testing::ChildResult;
using testing::RunInChild;

// Exit carries its status; unspecified is 255 and a usage query 200.
TEST(Exit, Status) {
  EXPECT_EQ(Exit().status(), 255);
  EXPECT_EQ(Exit::kUsageQueryStatus, 200);
  EXPECT_EQ(Exit(3).status(), 3);
  EXPECT_FALSE(Exit(3).kills());
  EXPECT_TRUE(Interruption(SIGINT).kills());
  EXPECT_TRUE(Critical("x", "y").kills());
  EXPECT_EQ(Interruption(SIGINT).Describe(), "interrupted by SIGINT");
}

// An Interruption ends the process by its signal: the parent sees
// WIFSIGNALED with that signal, even when the child had it ignored and
// blocked.
TEST(Interruption, RaiseEndsBySignal) {
  ChildResult r = RunInChild([] {
    signal(SIGTERM, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    Interruption(SIGTERM).Raise();
  });
  EXPECT_TRUE(r.status.signaled()) << r.status.ToString();
  EXPECT_EQ(r.status.signal(), SIGTERM);
}

// A signal whose default action does not terminate ends with 128+n.
TEST(Interruption, NonTerminatingSignalExits128PlusN) {
  ChildResult r = RunInChild([] { Interruption(SIGWINCH).Raise(); });
  EXPECT_TRUE(r.status.exited());
  EXPECT_EQ(r.status.exit_code(), 128 + SIGWINCH);
}

// Catch records a signal without ending the process; Check turns it into an
// Interruption exactly once, and the wake-up function runs in the handler.
TEST(Interruption, CatchThenCheck) {
  ChildResult r = RunInChild([] {
    static int woken = 0;
    Interruption::SetWakeup([] { ++woken; });
    if (!Interruption::Catch({SIGUSR1}).ok()) _exit(10);
    raise(SIGUSR1);
    if (Interruption::Pending() != SIGUSR1 || woken != 1) _exit(11);
    try {
      Interruption::Check();
      _exit(12);
    } catch (const Interruption& e) {
      if (e.signo() != SIGUSR1) _exit(13);
    }
    Interruption::Check();  // nothing pending: returns
    _exit(0);
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// A caught or filtered signal interrupts a blocking read with EINTR.
TEST(Interruption, FilterInterruptsBlockingCalls) {
  ChildResult r = RunInChild([] {
    if (!Interruption::Filter({SIGALRM}).ok()) _exit(10);
    StatusOr<Pipe> pipe = MakePipe();
    alarm(1);  // the event that ends the blocking read
    char c;
    ssize_t n = read(pipe->read.get(), &c, 1);
    _exit(n == -1 && errno == EINTR ? 0 : 11);
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// Panic reports on stderr and aborts.
TEST(Panic, ReportsAndAborts) {
  ChildResult r = RunInChild([] { Panic("the table is on fire"); });
  EXPECT_EQ(r.status.signal(), SIGABRT);
  EXPECT_TRUE(absl::StartsWith(r.err, "fault: fatal: the table is on fire\n"))
      << r.err;  // qemu-user adds a line
}

// EndProcessFromException maps each exception to its way of ending.
TEST(EndProcessFromException, EachKind) {
  auto end_with = [](auto exception) {
    return RunInChild([exception] {
      try {
        throw exception;
      } catch (...) {
        EndProcessFromException();
      }
    });
  };
  EXPECT_EQ(end_with(Exit(7)).status.ToString(), "exit 7");
  EXPECT_EQ(end_with(Interruption(SIGINT)).status.ToString(), "signal INT");
  ChildResult critical = end_with(Critical("loading", "no units"));
  EXPECT_EQ(critical.status.signal(), SIGABRT);
  EXPECT_TRUE(
      absl::StartsWith(critical.err, "fault: fatal: loading: no units\n"))
      << critical.err;  // qemu-user adds a line
  ChildResult other = end_with(std::runtime_error("boom"));
  EXPECT_EQ(other.status.signal(), SIGABRT);
  EXPECT_TRUE(
      absl::StartsWith(other.err, "fault: fatal: uncaught exception: boom\n"))
      << other.err;  // qemu-user adds a line
}

// EndProcess in the root process runs exit(), which flushes stdio.
TEST(EndProcess, FlushesInRootProcess) {
  ChildResult r = RunInChild([] {
    printf("buffered");
    EndProcess(4);
  });
  EXPECT_EQ(r.status.ToString(), "exit 4");
  EXPECT_EQ(r.out, "buffered");
}

}  // namespace
}  // namespace fault
