#include "runtime/siginfo.h"

#include <stdint.h>
#include <string.h>

namespace fault {
namespace {

enum class Layout { kKill, kTimer, kPoll, kFault, kChild, kQueued, kSys };

// The highest si_code the kernel makes for `signo` with a layout of its
// own, and that layout; 0 for signals without one.
int CodeLimit(int signo, Layout* layout) {
  switch (signo) {
    case SIGILL:
      *layout = Layout::kFault;
      return 11;  // ILL_BADIADDR
    case SIGFPE:
      *layout = Layout::kFault;
      return 15;  // FPE_CONDTRAP
    case SIGSEGV:
      *layout = Layout::kFault;
      return 10;  // SEGV_CPERR
    case SIGBUS:
      *layout = Layout::kFault;
      return 5;  // BUS_MCEERR_AO
    case SIGTRAP:
      *layout = Layout::kFault;
      return 6;  // TRAP_PERF
    case SIGCHLD:
      *layout = Layout::kChild;
      return 6;  // CLD_CONTINUED
    case SIGPOLL:
      *layout = Layout::kPoll;
      return 6;  // POLL_HUP
    case SIGSYS:
      *layout = Layout::kSys;
      return 2;  // SYS_USER_DISPATCH
    default:
      return 0;
  }
}

constexpr int kPollCodes = 6;  // POLL_IN .. POLL_HUP

Layout LayoutOf(int signo, int code) {
  if (code > SI_USER && code < SI_KERNEL) {
    Layout layout = Layout::kKill;
    if (code <= CodeLimit(signo, &layout)) return layout;
    return code <= kPollCodes ? Layout::kPoll : Layout::kKill;
  }
  if (code == SI_TIMER) return Layout::kTimer;
  if (code == SI_SIGIO) return Layout::kPoll;
  if (code < 0) return Layout::kQueued;
  return Layout::kKill;
}

// A pointer as the kernel widens it: (long) first, then 64 bits.
uint64_t Widen(const void* pointer) {
  return static_cast<uint64_t>(
      static_cast<long>(reinterpret_cast<intptr_t>(pointer)));
}

}  // namespace

signalfd_siginfo ToSignalfdSiginfo(const siginfo_t& info) {
  signalfd_siginfo out;
  memset(&out, 0, sizeof out);
  out.ssi_signo = static_cast<uint32_t>(info.si_signo);
  out.ssi_errno = info.si_errno;
  out.ssi_code = info.si_code;
  switch (LayoutOf(info.si_signo, info.si_code)) {
    case Layout::kKill:
      out.ssi_pid = static_cast<uint32_t>(info.si_pid);
      out.ssi_uid = static_cast<uint32_t>(info.si_uid);
      break;
    case Layout::kTimer:
      out.ssi_tid = static_cast<uint32_t>(info.si_timerid);
      out.ssi_overrun = static_cast<uint32_t>(info.si_overrun);
      out.ssi_ptr = Widen(info.si_value.sival_ptr);
      out.ssi_int = info.si_value.sival_int;
      break;
    case Layout::kPoll:
      out.ssi_band = static_cast<uint32_t>(info.si_band);
      out.ssi_fd = info.si_fd;
      break;
    case Layout::kFault:
      out.ssi_addr = Widen(info.si_addr);
      if (info.si_signo == SIGBUS &&
          (info.si_code == BUS_MCEERR_AR || info.si_code == BUS_MCEERR_AO)) {
        out.ssi_addr_lsb = static_cast<uint16_t>(info.si_addr_lsb);
      }
      break;
    case Layout::kChild:
      out.ssi_pid = static_cast<uint32_t>(info.si_pid);
      out.ssi_uid = static_cast<uint32_t>(info.si_uid);
      out.ssi_status = info.si_status;
      out.ssi_utime = static_cast<uint64_t>(info.si_utime);
      out.ssi_stime = static_cast<uint64_t>(info.si_stime);
      break;
    case Layout::kQueued:
      out.ssi_pid = static_cast<uint32_t>(info.si_pid);
      out.ssi_uid = static_cast<uint32_t>(info.si_uid);
      out.ssi_ptr = Widen(info.si_value.sival_ptr);
      out.ssi_int = info.si_value.sival_int;
      break;
    case Layout::kSys:
      out.ssi_call_addr = Widen(info.si_call_addr);
      out.ssi_syscall = info.si_syscall;
      out.ssi_arch = info.si_arch;
      break;
  }
  return out;
}

}  // namespace fault
