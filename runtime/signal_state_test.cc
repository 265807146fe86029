#include "runtime/signal_state.h"

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
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

// A disposition changed as the runtime changes them (signal_state.h).
void Set(int signo, void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  ChangeDisposition(signo, &action, nullptr);
}

// Apply restores the captured mask and ignored set, and turns handlers
// installed since into SIG_DFL.
TEST(SignalState, ApplyRestoresCapture) {
  testing::ChildResult r = RunInChild([] {
    signal(SIGHUP, SIG_IGN);
    Block(SIGUSR1);
    CaptureInitialSignalState();
    SignalState start = SignalState::Capture();
    if (!start.ignored(SIGHUP) || start.ignored(SIGTERM)) _exit(10);
    // What a program does to itself after start-up.
    Set(SIGHUP, Handler);
    Set(SIGTERM, Handler);
    Set(SIGINT, SIG_IGN);
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

// ApplyClean leaves nothing blocked and nothing ignored: what was so at
// the initial capture, and what changed since.
TEST(SignalState, ApplyCleanResetsEverything) {
  testing::ChildResult r = RunInChild([] {
    signal(SIGPIPE, SIG_IGN);
    CaptureInitialSignalState();
    Set(SIGTERM, Handler);
    Set(SIGQUIT, SIG_IGN);
    Block(SIGCHLD);
    if (SignalState::ApplyClean() != 0) _exit(10);
    if (Disposition(SIGPIPE) != SIG_DFL || Disposition(SIGTERM) != SIG_DFL ||
        Disposition(SIGQUIT) != SIG_DFL) {
      _exit(11);
    }
    if (Blocked(SIGCHLD)) _exit(12);
    _exit(0);
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// The other side of that: ApplyClean and Apply set only the signals that
// may not be at SIG_DFL. A disposition changed behind ChangeDisposition's
// back after the initial capture (which the header forbids) is left as it
// is, which shows the others were not touched either.
TEST(SignalState, ApplyTouchesOnlyWhatMayDiffer) {
  testing::ChildResult r = RunInChild([] {
    CaptureInitialSignalState();
    signal(SIGUSR2, SIG_IGN);  // not through ChangeDisposition
    Set(SIGUSR1, SIG_IGN);
    if (SignalState::ApplyClean() != 0) _exit(10);
    if (Disposition(SIGUSR1) != SIG_DFL) _exit(11);
    if (Disposition(SIGUSR2) != SIG_IGN) _exit(12);
    Set(SIGUSR1, SIG_IGN);
    if (InitialSignalState().Apply() != 0) _exit(13);
    if (Disposition(SIGUSR1) != SIG_DFL) _exit(14);
    if (Disposition(SIGUSR2) != SIG_IGN) _exit(15);
    _exit(0);
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// Signal 33 is the C library's own (glibc and musl alike; glibc's
// sigaction refuses it): read and set with the system call. Ignored when
// the initial state is captured, ApplyClean still resets it.
struct KernelAction {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
};

uintptr_t RawHandler(int signo) {
  KernelAction current = {};
  syscall(SYS_rt_sigaction, signo, nullptr, &current, sizeof current.mask);
  return current.handler;
}

TEST(SignalState, ApplyCleanResetsALibrarySignalIgnoredAtStart) {
  testing::ChildResult r = RunInChild([] {
    KernelAction ignore = {};
    ignore.handler = reinterpret_cast<uintptr_t>(SIG_IGN);
    if (syscall(SYS_rt_sigaction, 33, &ignore, nullptr, sizeof ignore.mask)) {
      _exit(10);
    }
    CaptureInitialSignalState();
    if (InitialSignalState().is_default_at_capture(33)) _exit(11);
    if (SignalState::ApplyClean() != 0) _exit(12);
    if (RawHandler(33) != reinterpret_cast<uintptr_t>(SIG_DFL)) _exit(13);
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
