#include "runtime/pidfd.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/fd.h"
#include "runtime/signal_state.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace fault {
namespace {

// The kernel's struct pidfd_info up to exit_code (its first 64 bytes,
// PIDFD_INFO_SIZE_VER0): Debian 12's headers predate it.
struct PidfdInfo {
  uint64_t mask;
  uint64_t cgroupid;
  uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  int32_t exit_code;
};
static_assert(sizeof(PidfdInfo) == 64, "PIDFD_INFO_SIZE_VER0");

constexpr uint64_t kInfoPid = 1u << 0;
constexpr uint64_t kInfoExit = 1u << 3;
constexpr unsigned long kGetInfo = _IOWR(0xFF, 11, PidfdInfo);

int GetInfo(int pidfd, uint64_t mask, PidfdInfo* info) {
  memset(info, 0, sizeof *info);
  info->mask = mask;
  return ioctl(pidfd, kGetInfo, info) == 0 ? 0 : errno;
}

bool Probe() {
  PidfdInfo info;
  {
    UniqueFd self = OpenPidfd(getpid());
    if (!self || GetInfo(self.get(), kInfoPid, &info) != 0) return false;
  }
  // A zombie for the pidfd to outlive: SIGCHLD must not be ignored.
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  struct sigaction saved;
  if (ChangeDisposition(SIGCHLD, &default_action, &saved) != 0) return false;
  const pid_t child = fork();
  if (child == 0) _exit(0);
  bool kept = false;
  if (child > 0) {
    UniqueFd pidfd = OpenPidfd(child);
    siginfo_t reaped;
    int waited;
    do {
      waited = waitid(P_PID, static_cast<id_t>(child), &reaped, WEXITED);
    } while (waited != 0 && errno == EINTR);
    int status = 0;
    kept = pidfd && waited == 0 && ReadReapedExit(pidfd.get(), &status) == 0 &&
           status == 0;
  }
  (void)ChangeDisposition(SIGCHLD, &saved, nullptr);
  return kept;
}

}  // namespace

UniqueFd OpenPidfd(pid_t pid) {
  return UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
}

bool ReapedExitsAvailable() {
  static const bool available = Probe();
  return available;
}

int ReadReapedExit(int pidfd, int* wait_status) {
  PidfdInfo info;
  if (int error = GetInfo(pidfd, kInfoExit, &info); error != 0) {
    // ESRCH: reaped, but the kernel kept nothing (before Linux 6.15).
    // ENOSYS: an emulator (qemu-user) that does not pass the ioctl on.
    return error == ESRCH || error == ENOSYS ? ENOTTY : error;
  }
  if ((info.mask & kInfoExit) == 0) return EAGAIN;
  *wait_status = info.exit_code;
  return 0;
}

}  // namespace fault
