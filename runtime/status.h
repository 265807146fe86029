// File: runtime/status.h
//
// Status and StatusOr<T>: how every fallible runtime call reports failure.
//
// They follow absl::Status / absl::StatusOr's shape (ok(), code(), message(),
// value(), operator*, the *Error() constructors), so code reads the same and
// a switch to Abseil's types is mechanical. faultinit does not use Abseil's
// own types because absl::Status carries its payloads in a Cord: linking it
// brings Cord and, with it, Abseil's Mutex and symbolizer
// (docs/size.md).
//
// A Status is a code, the errno that caused it (0 when none) and a message
// that, by convention, reads "unable to VERB OBJECT: strerror".
//
// Thread safety: a Status is a value; distinct objects may be used from
// distinct threads. Not async-signal-safe (the message allocates): code
// between fork and exec reports failure with raw errno values instead.

#ifndef FAULT_RUNTIME_STATUS_H_
#define FAULT_RUNTIME_STATUS_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace fault {

// StatusCode: the subset of absl::StatusCode the runtime needs, same values.
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
};

// StatusCodeName returns "INVALID_ARGUMENT" etc., as Abseil prints them.
absl::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  Status(StatusCode code, absl::string_view message, int error_number = 0);

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The errno this status was made from, or 0.
  int error_number() const { return rep_ ? rep_->error_number : 0; }
  absl::string_view message() const {
    return rep_ ? absl::string_view(rep_->message) : absl::string_view();
  }
  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

  // Explicitly ignores a status where failure needs no handling.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }
  friend bool operator!=(const Status& a, const Status& b) { return !(a == b); }

 private:
  struct Rep {
    StatusCode code;
    int error_number;
    std::string message;
  };
  // Shared and immutable: copying a Status is cheap.
  std::shared_ptr<const Rep> rep_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(absl::string_view message);
Status NotFoundError(absl::string_view message);
Status FailedPreconditionError(absl::string_view message);
Status InternalError(absl::string_view message);
Status UnavailableError(absl::string_view message);
Status DeadlineExceededError(absl::string_view message);
Status AbortedError(absl::string_view message);
Status ResourceExhaustedError(absl::string_view message);
Status PermissionDeniedError(absl::string_view message);

// ErrnoToStatus builds "MESSAGE: strerror(error_number)" with a code chosen
// from the errno (ENOENT -> kNotFound, EACCES/EPERM -> kPermissionDenied,
// EAGAIN/ENOMEM/EMFILE/ENFILE -> kResourceExhausted, EINVAL ->
// kInvalidArgument, ETIMEDOUT -> kDeadlineExceeded, else kInternal).
Status ErrnoToStatus(int error_number, absl::string_view message);

// StatusOr<T>: a T, or the Status that says why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // Implicit, as with absl::StatusOr: `return value;`, `return status;`.
  StatusOr(const Status& status) : status_(status) { CheckNotOk(); }
  StatusOr(Status&& status) : status_(std::move(status)) { CheckNotOk(); }
  template <typename U = T,
            typename = std::enable_if_t<
                std::is_constructible<T, U&&>::value &&
                !std::is_same<std::decay_t<U>, Status>::value &&
                !std::is_same<std::decay_t<U>, StatusOr>::value>>
  StatusOr(U&& value) : value_(std::forward<U>(value)) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // value(), *, ->: the caller must have checked ok(); otherwise the
  // process aborts with the status in the message.
  T& value() & {
    CheckOk();
    return *value_;
  }
  const T& value() const& {
    CheckOk();
    return *value_;
  }
  T&& value() && {
    CheckOk();
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void CheckNotOk() const;
  void CheckOk() const;

  Status status_;
  std::optional<T> value_;
};

namespace status_internal {
[[noreturn]] void DieOkStatusInStatusOr();
[[noreturn]] void DieValueOfError(const Status& status);
}  // namespace status_internal

template <typename T>
void StatusOr<T>::CheckNotOk() const {
  if (status_.ok()) status_internal::DieOkStatusInStatusOr();
}

template <typename T>
void StatusOr<T>::CheckOk() const {
  if (!status_.ok()) status_internal::DieValueOfError(status_);
}

}  // namespace fault

// FAULT_RETURN_IF_ERROR(expr): returns the Status of `expr` when not OK.
#define FAULT_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::fault::Status fault_status_ = (expr);        \
    if (!fault_status_.ok()) return fault_status_; \
  } while (0)

#define FAULT_STATUS_CONCAT_INNER_(a, b) a##b
#define FAULT_STATUS_CONCAT_(a, b) FAULT_STATUS_CONCAT_INNER_(a, b)

// FAULT_ASSIGN_OR_RETURN(lhs, expr): `lhs = *expr`, or returns its Status.
#define FAULT_ASSIGN_OR_RETURN(lhs, expr) \
  FAULT_ASSIGN_OR_RETURN_IMPL_(           \
      FAULT_STATUS_CONCAT_(fault_statusor_, __LINE__), lhs, expr)
#define FAULT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()

#endif  // FAULT_RUNTIME_STATUS_H_
