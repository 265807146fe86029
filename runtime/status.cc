#include "runtime/status.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "runtime/abort.h"

namespace fault {

absl::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
  }
  return "UNKNOWN";
}

Status::Status(StatusCode code, absl::string_view message, int error_number) {
  if (code == StatusCode::kOk) return;
  rep_ = std::make_shared<const Rep>(
      Rep{code, error_number, std::string(message)});
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return absl::StrCat(StatusCodeName(code()), ": ", message());
}

Status InvalidArgumentError(absl::string_view message) {
  return Status(StatusCode::kInvalidArgument, message);
}
Status NotFoundError(absl::string_view message) {
  return Status(StatusCode::kNotFound, message);
}
Status FailedPreconditionError(absl::string_view message) {
  return Status(StatusCode::kFailedPrecondition, message);
}
Status InternalError(absl::string_view message) {
  return Status(StatusCode::kInternal, message);
}
Status UnavailableError(absl::string_view message) {
  return Status(StatusCode::kUnavailable, message);
}
Status DeadlineExceededError(absl::string_view message) {
  return Status(StatusCode::kDeadlineExceeded, message);
}
Status AbortedError(absl::string_view message) {
  return Status(StatusCode::kAborted, message);
}
Status ResourceExhaustedError(absl::string_view message) {
  return Status(StatusCode::kResourceExhausted, message);
}
Status PermissionDeniedError(absl::string_view message) {
  return Status(StatusCode::kPermissionDenied, message);
}

Status ErrnoToStatus(int error_number, absl::string_view message) {
  StatusCode code = StatusCode::kInternal;
  switch (error_number) {
    case ENOENT:
    case ESRCH:
      code = StatusCode::kNotFound;
      break;
    case EACCES:
    case EPERM:
      code = StatusCode::kPermissionDenied;
      break;
    case EAGAIN:
    case ENOMEM:
    case EMFILE:
    case ENFILE:
      code = StatusCode::kResourceExhausted;
      break;
    case EINVAL:
      code = StatusCode::kInvalidArgument;
      break;
    case ETIMEDOUT:
      code = StatusCode::kDeadlineExceeded;
      break;
    case EINTR:
      code = StatusCode::kCancelled;
      break;
    default:
      break;
  }
  return Status(code, absl::StrCat(message, ": ", strerror(error_number)),
                error_number);
}

namespace status_internal {

[[noreturn]] static void Die(absl::string_view what) {
  std::string line = absl::StrCat("fault: fatal: ", what, "\n");
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
  Abort();
}

void DieOkStatusInStatusOr() { Die("StatusOr made from an OK status"); }

void DieValueOfError(const Status& status) {
  Die(absl::StrCat("value() of a StatusOr holding ", status.ToString()));
}

}  // namespace status_internal
}  // namespace fault
