// File: runtime/testing/child.h
//
// RunInChild: test helper that runs a body in a forked child and reports
// how the child ended and what it wrote to stdout and stderr. The parent
// waits on the pipes (end of file) and on the child itself; no sleeps.
//
// The body runs in the child only; if it returns, the child leaves with
// _exit(0). Test-only: not for production code.
//
// ValueInChild: runs `look` in a forked child and returns the value it
// returned (a trivially copyable T, sent back over a pipe) once the child
// is reaped; nullopt when no whole value came (no pipe, no fork, the child
// died first) or the child could not be reaped. For what a process sees of
// itself after a change the test must not make to its own process.

#ifndef FAULT_RUNTIME_TESTING_CHILD_H_
#define FAULT_RUNTIME_TESTING_CHILD_H_

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "runtime/exit_status.h"
#include "runtime/fd.h"

namespace fault::testing {

struct ChildResult {
  ExitStatus status;
  std::string out;  // the child's stdout
  std::string err;  // the child's stderr
};

ChildResult RunInChild(const std::function<void()>& body);

// DrainPipes reads `out_fd` and `err_fd` together (so a full one never
// blocks the writer of the other) until both reach end of file, appending
// to `out` and `err`. Returns false if `deadline_ms` passes first (-1: no
// deadline).
bool DrainPipes(int out_fd, int err_fd, std::string* out, std::string* err,
                int deadline_ms = -1);

template <typename T>
std::optional<T> ValueInChild(const std::function<T()>& look) {
  static_assert(std::is_trivially_copyable_v<T>, "sent as bytes");
  StatusOr<Pipe> pipe = MakePipe();
  if (!pipe.ok()) return std::nullopt;
  const pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    const T value = look();
    (void)!write(pipe->write.get(), &value, sizeof value);
    _exit(0);
  }
  pipe->write.Reset();
  T value;
  const bool whole =
      read(pipe->read.get(), &value, sizeof value) == sizeof value;
  int status = 0;
  const bool reaped = waitpid(pid, &status, 0) == pid;
  if (!whole || !reaped) return std::nullopt;
  return value;
}

}  // namespace fault::testing

#endif  // FAULT_RUNTIME_TESTING_CHILD_H_
