#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/siginfo.h"
#include "runtime/signal_set.h"

namespace fault {
namespace {

// The kernel is the oracle: each case sends the same signal twice, takes
// the first through a signalfd and the second through rt_sigtimedwait, and
// expects the conversion of the second to equal the first, byte for byte.
// Host only (BUILD: no_qemu): qemu-user translates both on its own, and its
// siginfo translation drops fields the kernel's signalfd keeps (the fd of
// a POLL_IN, the value of a tkill, SIGCHLD's times), so under it the two
// differ whatever this conversion does. siginfo_test holds the conversion
// to its table on every architecture.

std::string Describe(const signalfd_siginfo& s) {
  return absl::StrCat(
      "signo=", s.ssi_signo, " errno=", s.ssi_errno, " code=", s.ssi_code,
      " pid=", s.ssi_pid, " uid=", s.ssi_uid, " fd=", s.ssi_fd,
      " tid=", s.ssi_tid, " band=", s.ssi_band, " overrun=", s.ssi_overrun,
      " trapno=", s.ssi_trapno, " status=", s.ssi_status, " int=", s.ssi_int,
      " ptr=", s.ssi_ptr, " utime=", s.ssi_utime, " stime=", s.ssi_stime,
      " addr=", s.ssi_addr, " addr_lsb=", s.ssi_addr_lsb,
      " syscall=", s.ssi_syscall, " call_addr=", s.ssi_call_addr,
      " arch=", s.ssi_arch);
}

// Blocks `signo` for the test's lifetime and takes it both ways.
class Taker {
 public:
  explicit Taker(int signo) : signo_(signo) {
    set_ = NoSignals();
    AddSignal(&set_, signo);
    EXPECT_EQ(ChangeSignalMask(SIG_BLOCK, &set_, &old_), 0);
  }
  ~Taker() { ChangeSignalMask(SIG_SETMASK, &old_, nullptr); }

  // Blocks until `signo` is pending, then reads it through a signalfd.
  signalfd_siginfo ThroughSignalfd() {
    signalfd_siginfo info;
    memset(&info, 0xee, sizeof info);
    const int fd = signalfd(-1, &set_, SFD_CLOEXEC);
    EXPECT_GE(fd, 0) << strerror(errno);
    EXPECT_EQ(read(fd, &info, sizeof info), static_cast<ssize_t>(sizeof info));
    close(fd);
    return info;
  }

  // Blocks until `signo` is pending, then takes it as the Scheduler does.
  signalfd_siginfo ThroughSigtimedwait() {
    siginfo_t info;
    memset(&info, 0xee, sizeof info);
    EXPECT_EQ(syscall(SYS_rt_sigtimedwait, &set_, &info, nullptr, 8L), signo_)
        << strerror(errno);
    return ToSignalfdSiginfo(info);
  }

 private:
  int signo_;
  sigset_t set_, old_;
};

void ExpectSameBothWays(int signo, const std::function<void()>& send) {
  Taker taker(signo);
  send();
  const signalfd_siginfo read = taker.ThroughSignalfd();
  send();
  const signalfd_siginfo converted = taker.ThroughSigtimedwait();
  EXPECT_EQ(Describe(converted), Describe(read));
  EXPECT_EQ(memcmp(&converted, &read, sizeof read), 0)
      << "padding differs: " << Describe(read);
  EXPECT_EQ(read.ssi_signo, static_cast<uint32_t>(signo));
}

TEST(ToSignalfdSiginfo, Kill) {
  ExpectSameBothWays(SIGUSR1, [] { ASSERT_EQ(kill(getpid(), SIGUSR1), 0); });
}

TEST(ToSignalfdSiginfo, Tgkill) {
  ExpectSameBothWays(SIGUSR2, [] {
    ASSERT_EQ(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2), 0);
  });
}

TEST(ToSignalfdSiginfo, SigqueueWithAValue) {
  ExpectSameBothWays(40, [] {
    union sigval value;
    memset(&value, 0, sizeof value);
    value.sival_int = 0x1234567;
    ASSERT_EQ(sigqueue(getpid(), 40, value), 0);
  });
}

TEST(ToSignalfdSiginfo, PosixTimer) {
  sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = 41;
  event.sigev_value.sival_int = 99;
  timer_t timer;
  ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &event, &timer), 0);
  ExpectSameBothWays(41, [&] {
    itimerspec once;
    memset(&once, 0, sizeof once);
    once.it_value.tv_nsec = 1;
    ASSERT_EQ(timer_settime(timer, 0, &once, nullptr), 0);
  });
  timer_delete(timer);
}

