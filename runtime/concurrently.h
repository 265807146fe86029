// File: runtime/concurrently.h
//
// Concurrently: run a function in a forked child and collect its result
// later (the seed's `concurrently`). The child writes its result, a byte
// string the caller serializes as it likes, to a pipe; `Get` blocks until
// the child has ended and returns the result, or an error that names how
// the child ended when it did not deliver one. Never hangs on a child that
// crashed, was killed or threw.
//
// Must be called inside Fork::Trap (a program run by Control is): the child
// is made by Fork::Dispatch, so it unwinds to the trap before running the
// function and never continues the caller's code path.
//
// Ownership: ConcurrentResult owns the child; destroying it before Get
// kills the child (SIGKILL) and reaps it. Move-only; not thread-safe.

#ifndef FAULT_RUNTIME_CONCURRENTLY_H_
#define FAULT_RUNTIME_CONCURRENTLY_H_

#include <sys/types.h>

#include <functional>
#include <string>

#include "runtime/fd.h"
#include "runtime/status.h"

namespace fault {

class ConcurrentResult {
 public:
  ConcurrentResult(pid_t pid, UniqueFd result)
      : pid_(pid), result_(std::move(result)) {}
  ConcurrentResult(ConcurrentResult&& other) noexcept;
  ConcurrentResult& operator=(ConcurrentResult&&) = delete;
  ConcurrentResult(const ConcurrentResult&) = delete;
  ~ConcurrentResult();

  pid_t pid() const { return pid_; }

  // Get waits for the child and returns its result. Errors: kAborted
  // "child PID ended with exit 3 / signal SEGV before delivering its
  // result"; a read or wait failure. A second call returns
  // kFailedPrecondition.
  StatusOr<std::string> Get();

 private:
  pid_t pid_;
  UniqueFd result_;
  bool collected_ = false;
};

// The most a child may deliver: 64 MiB.
inline constexpr size_t kMaxConcurrentResult = 64 << 20;

// Concurrently forks a child that runs `fn` and delivers its return value.
// Errors: kFailedPrecondition outside Fork::Trap; pipe or fork failures.
StatusOr<ConcurrentResult> Concurrently(std::function<std::string()> fn);

}  // namespace fault

#endif  // FAULT_RUNTIME_CONCURRENTLY_H_
