#include "runtime/fd.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

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
  std::string out;
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat("unable to read fd ", fd));
    }
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > limit) {
      return ResourceExhaustedError(
          absl::StrCat("fd ", fd, " holds more than ", limit, " bytes"));
    }
    out.append(buffer, static_cast<size_t>(n));
  }
}

void WriteString(int fd, absl::string_view text) {
  (void)WriteAll(fd, text.data(), text.size());
}

}  // namespace fault
