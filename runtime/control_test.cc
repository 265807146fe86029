#include "runtime/control.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/fork.h"
#include "runtime/signal_state.h"
#include "runtime/testing/child.h"

namespace fault {
namespace {

using testing::ChildResult;
using testing::RunInChild;

// Control turns main's result into the exit status, flushing stdio.
TEST(Control, MainResultIsExitStatus) {
  ChildResult r = RunInChild([] {
    Control([] {
      printf("hello");
      return 6;
    });
  });
  EXPECT_EQ(r.status.ToString(), "exit 6");
  EXPECT_EQ(r.out, "hello");
}

// An Exit thrown anywhere in main ends the program with its status.
TEST(Control, ExitUnwinds) {
  ChildResult r = RunInChild(
      [] { Control([]() -> int { throw Exit(Exit::kUsageQueryStatus); }); });
  EXPECT_EQ(r.status.ToString(), "exit 200");
}

// An Interruption ends the program by its signal.
TEST(Control, InterruptionEndsBySignal) {
  ChildResult r =
      RunInChild([] { Control([]() -> int { throw Interruption(SIGTERM); }); });
  EXPECT_EQ(r.status.ToString(), "signal TERM");
}

// A Critical or a stray exception is reported and aborts.
TEST(Control, CriticalAborts) {
  ChildResult r = RunInChild([] {
    Control([]() -> int { throw std::logic_error("broken invariant"); });
  });
  EXPECT_EQ(r.status.signal(), SIGABRT);
  EXPECT_TRUE(absl::StartsWith(
      r.err, "fault: fatal: uncaught exception: broken invariant\n"))
      << r.err;  // qemu-user adds a line
}

// Control records the signal state the program started with, then gives
// the program default dispositions and an empty mask.
TEST(Control, DefaultsSignalsAndKeepsInitialState) {
  ChildResult r = RunInChild([] {
    signal(SIGHUP, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    Control([] {
      struct sigaction hup;
      sigaction(SIGHUP, nullptr, &hup);
      sigset_t mask;
      sigprocmask(SIG_SETMASK, nullptr, &mask);
      if (hup.sa_handler != SIG_DFL || sigismember(&mask, SIGUSR2)) return 10;
      const SignalState& initial = InitialSignalState();
      if (!initial.ignored(SIGHUP)) return 11;
      if (!sigismember(&initial.mask(), SIGUSR2)) return 12;
      return 0;
    });
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// A child of a controlled program starts as Control starts a program,
// whatever the program did to its own signal state: Control's part of the
// fork child callset. Here a dispatched child, which does not exec.
TEST(Control, DispatchedChildStartsWithCleanSignals) {
  ChildResult r = RunInChild([] {
    Control([]() -> int {
      sigset_t usr1;
      sigemptyset(&usr1);
      sigaddset(&usr1, SIGUSR1);
      sigprocmask(SIG_BLOCK, &usr1, nullptr);
      struct sigaction ignore = {};
      ignore.sa_handler = SIG_IGN;
      if (ChangeDisposition(SIGHUP, &ignore, nullptr) != 0) return 10;
      StatusOr<pid_t> pid = Fork::Dispatch([]() -> int {
        sigset_t mask;
        sigprocmask(SIG_SETMASK, nullptr, &mask);
        if (sigismember(&mask, SIGUSR1)) return 20;
        struct sigaction hup;
        sigaction(SIGHUP, nullptr, &hup);
        return hup.sa_handler == SIG_DFL ? 0 : 21;
      });
      if (!pid.ok()) return 11;
      int status = 0;
      if (waitpid(*pid, &status, 0) != *pid) return 12;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 13;
    });
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// Controlled and IsMainThread tell the program where it runs.
TEST(Control, ControlledAndMainThread) {
  EXPECT_FALSE(Controlled());
  EXPECT_FALSE(IsMainThread());
  ChildResult r = RunInChild([] {
    Control([] {
      if (!Controlled() || !IsMainThread()) return 10;
      bool other = true;
      std::thread([&] { other = IsMainThread(); }).join();
      return other ? 11 : 0;
    });
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// Protect holds the main thread until an interjection from another thread
// throws Exit; the interjected function runs on the main thread.
TEST(Protect, InterjectionFromThreadEndsProgram) {
  ChildResult r = RunInChild([] {
    Control([]() -> int {
      // The worker is joined before the program ends: a detached one could
      // still be returning from Interject while exit runs the destructors.
      static std::thread* worker_thread = nullptr;
      std::thread::id main_id = std::this_thread::get_id();
      std::thread worker([main_id] {
        Interject([main_id] {
          worker_thread->join();
          throw Exit(std::this_thread::get_id() == main_id ? 0 : 10);
        });
      });
      worker_thread = &worker;  // before Protect runs the interjection
      Protect();
    });
  });
  EXPECT_EQ(r.status.ToString(), "exit 0");
}

// A scheduled callback that throws Exit ends Protect, and the program, with
// that status: how faultinit's modes end (the seed's control -> Fork.trap
// -> protect). Watches of every kind reach it; here a timer, a readable
// pipe and a BeforeWait hook, each in a program of its own.
TEST(Protect, CallbackExitEndsProgramWithItsStatus) {
  ChildResult timer = RunInChild([] {
    Control([]() -> int {
      Scheduling().After(Milliseconds(1), [] { throw Exit(7); });
      Protect();
    });
  });
  EXPECT_EQ(timer.status.ToString(), "exit 7");

  ChildResult readable = RunInChild([] {
    Control([]() -> int {
      static StatusOr<Pipe> pipe = MakePipe();
      if (!pipe.ok() || WriteAll(pipe->write.get(), "x", 1) != 0) return 10;
      if (!Scheduling()
               .OnReadable(pipe->read.get(), [] { throw Exit(8); })
               .ok()) {
        return 11;
      }
      Protect();
    });
  });
  EXPECT_EQ(readable.status.ToString(), "exit 8");

  ChildResult hook = RunInChild([] {
    Control([]() -> int {
      static int turns = 0;
      Scheduling().After(ZeroDuration(), [] {});
      Scheduling().BeforeWait([] {
        if (++turns == 2) throw Exit(9);  // after the timer's dispatch
      });
      Protect();
    });
  });
  EXPECT_EQ(hook.status.ToString(), "exit 9");
}

// A callback's std::exception leaves Protect too: the program may catch it
// and hold the main thread again (system mode's log-and-continue), and
// the loop goes on with the next events.
TEST(Protect, ReenteredAfterACallbackException) {
  ChildResult r = RunInChild([] {
    Control([]() -> int {
      Scheduling().After(ZeroDuration(),
                         [] { throw std::runtime_error("one event"); });
      Scheduling().After(Milliseconds(1), [] { throw Exit(3); });
      for (int caught = 0;; ++caught) {
        if (caught > 1) return 10;
        try {
          Protect();
        } catch (const std::exception& e) {
          fprintf(stderr, "caught %s\n", e.what());
        }
      }
    });
  });
  EXPECT_EQ(r.status.ToString(), "exit 3");
  EXPECT_EQ(r.err, "caught one event\n");
}

// A caught signal wakes Protect, which raises the Interruption: the process
// ends by that signal.
TEST(Protect, CaughtSignalInterrupts) {
  ChildResult r = RunInChild([] {
    Control([]() -> int {
      if (!Interruption::Catch({SIGUSR1}).ok()) return 10;
      Scheduling().After(fault::ZeroDuration(), [] { raise(SIGUSR1); });
      Protect();
    });
  });
  EXPECT_EQ(r.status.ToString(), "signal USR1");
}

// RunCritical returns normally when nothing escapes, and reports an escaping
// exception with its context, aborting.
TEST(RunCritical, PanicsOnEscape) {
  int ran = 0;
  RunCritical("counting", [&] { ++ran; });
  EXPECT_EQ(ran, 1);
  ChildResult r = RunInChild([] {
    RunCritical("loading units", [] { throw std::runtime_error("bad file"); });
    _exit(0);
  });
  EXPECT_EQ(r.status.signal(), SIGABRT);
  EXPECT_TRUE(
      absl::StartsWith(r.err, "fault: fatal: loading units: bad file\n"))
      << r.err;  // qemu-user adds a line
}

}  // namespace
}  // namespace fault
