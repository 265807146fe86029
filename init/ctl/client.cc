#include "init/ctl/client.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "init/control/protocol.h"

namespace faultinit::faultctl {
namespace {

using fault::Status;
using fault::StatusOr;
using fault::UniqueFd;

constexpr size_t kReadChunk = 64 * 1024;

// UnixAddress: a sockaddr_un for a path ('@' = abstract) and its length.
struct UnixAddress {
  sockaddr_un addr = {};
  socklen_t length = 0;
};

// MakeAddress returns the address, or why there is none ("empty socket
// path", "socket path is longer than 107 bytes").
StatusOr<UnixAddress> MakeAddress(absl::string_view path) {
  if (path.empty()) return fault::InvalidArgumentError("empty socket path");
  UnixAddress result;
  result.addr.sun_family = AF_UNIX;
  // A file path needs room for its NUL; an abstract name uses the slot of
  // its '@' for the leading NUL.
  if (path.size() >= sizeof result.addr.sun_path) {
    return fault::InvalidArgumentError(
        absl::StrCat("socket path is longer than ",
                     sizeof result.addr.sun_path - 1, " bytes"));
  }
  const bool abstract = path[0] == '@';
  if (!abstract && path.find('\0') != absl::string_view::npos) {
    return fault::InvalidArgumentError("socket path holds a NUL byte");
  }
  memcpy(result.addr.sun_path, path.data(), path.size());
  if (abstract) result.addr.sun_path[0] = '\0';
  result.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                         path.size() + (abstract ? 0 : 1));
  return result;
}

Status Unreachable(absl::string_view path, absl::string_view cause,
                   int error_number) {
  return Status(fault::StatusCode::kUnavailable,
                absl::StrCat("cannot reach faultinit at ", path, ": ", cause),
                error_number);
}

// SendRequest writes all of `request`; a hang-up by the server is not an
// error here (its answer, if any, is still to be read).
Status SendRequest(int fd, absl::string_view path, absl::string_view request) {
  while (!request.empty()) {
    const ssize_t n = send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) return fault::OkStatus();
      return fault::ErrnoToStatus(
          errno, absl::StrCat("unable to send the request to ", path));
    }
    request.remove_prefix(static_cast<size_t>(n));
  }
  // The write side stays open: for `follow`, the server takes end of file
  // from the client as the end of the conversation.
  return fault::OkStatus();
}

}  // namespace

std::string ChooseSocketPath(const std::optional<std::string>& flag,
                             const fault::Invocation::Environment& env) {
  if (flag.has_value()) return *flag;
  auto it = env.find(kSocketVariable);
  if (it != env.end() && !it->second.empty()) return it->second;
  return control::kDefaultSocketPath;
}

StatusOr<Connection> Connection::Connect(absl::string_view path) {
  StatusOr<UnixAddress> address = MakeAddress(path);
  if (!address.ok()) return Unreachable(path, address.status().message(), 0);
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    const int error = errno;
    return Unreachable(path, strerror(error), error);
  }
  for (;;) {
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&address->addr),
                address->length) == 0) {
      break;
    }
    if (errno == EINTR) continue;  // Linux completes AF_UNIX connects
    const int error = errno;
    return Unreachable(path, strerror(error), error);
  }
  return Connection(std::move(fd), std::string(path));
}

Status Connection::Exchange(absl::string_view request,
                            const LineHandler& on_line) {
  FAULT_RETURN_IF_ERROR(SendRequest(fd_.get(), path_, request));
  std::string pending;
  std::string chunk(kReadChunk, '\0');
  for (;;) {
    const ssize_t n = read(fd_.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != ECONNRESET) {
      return fault::ErrnoToStatus(
          errno, absl::StrCat("unable to read the response from ", path_));
    }
    if (n <= 0) break;  // end of file, or a reset after the last bytes
    pending.append(chunk.data(), static_cast<size_t>(n));
    size_t start = 0;
    for (size_t end; (end = pending.find('\n', start)) != std::string::npos;
         start = end + 1) {
      FAULT_RETURN_IF_ERROR(
          on_line(absl::string_view(pending).substr(start, end - start)));
    }
    pending.erase(0, start);
    if (pending.size() > kMaxResponseLine) {
      return fault::ResourceExhaustedError(
          absl::StrCat("response line from ", path_, " is longer than ",
                       kMaxResponseLine, " bytes"));
    }
  }
  if (!pending.empty()) {
    return fault::InternalError(absl::StrCat("the response from ", path_,
                                             " ended in the middle of a line"));
  }
  return fault::OkStatus();
}

