#include "runtime/process_attributes.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

namespace fault {
namespace {

constexpr int kIoPrioWhoProcess = 1;  // IOPRIO_WHO_PROCESS

// WriteOomScoreAdjust writes `value` in decimal to /proc/self/oom_score_adj
// with no allocation and no stdio (not async-signal-safe).
int WriteOomScoreAdjust(int value) {
  char text[8];
  char* end = text + sizeof text;
  char* p = end;
  unsigned magnitude =
      value < 0 ? static_cast<unsigned>(-value) : static_cast<unsigned>(value);
  do {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0) *--p = '-';
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n;
  do {
    n = write(fd, p, static_cast<size_t>(end - p));
  } while (n < 0 && errno == EINTR);
  int error = n < 0 ? errno : 0;
  close(fd);
  return error;
}

}  // namespace

int ApplyProcessAttributes(const ProcessAttributes& a,
                           ProcessAttribute* failed) {
  if (a.nice_set && setpriority(PRIO_PROCESS, 0, a.nice) != 0) {
    *failed = ProcessAttribute::kNice;
    return errno;
  }
  if (a.oom_score_adjust_set) {
    int error = WriteOomScoreAdjust(a.oom_score_adjust);
    // As systemd: without the privilege (a container), carry on.
    if (error != 0 && error != EPERM && error != EACCES) {
      *failed = ProcessAttribute::kOomScoreAdjust;
      return error;
    }
  }
  if (a.io_priority_set &&
      syscall(SYS_ioprio_set, kIoPrioWhoProcess, 0, a.io_priority()) != 0) {
    *failed = ProcessAttribute::kIoPriority;
    return errno;
  }
  if (a.cpu_scheduling_set) {
    // The system call, not the libc function: musl's sched_setscheduler
    // always fails (ENOSYS).
    struct sched_param param = {};
    param.sched_priority = a.cpu_priority;
    int policy = a.cpu_policy | (a.cpu_reset_on_fork ? SCHED_RESET_ON_FORK : 0);
    if (syscall(SYS_sched_setscheduler, 0, policy, &param) != 0) {
      *failed = ProcessAttribute::kCpuScheduling;
      return errno;
    }
  }
  if (!a.cpu_affinity.empty() &&
      syscall(SYS_sched_setaffinity, 0,
              a.cpu_affinity.size() * sizeof(uint64_t),
              a.cpu_affinity.data()) != 0) {
    *failed = ProcessAttribute::kCpuAffinity;
    return errno;
  }
  return 0;
}

}  // namespace fault
