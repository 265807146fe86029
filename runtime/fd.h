// File: runtime/fd.h
//
// UniqueFd: the owner of one file descriptor, and helpers that make
// descriptors the way faultinit always wants them (O_CLOEXEC, no EINTR
// surprises).
//
// Ownership: a UniqueFd closes its descriptor when destroyed or reset; it is
// move-only. `Release()` gives the descriptor up without closing it.
//
// Safety: UniqueFd's members and the Read/Write helpers are
// async-signal-safe and fork-safe (they only make system calls), so they may
// be used between fork and exec. A UniqueFd object is not thread-safe.

#ifndef FAULT_RUNTIME_FD_H_
#define FAULT_RUNTIME_FD_H_

#include <sys/types.h>

#include <string>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace fault {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  // The descriptor, or -1.
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Release returns the descriptor and stops owning it.
  [[nodiscard]] int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Reset closes the owned descriptor (errors, including EINTR, are
  // ignored: Linux always frees the descriptor) and owns `fd` instead.
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// MakePipe returns a pipe with both ends O_CLOEXEC, plus `extra_flags`
// (O_NONBLOCK, O_DIRECT) on both.
StatusOr<Pipe> MakePipe(int extra_flags = 0);

// WriteAll writes all of `data`, retrying on EINTR and short writes.
// Returns 0, or the errno of the failing write(2). Async-signal-safe.
int WriteAll(int fd, const void* data, size_t size);

// ReadAll reads until end of file or `limit` bytes, retrying on EINTR.
// Errors: the read(2) errno as a Status; kResourceExhausted past `limit`.
StatusOr<std::string> ReadAll(int fd, size_t limit);

// ReadFull reads exactly `size` bytes unless end of file comes first.
// Returns the number of bytes read, or -errno. Async-signal-safe.
ssize_t ReadFull(int fd, void* data, size_t size);

// WriteQuietly is WriteAll for a descriptor whose reader may be gone (a
// log on a pipe), with send(2)'s MSG_NOSIGNAL for any descriptor: when
// write(2) fails with EPIPE while SIGPIPE is blocked, the SIGPIPE the
// kernel raised for the calling thread is taken back before returning.
// faultinit holds SIGPIPE blocked and forwards what it reads of it: a
// signal its own write raised would otherwise be forwarded to its child,
// and the next log line would raise it again, for ever. A SIGPIPE another
// process sent stays pending (the kernel queues a write's SIGPIPE on the
// thread, kill(2)'s on the process, and the thread's is taken first). With
// SIGPIPE not blocked, its disposition acts as for any write (a default one
// ends the program). Returns 0, or the errno of the failing write(2).
// Async-signal-safe.
int WriteQuietly(int fd, absl::string_view text);

// WriteString is WriteQuietly ignoring failure: for diagnostics on stderr,
// which may be closed or a pipe nobody reads. Async-signal-safe.
void WriteString(int fd, absl::string_view text);

}  // namespace fault

#endif  // FAULT_RUNTIME_FD_H_
