#include "runtime/signal_state.h"

#include <signal.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "runtime/testing/child.h"

namespace fault {
namespace {

using testing::RunInChild;

void Block(int signo) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo);
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

bool Blocked(int signo) {
  sigset_t set;
  sigprocmask(SIG_SETMASK, nullptr, &set);
  return sigismember(&set, signo) == 1;
}

void (*Disposition(int signo))(int) {
  struct sigaction current;
  sigaction(signo, nullptr, &current);
  return current.sa_handler;
}

void Handler(int) {}

// Apply restores the captured mask and ignored set, and turns handlers
// installed since into SIG_DFL.
TEST(SignalState, ApplyRestoresCapture) {
  testing::ChildResult r = RunInChild([] {
    signal(SIGHUP, SIG_IGN);
    Block(SIGUSR1);
    SignalState start = SignalState::Capture();
    if (!start.ignored(SIGHUP) || start.ignored(SIGTERM)) _exit(10);
    // What a program does to itself after start-up.
    signal(SIGHUP, Handler);
    signal(SIGTERM, Handler);
    signal(SIGINT, SIG_IGN);
    Block(SIGUSR2);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    Block(SIGUSR2);
    if (start.Apply() != 0) _exit(11);
    if (Disposition(SIGHUP) != SIG_IGN) _exit(12);
    if (Disposition(SIGTERM) != SIG_DFL) _exit(13);
    if (Disposition(SIGINT) != SIG_DFL) _exit(14);
    if (!Blocked(SIGUSR1) || Blocked(SIGUSR2)) _exit(15);
    _exit(0);
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// ApplyClean leaves nothing blocked and nothing ignored.
TEST(SignalState, ApplyCleanResetsEverything) {
  testing::ChildResult r = RunInChild([] {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, Handler);
    Block(SIGCHLD);
    if (SignalState::ApplyClean() != 0) _exit(10);
    if (Disposition(SIGPIPE) != SIG_DFL || Disposition(SIGTERM) != SIG_DFL) {
      _exit(11);
    }
    if (Blocked(SIGCHLD)) _exit(12);
    _exit(0);
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// Clean resets what the snapshot saw ignored or handled, and the mask; a
// signal changed after the snapshot is not its business.
TEST(SignalState, CleanResetsWhatTheSnapshotSaw) {
  testing::ChildResult r = RunInChild([] {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, Handler);
    Block(SIGCHLD);
    SignalState seen = SignalState::Capture();
    signal(SIGHUP, SIG_IGN);  // after the snapshot
    if (seen.Clean() != 0) _exit(10);
    if (Disposition(SIGPIPE) != SIG_DFL || Disposition(SIGTERM) != SIG_DFL) {
      _exit(11);
    }
    if (Blocked(SIGCHLD)) _exit(12);
    if (Disposition(SIGHUP) != SIG_IGN) _exit(13);
    _exit(0);
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// The initial state is captured once; later changes do not alter it.
TEST(SignalState, InitialCapturedOnce) {
  testing::ChildResult r = RunInChild([] {
    signal(SIGQUIT, SIG_IGN);
    CaptureInitialSignalState();
    signal(SIGQUIT, SIG_DFL);
    CaptureInitialSignalState();
    _exit(InitialSignalState().ignored(SIGQUIT) ? 0 : 10);
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// A held signal waits, pending, instead of taking its default action; the
// fault signals are not held.
TEST(HoldAsynchronousSignals, HeldSignalsWait) {
  testing::ChildResult r = testing::RunInChild([] {
    if (HoldAsynchronousSignals() != 0) _exit(98);
    raise(SIGTERM);  // would end the process if not held
    sigset_t pending, mask;
    sigpending(&pending);
    sigprocmask(SIG_BLOCK, nullptr, &mask);
    if (sigismember(&pending, SIGTERM) != 1) _exit(97);
    if (sigismember(&mask, SIGSEGV) == 1 || sigismember(&mask, SIGABRT) == 1) {
      _exit(96);
    }
    _exit(0);
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

}  // namespace

}  // namespace fault
