#include "runtime/testing/child.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/fd.h"

namespace fault::testing {

bool DrainPipes(int out_fd, int err_fd, std::string* out, std::string* err,
                int deadline_ms) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {out, err};
  int open_count = 2;
  while (open_count > 0) {
    int ready = poll(fds, 2, deadline_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  return true;
}

ChildResult RunInChild(const std::function<void()>& body) {
  StatusOr<Pipe> out = MakePipe();
  StatusOr<Pipe> err = MakePipe();
  if (!out.ok() || !err.ok()) abort();
  fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) abort();
  if (pid == 0) {
    dup2(out->write.get(), STDOUT_FILENO);
    dup2(err->write.get(), STDERR_FILENO);
    body();
    fflush(nullptr);
    _exit(0);
  }
  out->write.Reset();
  err->write.Reset();
  ChildResult result;
  DrainPipes(out->read.get(), err->read.get(), &result.out, &result.err);
  siginfo_t info = {};
  while (waitid(P_PID, pid, &info, WEXITED) != 0 && errno == EINTR) {
  }
  result.status = ExitStatus::FromSiginfo(info);
  return result;
}

}  // namespace fault::testing