Status SendNotification(absl::string_view socket_path,
                        absl::string_view datagram, pid_t as_pid, int pass_fd) {
  StatusOr<UnixAddress> address = MakeAddress(socket_path);
  if (!address.ok()) {
    return fault::InvalidArgumentError(
        absl::StrCat(kNotifyVariable, " \"", socket_path,
                     "\": ", address.status().message()));
  }
  UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to create a socket for ", socket_path));
  }
  iovec iov = {const_cast<char*>(datagram.data()), datagram.size()};
  msghdr msg = {};
  msg.msg_name = &address->addr;
  msg.msg_namelen = address->length;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  // Room for the credentials and one passed descriptor; `control` is
  // filled by set_control for each attempt.
  alignas(cmsghdr) char
      control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int))] = {};
  auto set_control = [&](bool with_credentials) {
    memset(control, 0, sizeof control);
    msg.msg_control = control;
    msg.msg_controllen = (with_credentials ? CMSG_SPACE(sizeof(ucred)) : 0) +
                         (pass_fd >= 0 ? CMSG_SPACE(sizeof(int)) : 0);
    if (msg.msg_controllen == 0) {
      msg.msg_control = nullptr;
      return;
    }
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    if (with_credentials) {
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_CREDENTIALS;
      cmsg->cmsg_len = CMSG_LEN(sizeof(ucred));
      const ucred credentials = {as_pid, getuid(), getgid()};
      memcpy(CMSG_DATA(cmsg), &credentials, sizeof credentials);
      cmsg = CMSG_NXTHDR(&msg, cmsg);
    }
    if (pass_fd >= 0) {
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof pass_fd);
    }
  };
  if (as_pid > 0) {
    set_control(true);
    ssize_t n;
    do {
      n = sendmsg(fd.get(), &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) return fault::OkStatus();
    // Not allowed to speak for another process (or it is gone): send as
    // ourselves, as systemd-notify does.
  }
  set_control(false);
  ssize_t n;
  do {
    n = sendmsg(fd.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to send to notify socket ", socket_path));
  }
  return fault::OkStatus();
}

Status AwaitNotificationBarrier(absl::string_view socket_path, pid_t as_pid,
                                fault::Duration timeout) {
  StatusOr<fault::Pipe> pipe = fault::MakePipe(0);
  if (!pipe.ok()) return pipe.status();
  FAULT_RETURN_IF_ERROR(
      SendNotification(socket_path, "BARRIER=1", as_pid, pipe->write.get()));
  pipe->write.Reset();  // now only the receiver holds the write end
  const fault::Duration deadline = fault::MonotonicNow() + timeout;
  for (;;) {
    const fault::Duration left = deadline - fault::MonotonicNow();
    if (left <= fault::ZeroDuration()) break;
    pollfd wait = {pipe->read.get(), POLLIN, 0};
    const int ready =
        poll(&wait, 1, static_cast<int>(fault::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno != EINTR) {
      return fault::ErrnoToStatus(errno,
                                  "unable to wait for the notify barrier");
    }
    if (ready > 0) {
      char byte;
      const ssize_t n = read(pipe->read.get(), &byte, 1);
      if (n == 0) return fault::OkStatus();  // closed: everything was read
      if (n < 0 && errno != EINTR && errno != EAGAIN) {
        return fault::ErrnoToStatus(errno,
                                    "unable to wait for the notify barrier");
      }
    }
  }
  return fault::DeadlineExceededError(
      absl::StrCat(socket_path, " did not confirm the notification within ",
                   fault::FormatTimeSpan(timeout)));
}

}  // namespace faultinit::faultctl
