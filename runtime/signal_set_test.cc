#include "runtime/signal_set.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace fault {
namespace {

TEST(SignalSet, HoldsEveryKernelSignalButTheLibrarysOwn) {
  sigset_t set = NoSignals();
  for (int signo : {1, 31, 34, 35, 64}) {
    EXPECT_FALSE(HasSignal(set, signo)) << signo;
    EXPECT_TRUE(AddSignal(&set, signo)) << signo;
    EXPECT_TRUE(HasSignal(set, signo)) << signo;
  }
  for (int signo : {0, 32, 33, 65, -1}) {
    EXPECT_FALSE(AddSignal(&set, signo)) << signo;
    EXPECT_FALSE(HasSignal(set, signo)) << signo;
  }
  RemoveSignal(&set, 34);
  EXPECT_FALSE(HasSignal(set, 34));
  EXPECT_TRUE(HasSignal(set, 35));
}

TEST(SignalSet, AllSignalsLeavesOutOnly32And33) {
  sigset_t all = AllSignals();
  for (int signo = 1; signo <= 64; ++signo) {
    EXPECT_EQ(HasSignal(all, signo), signo != 32 && signo != 33) << signo;
  }
}

TEST(SignalSet, AgreesWithTheLibraryOnItsOrdinarySignals) {
  sigset_t ours = NoSignals(), libc;
  sigemptyset(&libc);
  for (int signo : {SIGHUP, SIGTERM, SIGCHLD, SIGRTMIN + 1, 64}) {
    AddSignal(&ours, signo);
    sigaddset(&libc, signo);
  }
  for (int signo = 1; signo <= 64; ++signo) {
    EXPECT_EQ(HasSignal(ours, signo), sigismember(&libc, signo) == 1) << signo;
  }
}

// Signal 34 is glibc's SIGRTMIN and one of musl's own: blocked and read
// through a signalfd as any other, and reported back as blocked.
TEST(SignalSet, BlocksAndDeliversSignal34) {
  sigset_t set = NoSignals(), old, now;
  AddSignal(&set, kRealtimeMin);
  ASSERT_EQ(ChangeSignalMask(SIG_BLOCK, &set, &old), 0);
  ASSERT_EQ(ChangeSignalMask(SIG_BLOCK, nullptr, &now), 0);
  EXPECT_TRUE(HasSignal(now, kRealtimeMin));

  int fd = signalfd(-1, &set, SFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(kill(getpid(), kRealtimeMin), 0);
  signalfd_siginfo info = {};
  ASSERT_EQ(read(fd, &info, sizeof info), static_cast<ssize_t>(sizeof info));
  EXPECT_EQ(info.ssi_signo, static_cast<uint32_t>(kRealtimeMin));
  close(fd);

  ASSERT_EQ(ChangeSignalMask(SIG_SETMASK, &old, nullptr), 0);
  ASSERT_EQ(ChangeSignalMask(SIG_BLOCK, nullptr, &now), 0);
  EXPECT_EQ(HasSignal(now, kRealtimeMin), HasSignal(old, kRealtimeMin));
}

// TakeSignal takes what the C library would leave out of a sigwaitinfo
// set (34 is musl's own), and the thread's pending signal before the
// process's.
TEST(SignalSet, TakeSignalTakesSignal34AndThreadSignalsFirst) {
  sigset_t set = NoSignals(), old;
  AddSignal(&set, kRealtimeMin);
  AddSignal(&set, SIGUSR2);
  ASSERT_EQ(ChangeSignalMask(SIG_BLOCK, &set, &old), 0);
  ASSERT_EQ(kill(getpid(), kRealtimeMin), 0);
  ASSERT_EQ(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2), 0);
  siginfo_t info;
  memset(&info, 0, sizeof info);
  EXPECT_EQ(TakeSignal(set, &info), SIGUSR2);
  EXPECT_EQ(info.si_code, SI_TKILL);
  EXPECT_EQ(TakeSignal(set, &info), kRealtimeMin);
  EXPECT_EQ(info.si_code, SI_USER);
  EXPECT_EQ(info.si_pid, getpid());
  ASSERT_EQ(ChangeSignalMask(SIG_SETMASK, &old, nullptr), 0);
}

// A handled signal outside the set ends the wait: -EINTR.
TEST(SignalSet, TakeSignalReturnsMinusEintrForAHandledSignal) {
  struct sigaction action, old_action;
  memset(&action, 0, sizeof action);
  action.sa_handler = [](int) {};
  ASSERT_EQ(sigaction(SIGALRM, &action, &old_action), 0);
  sigset_t set = NoSignals();
  AddSignal(&set, SIGUSR1);
  sigset_t old;
  ASSERT_EQ(ChangeSignalMask(SIG_BLOCK, &set, &old), 0);
  // The timer fires once the thread is waiting, or before: then the
  // handler has run and the second alarm ends the wait.
  itimerval every;
  memset(&every, 0, sizeof every);
  every.it_value.tv_usec = 1000;
  every.it_interval.tv_usec = 1000;
  ASSERT_EQ(setitimer(ITIMER_REAL, &every, nullptr), 0);
  siginfo_t info;
  EXPECT_EQ(TakeSignal(set, &info), -EINTR);
  memset(&every, 0, sizeof every);
  setitimer(ITIMER_REAL, &every, nullptr);
  sigaction(SIGALRM, &old_action, nullptr);
  ASSERT_EQ(ChangeSignalMask(SIG_SETMASK, &old, nullptr), 0);
}

}  // namespace
}  // namespace fault
