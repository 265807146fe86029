#include "runtime/fd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace fault {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) {
    // Not retried on EINTR: Linux has released the descriptor either way.
    (void)close(fd_);
  }
  fd_ = fd;
}

StatusOr<Pipe> MakePipe(int extra_flags) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | extra_flags) != 0) {
    return ErrnoToStatus(errno, "unable to create pipe");
  }
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

int WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

ssize_t ReadFull(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  size_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, p + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

StatusOr<std::string> ReadAll(int fd, size_t limit) {
  // Straight into the string, not through a stack buffer: this runs in PID
  // 1's loop (unit files, control requests), whose deepest stack pages stay
  // resident once touched.
  std::string out;
  size_t used = 0;
  for (;;) {
    if (used == out.size()) out.resize(out.empty() ? 256 : out.size() * 2);
    // One byte past the limit, to tell "exactly the limit" from "more".
    const size_t to_limit = limit - std::min(used, limit);
    const size_t want = std::min(
        out.size() - used, to_limit == SIZE_MAX ? to_limit : to_limit + 1);
    ssize_t n = read(fd, &out[used], want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat("unable to read fd ", fd));
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
    if (used > limit) {
      return ResourceExhaustedError(
          absl::StrCat("fd ", fd, " holds more than ", limit, " bytes"));
    }
  }
  out.resize(used);
  out.shrink_to_fit();
  return out;
}

int WriteQuietly(int fd, absl::string_view text) {
  const int error = WriteAll(fd, text.data(), text.size());
  if (error != EPIPE) return error;
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigset_t blocked;
  if (pthread_sigmask(SIG_BLOCK, nullptr, &blocked) != 0 ||
      !sigismember(&blocked, SIGPIPE)) {
    return error;  // delivered (or ignored) already, as for any write
  }
  // The thread's own pending signals are dequeued before the process's:
  // this takes the write's SIGPIPE, not one kill(2) sent meanwhile.
  siginfo_t info;
  const struct timespec now = {0, 0};
  int taken;
  do {
    taken = sigtimedwait(&pipe_only, &info, &now);
  } while (taken < 0 && errno == EINTR);
  if (taken == SIGPIPE &&
      (info.si_code != SI_USER || info.si_pid != getpid())) {
    // Not the write's (it was not queued): another sender's, put back.
    (void)syscall(SYS_rt_sigqueueinfo, getpid(), SIGPIPE, &info);
  }
  return error;
}

void WriteString(int fd, absl::string_view text) {
  (void)WriteQuietly(fd, text);
}

}  // namespace fault
