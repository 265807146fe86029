// File: runtime/fork.h
//
// Fork: the seed's substitution mechanism. A program runs inside
// `Fork::Trap`; code deep inside it may ask, with `Fork::Substitute`, for
// the whole running call to be replaced: the stack unwinds to the trap
// (destructors run, releasing what belonged to the old program) and the
// replacement runs in its place. `Fork::Dispatch` forks and makes the
// *child* substitute: the child unwinds the parent's stack back to its trap
// and runs the given callable there, never continuing the parent's code
// path; the parent gets the child's pid.
//
// Substitution is a C++ exception (ForkSubstitution); it is meant to be
// caught only by Trap. Code that catches `...` must rethrow it.
//
// Threading: Trap and Substitute work per thread. Dispatch forks the whole
// process but only the calling thread survives in the child, as with any
// fork: call it from a single-threaded process, or be sure no lock is held
// by another thread. Fork callsets (runtime/callsets.h) run around the fork.

#ifndef FAULT_RUNTIME_FORK_H_
#define FAULT_RUNTIME_FORK_H_

#include <sys/types.h>

#include <functional>
#include <string>

#include "runtime/exit.h"
#include "runtime/status.h"

namespace fault {

// A program body: returns the process's exit status.
using Program = std::function<int()>;

// ForkSubstitution: thrown by Substitute, caught by Trap.
class ForkSubstitution : public ControlException {
 public:
  explicit ForkSubstitution(Program replacement)
      : replacement_(std::move(replacement)) {}
  Program TakeReplacement() { return std::move(replacement_); }
  bool kills() const override { return false; }
  std::string Describe() const override {
    return "substitution requested outside Fork::Trap";
  }

 private:
  Program replacement_;
};

class Fork {
 public:
  // Trap runs `main` and returns its result. When a substitution unwinds to
  // this trap, the replacement runs in main's place (repeatedly, for
  // substitutions inside replacements). In a child made by Dispatch, the
  // trap that catches the child's substitution was entered by the parent:
  // there the result never returns into the parent's code path; the child
  // ends with EndProcess(result), and any exception from the replacement
  // ends it as EndProcessFromException says.
  static int Trap(Program main);

  // Substitute replaces the running program of the innermost Trap with
  // `replacement`. Never returns (throws ForkSubstitution). Only valid
  // inside Trap: otherwise the substitution escapes as an uncaught
  // ControlException.
  [[noreturn]] static void Substitute(Program replacement);

  // Dispatch forks; the child runs `child` in place of the innermost Trap's
  // program and ends with its result. Stdio buffers are flushed before the
  // fork so the child never writes the parent's output twice; the child is
  // marked as a runtime child (InForkedChild). Returns the child's pid.
  // Errors: kFailedPrecondition outside a Trap; fork(2)'s errno.
  static StatusOr<pid_t> Dispatch(Program child);

  // Depth returns how many Traps are active on this thread.
  static int Depth();
};

}  // namespace fault

#endif  // FAULT_RUNTIME_FORK_H_
