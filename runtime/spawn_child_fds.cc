// File: runtime/spawn_child_fds.cc
//
// The child's descriptor moves (spawn_child_fds.h): async-signal-safe.

#include "runtime/spawn_child_fds.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/descriptor_table.h"

namespace fault {
namespace spawn_internal {

ChildFds OptionsFds(const SpawnOptions& options, int report_fd) {
  return {options.stdin_fd, options.stdout_fd, options.stderr_fd,
          options.extra_fd.from, report_fd};
}

int MoveTo(int from, int to) {
  if (from < 0 || from == to) {
    // dup2 onto itself keeps O_CLOEXEC; clear it so the fd survives exec.
    if (from == to) return fcntl(to, F_SETFD, 0) == 0 ? 0 : errno;
    return 0;
  }
  return dup2(from, to) >= 0 ? 0 : errno;
}

int CloseOtherFdsAtExec(rlim_t bound) {
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
#endif
  const rlim_t table = DescriptorTableSize();
  if (table != 0 && table < bound) bound = table;
  for (rlim_t fd = 3; fd < bound; ++fd) {
    (void)fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
  return 0;
}

int MoveListenFds(const std::vector<int>& listen, int* report_fd,
                  int* extra_from) {
  const int n = static_cast<int>(listen.size());
  if (listen.size() > kMaxListenFds) return EMFILE;
  const int end = 3 + n;
  for (int* fd : {report_fd, extra_from}) {
    if (*fd >= 3 && *fd < end) {
      int moved = fcntl(*fd, F_DUPFD_CLOEXEC, end);
      if (moved < 0) return errno;
      *fd = moved;
    }
  }
  int copies[kMaxListenFds];
  for (int i = 0; i < n; ++i) {
    copies[i] = fcntl(listen[static_cast<size_t>(i)], F_DUPFD_CLOEXEC, end);
    if (copies[i] < 0) return errno;
  }
  for (int i = 0; i < n; ++i) {
    if (dup2(copies[i], 3 + i) < 0) return errno;
    close(copies[i]);
  }
  return 0;
}

void WritePid(pid_t pid, char* out) {
  char digits[24];
  int n = 0;
  unsigned long value = static_cast<unsigned long>(pid);
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && n < 23);
  for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  out[n] = '\0';
}

}  // namespace spawn_internal
}  // namespace fault
