// File: init/support/notify.h
//
// The sd_notify protocol, receiving side: how a `Type=notify` service tells
// faultinit it is ready (`READY=1`), what it is doing (`STATUS=...`), and
// which process is its main one (`MAINPID=`).
//
// A service finds the socket in $NOTIFY_SOCKET (a path, or an abstract
// name starting with '@') and sends one datagram per notification: lines of
// KEY=VALUE. faultinit reads them with NotifySocket and parses them with
// ParseNotifyMessage. Each datagram carries the sender's pid, uid and gid
// (SCM_CREDENTIALS, filled in by the kernel), so the service layer can
// decide whom to believe (systemd's NotifyAccess=); this file does not.
//
// Bounds: a datagram over kMaxNotifyDatagram bytes is dropped and counted,
// never partially parsed. File descriptors passed along (SCM_RIGHTS) are
// kept with their datagram's Received and closed when it is destroyed, that
// is once the service layer has acted on it: a sender that passes one end
// of a pipe and waits for the other to report end of file (BARRIER=1, as
// sd_notify_barrier and `faultctl notify` do) knows its earlier messages
// were credited while it was still alive. faultinit stores none of them
// (no FDSTORE=1).
//
// Threading: ParseNotifyMessage is thread-safe. A NotifySocket is used on
// the loop thread only (it is not thread-safe). Nothing here is
// async-signal-safe (allocation); the socket's fd is O_CLOEXEC, so children
// do not inherit it.

#ifndef FAULT_INIT_SUPPORT_NOTIFY_H_
#define FAULT_INIT_SUPPORT_NOTIFY_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/fd.h"
#include "runtime/status.h"

namespace faultinit {

// kMaxNotifyDatagram: the largest datagram NotifySocket accepts (systemd's
// NOTIFY_BUFFER_MAX is larger; faultinit only needs a few short fields).
inline constexpr size_t kMaxNotifyDatagram = 4096;

// kMaxHeldFds: how many passed descriptors one ReadAll may hand out.
inline constexpr size_t kMaxHeldFds = 64;

// NotifyMessage: the fields of one datagram faultinit acts on. A field
// absent from the datagram keeps its default.
struct NotifyMessage {
  bool ready = false;                 // READY=1
  bool stopping = false;              // STOPPING=1
  bool reloading = false;             // RELOADING=1
  std::optional<std::string> status;  // STATUS=text (may be empty)
  std::optional<pid_t> main_pid;      // MAINPID=n, n > 0
  std::optional<int> errno_value;     // ERRNO=n, n >= 0
};

// ParseNotifyMessage reads newline-separated KEY=VALUE assignments. The
// flags take exactly "1" (READY=0 or READY=yes are ignored); MAINPID and
// ERRNO take plain decimal numbers in range; a later assignment of a key
// replaces an earlier one. Lines without '=', with an empty key, with an
// invalid value, and unknown keys are ignored: garbage parses to an empty
// message, never to an error. STATUS keeps its bytes as sent.
NotifyMessage ParseNotifyMessage(absl::string_view datagram);

// NotifySocket: the AF_UNIX datagram socket services notify, owned by the
// object: destruction (or move-assignment over it) closes the socket and
// removes its file (if it is still the socket this object bound).
class NotifySocket {
 public:
  // One datagram: its sender (from SCM_CREDENTIALS; pid 0 if the kernel
  // attached none) and its content.
  struct Received {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    NotifyMessage message;
    // The descriptors passed with the datagram (close-on-exec), closed with
    // this object.
    std::vector<fault::UniqueFd> passed_fds;
  };

  // Open binds a SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK socket at `path`
  // with SO_PASSCRED on. A path starting with '@' is an abstract name (no
  // file); otherwise a stale socket file at `path` is removed first, and the
  // new one is made mode 0666 so services running as any user can notify
  // (the sender pid, not the file mode, says who may be believed).
  // Errors: kInvalidArgument for an empty or too long path (the limit of
  // sockaddr_un: 107 bytes), kAlreadyExists when `path` exists and is not a
  // socket (it is left alone), else the failing call's errno ("unable to
  // bind notify socket PATH: ...").
  static fault::StatusOr<NotifySocket> Open(absl::string_view path);

  NotifySocket(NotifySocket&& other) noexcept;
  NotifySocket& operator=(NotifySocket&& other) noexcept;
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  ~NotifySocket();

  // fd is the socket, for Scheduler::OnReadable; still owned by this object.
  int fd() const { return fd_.get(); }
  // path is what Open was given (with its '@' for an abstract name): the
  // value of NOTIFY_SOCKET for services.
  const std::string& path() const { return path_; }

  // ReadAll receives every pending datagram without blocking, stopping at
  // EAGAIN, after `max_datagrams`, or once the datagrams read hold
  // kMaxHeldFds passed descriptors (so a sender that keeps the queue full
  // cannot hold the loop or use up faultinit's descriptors; level-triggered
  // readiness calls again). Oversized or truncated datagrams are dropped
  // (their descriptors closed) and counted in dropped(). A receive error
  // other than EAGAIN/EINTR ends this call with what was read so far.
  std::vector<Received> ReadAll(size_t max_datagrams = 1024);

  // dropped counts datagrams refused for size since Open.
  uint64_t dropped() const { return dropped_; }

 private:
  NotifySocket(fault::UniqueFd fd, std::string path);
  // Close closes the socket and removes its file if it is still ours.
  void Close();

  fault::UniqueFd fd_;
  std::string path_;
  // The bound file's identity, so Close never removes a socket someone else
  // bound at the same path later. Unused for abstract names.
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPPORT_NOTIFY_H_
