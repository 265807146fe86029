#include "runtime/concurrently.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "runtime/exit_status.h"
#include "runtime/fork.h"

namespace fault {
namespace {

// The child writes a fixed-size length header, then the result.
using Length = uint64_t;

StatusOr<ExitStatus> Reap(pid_t pid) {
  siginfo_t info = {};
  while (waitid(P_PID, pid, &info, WEXITED) != 0) {
    if (errno != EINTR) {
      return ErrnoToStatus(errno,
                           absl::StrCat("unable to wait for child ", pid));
    }
  }
  return ExitStatus::FromSiginfo(info);
}

}  // namespace

ConcurrentResult::ConcurrentResult(ConcurrentResult&& other) noexcept
    : pid_(other.pid_),
      result_(std::move(other.result_)),
      collected_(other.collected_) {
  other.collected_ = true;
}

ConcurrentResult::~ConcurrentResult() {
  if (collected_) return;
  (void)kill(pid_, SIGKILL);
  (void)Reap(pid_);
}

StatusOr<std::string> ConcurrentResult::Get() {
  if (collected_) {
    return FailedPreconditionError(
        absl::StrCat("the result of child ", pid_, " was already collected"));
  }
  StatusOr<std::string> payload =
      ReadAll(result_.get(), sizeof(Length) + kMaxConcurrentResult);
  result_.Reset();
  collected_ = true;
  StatusOr<ExitStatus> ended = Reap(pid_);
  FAULT_RETURN_IF_ERROR(ended.status());
  FAULT_RETURN_IF_ERROR(payload.status());

  Length length = 0;
  bool complete = payload->size() >= sizeof length;
  if (complete) {
    memcpy(&length, payload->data(), sizeof length);
    complete = payload->size() == sizeof length + length;
  }
  if (!complete || !ended->exited() || ended->exit_code() != 0) {
    return AbortedError(absl::StrCat(
        "child ", pid_, " ended with ", ended->ToString(),
        complete ? " after" : " before", " delivering its result"));
  }
  return payload->substr(sizeof length);
}

StatusOr<ConcurrentResult> Concurrently(std::function<std::string()> fn) {
  FAULT_ASSIGN_OR_RETURN(Pipe pipe, MakePipe());
  // Shared so the write end survives the child's unwinding to its trap.
  auto write_end = std::make_shared<UniqueFd>(std::move(pipe.write));
  FAULT_ASSIGN_OR_RETURN(
      pid_t pid, Fork::Dispatch([fn = std::move(fn), write_end]() -> int {
        std::string result = fn();
        Length length = result.size();
        if (WriteAll(write_end->get(), &length, sizeof length) != 0 ||
            WriteAll(write_end->get(), result.data(), result.size()) != 0) {
          return 1;
        }
        return 0;
      }));
  write_end->Reset();
  return ConcurrentResult(pid, std::move(pipe.read));
}

}  // namespace fault