// F_SETSIG: a pipe's reader told of input by signal 42, with POLL_IN.
TEST(ToSignalfdSiginfo, AsyncInput) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  ASSERT_EQ(fcntl(fds[0], F_SETOWN, getpid()), 0);
  ASSERT_EQ(fcntl(fds[0], F_SETSIG, 42), 0);
  ASSERT_EQ(fcntl(fds[0], F_SETFL, O_NONBLOCK | O_ASYNC), 0);
  ExpectSameBothWays(42, [&] {
    char byte = 'x';
    while (read(fds[0], &byte, 1) == 1) {
    }
    ASSERT_EQ(write(fds[1], &byte, 1), 1);
  });
  close(fds[0]);
  close(fds[1]);
}

// A child's exit: no two are alike (pid, times), so the conversion is held
// to what is known of it.
TEST(ToSignalfdSiginfo, ChildExit) {
  Taker taker(SIGCHLD);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(7);
  const signalfd_siginfo info = taker.ThroughSigtimedwait();
  EXPECT_EQ(info.ssi_code, CLD_EXITED);
  EXPECT_EQ(info.ssi_pid, static_cast<uint32_t>(child));
  EXPECT_EQ(info.ssi_uid, static_cast<uint32_t>(getuid()));
  EXPECT_EQ(info.ssi_status, 7);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
}

// What only the kernel makes, sent by the process to itself (the one
// sender rt_sigqueueinfo lets choose any si_code), one case per row of the
// header's table.
struct Crafted {
  const char* name;
  int signo;
  int code;
  std::function<void(siginfo_t*)> fill;
};

void PrintTo(const Crafted& c, std::ostream* os) { *os << c.name; }

class CraftedSignal : public testing::TestWithParam<Crafted> {};

TEST_P(CraftedSignal, ConvertsAsSignalfdReads) {
  const Crafted& c = GetParam();
  ExpectSameBothWays(c.signo, [&] {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = c.signo;
    info.si_code = c.code;
    c.fill(&info);
    ASSERT_EQ(syscall(SYS_rt_sigqueueinfo, getpid(), c.signo, &info), 0)
        << strerror(errno);
  });
}

void* Address(uintptr_t value) { return reinterpret_cast<void*>(value); }

INSTANTIATE_TEST_SUITE_P(
    EveryLayout, CraftedSignal,
    testing::Values(
        Crafted{"ChildKilled", SIGCHLD, CLD_KILLED,
                [](siginfo_t* i) {
                  i->si_pid = 4242;
                  i->si_uid = 7;
                  i->si_status = SIGKILL;
                  i->si_utime = 11;
                  i->si_stime = 13;
                }},
        Crafted{"SegvAddress", SIGSEGV, SEGV_MAPERR,
                [](siginfo_t* i) { i->si_addr = Address(0x1000); }},
        Crafted{"SegvHighAddress", SIGSEGV, SEGV_ACCERR,
                [](siginfo_t* i) { i->si_addr = Address(~uintptr_t{0xfff}); }},
        Crafted{"BusMachineCheck", SIGBUS, BUS_MCEERR_AR,
                [](siginfo_t* i) {
                  i->si_addr = Address(0x2000);
                  i->si_addr_lsb = 12;
                }},
        Crafted{"Seccomp", SIGSYS, 1 /* SYS_SECCOMP */,
                [](siginfo_t* i) {
                  i->si_call_addr = Address(0x3000);
                  i->si_syscall = 59;
                  i->si_arch = 0xc000003e;
                }},
        Crafted{"Poll", SIGIO, POLL_OUT,
                [](siginfo_t* i) {
                  i->si_band = 4;
                  i->si_fd = 5;
                }},
        Crafted{"PollCodeOnAnotherSignal", SIGUSR1, POLL_MSG,
                [](siginfo_t* i) {
                  i->si_band = 6;
                  i->si_fd = 8;
                }},
        Crafted{"ChildCodeBeyondItsLimit", SIGCHLD, 9,
                [](siginfo_t* i) {
                  i->si_pid = 4343;
                  i->si_uid = 3;
                }},
        Crafted{"FromTheKernel", SIGUSR2, SI_KERNEL, [](siginfo_t*) {}},
        Crafted{"Timer", SIGALRM, SI_TIMER,
                [](siginfo_t* i) {
                  i->si_timerid = 3;
                  i->si_overrun = 2;
                  i->si_value.sival_int = 77;
                }},
        Crafted{"SigioCode", SIGURG, SI_SIGIO,
                [](siginfo_t* i) {
                  i->si_band = 1;
                  i->si_fd = 9;
                }},
        Crafted{"Queued", 43, SI_QUEUE,
                [](siginfo_t* i) {
                  i->si_pid = 4444;
                  i->si_uid = 5;
                  i->si_value.sival_int = -1;
                }}),
    [](const testing::TestParamInfo<Crafted>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace fault
