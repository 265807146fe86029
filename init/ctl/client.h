// File: init/ctl/client.h
//
// The socket side of faultctl: finding and reaching faultinit's control
// socket, sending one request and reading the response line by line
// (docs/control.md), and sending an sd_notify datagram for
// `faultctl notify`.
//
//   fault::StatusOr<Connection> c = Connection::Connect(ChooseSocketPath(...));
//   if (!c.ok()) ...;  // exit 5: c.status().message() names the socket
//   fault::Status s = c->Exchange(request, [](absl::string_view line) {
//     ...;  // each line as it arrives: `follow` streams
//     return fault::OkStatus();
//   });
//
// Threading: a Connection is thread-compatible (one thread at a time). The
// functions are thread-safe. Nothing here is async-signal-safe. Every
// socket is SOCK_CLOEXEC and every send uses MSG_NOSIGNAL, so a server
// that hangs up is an error, never a SIGPIPE.

#ifndef FAULT_INIT_CTL_CLIENT_H_
#define FAULT_INIT_CTL_CLIENT_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/invocation.h"
#include "runtime/status.h"

namespace faultinit::faultctl {

// kSocketVariable: the environment variable naming the socket.
inline constexpr char kSocketVariable[] = "FAULTINIT_SOCKET";

// kNotifyVariable: the environment variable naming the notify socket.
inline constexpr char kNotifyVariable[] = "NOTIFY_SOCKET";

// kMaxResponseLine: the longest response line Exchange accepts (its "\n"
// excluded); a longer one ends the exchange with kResourceExhausted rather
// than growing without bound.
inline constexpr size_t kMaxResponseLine = 1 << 20;

// ChooseSocketPath: `flag` (from --socket) when given, else
// $FAULTINIT_SOCKET from `env` when set and non-empty, else
// control::kDefaultSocketPath.
std::string ChooseSocketPath(const std::optional<std::string>& flag,
                             const fault::Invocation::Environment& env);

// LineHandler receives one response line without its "\n". Returning a
// non-OK Status stops reading; Exchange returns that Status.
using LineHandler = std::function<fault::Status(absl::string_view line)>;

// Connection: one connected stream socket to faultinit, owned: destroying
// the Connection closes it (which ends a `follow` on the server's side).
class Connection {
 public:
  // Connect opens an AF_UNIX SOCK_STREAM | SOCK_CLOEXEC socket and connects
  // it to `path` (a file path; "@name" is an abstract name). Every failure
  // is kUnavailable with the message "cannot reach faultinit at PATH:
  // CAUSE" (CAUSE the strerror of socket(2) or connect(2), or "socket path
  // is longer than 107 bytes" / "empty socket path"); the error number is
  // kept in error_number().
  static fault::StatusOr<Connection> Connect(absl::string_view path);

  // Exchange sends `request` (one encoded line, init/control/request.h) and
  // calls `on_line` for each response line as it arrives, until the server
  // closes the connection. Blocks with no timeout (a blocking start waits
  // for the services). A send that fails because the server already hung
  // up (EPIPE, ECONNRESET) is not an error by itself: what the server
  // wrote before closing (`ERR busy`) is still read. ECONNRESET while
  // reading counts as end of response. Errors: `on_line`'s Status;
  // kInternal for a response that ends inside a line; kResourceExhausted
  // for a line over kMaxResponseLine; another send or read failure with
  // its errno ("unable to read the response from PATH: ..."). EINTR is
  // retried. Call at most once per Connection.
  fault::Status Exchange(absl::string_view request, const LineHandler& on_line);

  // The socket, still owned by the Connection.
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

 private:
  Connection(fault::UniqueFd fd, std::string path)
      : fd_(std::move(fd)), path_(std::move(path)) {}

  fault::UniqueFd fd_;
  std::string path_;
};

// SendNotification sends `datagram` as one AF_UNIX SOCK_DGRAM datagram to
// `socket_path` (a file path, or "@name" for an abstract name), as
// systemd-notify does. It first tries to send it with the credentials of
// `as_pid` (SCM_CREDENTIALS; faultinit believes a notification only from
// the service's main process, normally faultctl's parent shell), which the
// kernel allows only to a privileged sender; if refused (EPERM), it sends
// the datagram with faultctl's own credentials. `as_pid` 0 skips the first
// attempt. `pass_fd`, unless -1, goes along as SCM_RIGHTS. Errors:
// kInvalidArgument for an empty or too long path
// ("NOTIFY_SOCKET \"...\" is ..."); the failing call's errno ("unable to
// send to notify socket PATH: ...").
fault::Status SendNotification(absl::string_view socket_path,
                               absl::string_view datagram, pid_t as_pid,
                               int pass_fd = -1);

// AwaitNotificationBarrier sends "BARRIER=1" as SendNotification does,
// with the write end of a new pipe (SCM_RIGHTS), closes its own copy and
// waits until the other end reports end of file: the receiver has read
// every datagram sent before and closed the descriptor (faultinit does so
// once it has acted on them; systemd does the same for sd_notify_barrier).
// Meanwhile faultctl is alive, so a notification it sent is credited to
// its process (or group) rather than lost if it had already exited.
// Errors: SendNotification's; kDeadlineExceeded when `timeout` passes first
// ("... did not confirm the notification within ...").
fault::Status AwaitNotificationBarrier(absl::string_view socket_path,
                                       pid_t as_pid, fault::Duration timeout);

}  // namespace faultinit::faultctl

#endif  // FAULT_INIT_CTL_CLIENT_H_
