#include "runtime/siginfo.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "gtest/gtest.h"

namespace fault {
namespace {

// The header's table, row by row, on every architecture (the kernel as
// the oracle, on the host: siginfo_kernel_test). Each siginfo is filled
// with a byte pattern first, so a field copied from the wrong layout shows.

siginfo_t Info(int signo, int code) {
  siginfo_t info;
  memset(&info, 0x5a, sizeof info);
  info.si_signo = signo;
  info.si_errno = 0;
  info.si_code = code;
  return info;
}

void* Address(uintptr_t value) { return reinterpret_cast<void*>(value); }

// What is left once the fields a row names are cleared: all zero.
bool RestIsZero(signalfd_siginfo s) {
  s.ssi_signo = 0;
  s.ssi_code = 0;
  s.ssi_pid = s.ssi_uid = s.ssi_tid = s.ssi_band = s.ssi_overrun = 0;
  s.ssi_fd = s.ssi_status = s.ssi_int = s.ssi_syscall = 0;
  s.ssi_ptr = s.ssi_utime = s.ssi_stime = s.ssi_addr = s.ssi_call_addr = 0;
  s.ssi_addr_lsb = 0;
  s.ssi_arch = 0;
  signalfd_siginfo zero;
  memset(&zero, 0, sizeof zero);
  return memcmp(&s, &zero, sizeof zero) == 0;
}

TEST(ToSignalfdSiginfo, KillCarriesSenderOnly) {
  siginfo_t info = Info(SIGTERM, SI_USER);
  info.si_pid = 41;
  info.si_uid = 1000;
  const signalfd_siginfo s = ToSignalfdSiginfo(info);
  EXPECT_EQ(s.ssi_signo, static_cast<uint32_t>(SIGTERM));
  EXPECT_EQ(s.ssi_code, SI_USER);
  EXPECT_EQ(s.ssi_pid, 41u);
  EXPECT_EQ(s.ssi_uid, 1000u);
  EXPECT_EQ(s.ssi_int, 0);
  EXPECT_TRUE(RestIsZero(s));
  EXPECT_EQ(ToSignalfdSiginfo(Info(SIGUSR1, SI_KERNEL)).ssi_status, 0);
}

TEST(ToSignalfdSiginfo, QueuedCarriesTheValue) {
  for (int code : {SI_QUEUE, SI_TKILL, SI_MESGQ}) {
    siginfo_t info = Info(40, code);
    info.si_pid = 7;
    info.si_uid = 8;
    info.si_value.sival_int = -5;
    const signalfd_siginfo s = ToSignalfdSiginfo(info);
    EXPECT_EQ(s.ssi_pid, 7u) << code;
    EXPECT_EQ(s.ssi_uid, 8u) << code;
    EXPECT_EQ(s.ssi_int, -5) << code;
    EXPECT_TRUE(RestIsZero(s)) << code;
  }
}

// The kernel widens through a signed long: on 32-bit, a pointer with its
// top bit set fills the upper half with ones.
TEST(ToSignalfdSiginfo, PointersWidenAsTheKernelDoes) {
  siginfo_t info = Info(40, SI_QUEUE);
  info.si_value.sival_ptr = Address(~uintptr_t{0xff});
  EXPECT_EQ(ToSignalfdSiginfo(info).ssi_ptr, ~uint64_t{0xff});
  info.si_value.sival_ptr = Address(0x1234);
  EXPECT_EQ(ToSignalfdSiginfo(info).ssi_ptr, 0x1234u);
}

TEST(ToSignalfdSiginfo, ChildCarriesStatusAndTimes) {
  siginfo_t info = Info(SIGCHLD, CLD_EXITED);
  info.si_pid = 99;
  info.si_uid = 0;
  info.si_status = 3;
  info.si_utime = 12;
  info.si_stime = 34;
  const signalfd_siginfo s = ToSignalfdSiginfo(info);
  EXPECT_EQ(s.ssi_pid, 99u);
  EXPECT_EQ(s.ssi_status, 3);
  EXPECT_EQ(s.ssi_utime, 12u);
  EXPECT_EQ(s.ssi_stime, 34u);
  EXPECT_TRUE(RestIsZero(s));
  // A code beyond CLD_CONTINUED is not a child's: sender only.
  info.si_code = 9;
  EXPECT_EQ(ToSignalfdSiginfo(info).ssi_status, 0);
  EXPECT_EQ(ToSignalfdSiginfo(info).ssi_pid, 99u);
}

TEST(ToSignalfdSiginfo, FaultCarriesTheAddress) {
  siginfo_t info = Info(SIGSEGV, SEGV_MAPERR);
  info.si_addr = Address(0x1000);
  signalfd_siginfo s = ToSignalfdSiginfo(info);
  EXPECT_EQ(s.ssi_addr, 0x1000u);
  EXPECT_EQ(s.ssi_pid, 0u);
  EXPECT_TRUE(RestIsZero(s));
  info = Info(SIGBUS, BUS_MCEERR_AO);
  info.si_addr = Address(0x2000);
  info.si_addr_lsb = 12;
  s = ToSignalfdSiginfo(info);
  EXPECT_EQ(s.ssi_addr, 0x2000u);
  EXPECT_EQ(s.ssi_addr_lsb, 12);
  info.si_code = BUS_ADRALN;  // no addr_lsb but for machine checks
  EXPECT_EQ(ToSignalfdSiginfo(info).ssi_addr_lsb, 0);
}

TEST(ToSignalfdSiginfo, SeccompCarriesTheCall) {
  siginfo_t info = Info(SIGSYS, 1 /* SYS_SECCOMP */);
  info.si_call_addr = Address(0x3000);
  info.si_syscall = 59;
  info.si_arch = 0x40000028;
  const signalfd_siginfo s = ToSignalfdSiginfo(info);
  EXPECT_EQ(s.ssi_call_addr, 0x3000u);
  EXPECT_EQ(s.ssi_syscall, 59);
  EXPECT_EQ(s.ssi_arch, 0x40000028u);
  EXPECT_TRUE(RestIsZero(s));
}

TEST(ToSignalfdSiginfo, PollCodesOnAnySignal) {
  for (int signo : {SIGIO, SIGUSR1, 42}) {
    siginfo_t info = Info(signo, POLL_IN);
    info.si_band = 65;
    info.si_fd = 3;
    const signalfd_siginfo s = ToSignalfdSiginfo(info);
    EXPECT_EQ(s.ssi_band, 65u) << signo;
    EXPECT_EQ(s.ssi_fd, 3) << signo;
    EXPECT_EQ(s.ssi_pid, 0u) << signo;
    EXPECT_TRUE(RestIsZero(s)) << signo;
  }
  siginfo_t info = Info(SIGURG, SI_SIGIO);
  info.si_fd = 4;
  EXPECT_EQ(ToSignalfdSiginfo(info).ssi_fd, 4);
}

TEST(ToSignalfdSiginfo, TimerCarriesIdOverrunAndValue) {
  siginfo_t info = Info(SIGALRM, SI_TIMER);
  info.si_timerid = 3;
  info.si_overrun = 2;
  info.si_value.sival_int = 77;
  const signalfd_siginfo s = ToSignalfdSiginfo(info);
  EXPECT_EQ(s.ssi_tid, 3u);
  EXPECT_EQ(s.ssi_overrun, 2u);
  EXPECT_EQ(s.ssi_int, 77);
  EXPECT_EQ(s.ssi_pid, 0u);
  EXPECT_TRUE(RestIsZero(s));
}

}  // namespace
}  // namespace fault
