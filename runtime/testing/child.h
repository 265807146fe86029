// File: runtime/testing/child.h
//
// RunInChild: test helper that runs a body in a forked child and reports
// how the child ended and what it wrote to stdout and stderr. The parent
// waits on the pipes (end of file) and on the child itself; no sleeps.
//
// The body runs in the child only; if it returns, the child leaves with
// _exit(0). Test-only: not for production code.

#ifndef FAULT_RUNTIME_TESTING_CHILD_H_
#define FAULT_RUNTIME_TESTING_CHILD_H_

#include <functional>
#include <string>

#include "runtime/exit_status.h"

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

}  // namespace fault::testing

#endif  // FAULT_RUNTIME_TESTING_CHILD_H_
