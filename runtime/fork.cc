#include "runtime/fork.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "runtime/callsets.h"

namespace fault {
namespace {

thread_local int trap_depth = 0;

// Keeps trap_depth right however the trap is left.
class DepthGuard {
 public:
  DepthGuard() { ++trap_depth; }
  ~DepthGuard() { --trap_depth; }
};

}  // namespace

int Fork::Depth() { return trap_depth; }

int Fork::Trap(Program main) {
  const pid_t owner = getpid();
  DepthGuard depth;
  Program current = std::move(main);
  for (;;) {
    try {
      int result = current();
      if (getpid() != owner) EndProcess(result);
      return result;
    } catch (ForkSubstitution& substitution) {
      current = substitution.TakeReplacement();
    } catch (...) {
      // A dispatched child must not unwind into the parent's code path.
      if (getpid() != owner) EndProcessFromException();
      throw;
    }
  }
}

void Fork::Substitute(Program replacement) {
  throw ForkSubstitution(std::move(replacement));
}

StatusOr<pid_t> Fork::Dispatch(Program child) {
  if (trap_depth == 0) {
    return FailedPreconditionError(
        "unable to dispatch a child: not inside Fork::Trap");
  }
  (void)fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return ErrnoToStatus(errno, "unable to fork");
  if (pid == 0) {
    ClearAtexitCallbacks();
    Substitute(std::move(child));
  }
  return pid;
}

}  // namespace fault
