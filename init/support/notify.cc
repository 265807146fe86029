#include "init/support/notify.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <climits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace faultinit {
namespace {

using fault::StatusOr;
using fault::UniqueFd;

// At most this many descriptors are received (and closed) per datagram;
// the kernel discards the rest of an SCM_RIGHTS message itself.
constexpr size_t kMaxPassedFds = 16;

// ParseDecimal reads plain decimal digits up to INT_MAX.
std::optional<int> ParseDecimal(absl::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > INT_MAX) return std::nullopt;
  return static_cast<int>(value);
}

// UnixAddress: a sockaddr_un for `path` ('@' = abstract) and its length.
struct UnixAddress {
  sockaddr_un addr = {};
  socklen_t length = 0;
};

StatusOr<UnixAddress> MakeAddress(absl::string_view path) {
  if (path.empty()) {
    return fault::InvalidArgumentError("empty notify socket path");
  }
  UnixAddress result;
  result.addr.sun_family = AF_UNIX;
  const bool abstract = path[0] == '@';
  // A file path needs room for its NUL; an abstract name for its leading
  // NUL instead of the '@'.
  if (path.size() >= sizeof result.addr.sun_path) {
    return fault::InvalidArgumentError(
        absl::StrCat("notify socket path \"", path, "\" is longer than ",
                     sizeof result.addr.sun_path - 1, " bytes"));
  }
  if (!abstract && path.find('\0') != absl::string_view::npos) {
    return fault::InvalidArgumentError("notify socket path contains NUL");
  }
  memcpy(result.addr.sun_path, path.data(), path.size());
  if (abstract) result.addr.sun_path[0] = '\0';
  result.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                         path.size() + (abstract ? 0 : 1));
  return result;
}

// IsStale reports whether nothing is bound to the socket file at
// `address`: a datagram connect is then refused. Any other outcome (it
// connects, or the socket is of another type) means the socket is in use.
fault::StatusOr<bool> IsStale(const std::string& path,
                              const UnixAddress& address) {
  UniqueFd probe(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to probe notify socket ", path));
  }
  if (connect(probe.get(), reinterpret_cast<const sockaddr*>(&address.addr),
              address.length) == 0) {
    return false;
  }
  return errno == ECONNREFUSED || errno == ENOENT;
}

// RemoveStale removes a socket file nobody is bound to at `path`. Anything
// else at the path is an error and left in place.
fault::Status RemoveStale(const std::string& path, const UnixAddress& address) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return fault::OkStatus();
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to inspect notify socket ", path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return fault::Status(fault::StatusCode::kAlreadyExists,
                         absl::StrCat("unable to bind notify socket ", path,
                                      ": the path exists and is not a socket"));
  }
  FAULT_ASSIGN_OR_RETURN(const bool stale, IsStale(path, address));
  if (!stale) {
    return fault::Status(fault::StatusCode::kAlreadyExists,
                         absl::StrCat("unable to bind notify socket ", path,
                                      ": another process is bound to it"));
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to remove stale notify socket ", path));
  }
  return fault::OkStatus();
}

// TakePassedFds moves the descriptors of one SCM_RIGHTS control message
// into `fds`, which then owns (and closes) them.
void TakePassedFds(const cmsghdr* cmsg, std::vector<fault::UniqueFd>* fds) {
  const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
  const unsigned char* data = CMSG_DATA(cmsg);
  for (size_t i = 0; i < count; ++i) {
    int fd;
    memcpy(&fd, data + i * sizeof(int), sizeof fd);
    fds->emplace_back(fd);
  }
}

}  // namespace

NotifyMessage ParseNotifyMessage(absl::string_view datagram) {
  NotifyMessage message;
  for (absl::string_view line : absl::StrSplit(datagram, '\n')) {
    const size_t equals = line.find('=');
    if (equals == absl::string_view::npos || equals == 0) continue;
    const absl::string_view key = line.substr(0, equals);
    const absl::string_view value = line.substr(equals + 1);
    if (key == "READY") {
      if (value == "1") message.ready = true;
    } else if (key == "STOPPING") {
      if (value == "1") message.stopping = true;
    } else if (key == "RELOADING") {
      if (value == "1") message.reloading = true;
    } else if (key == "STATUS") {
      message.status = std::string(value);
    } else if (key == "MAINPID") {
      std::optional<int> pid = ParseDecimal(value);
      if (pid && *pid > 0) message.main_pid = static_cast<pid_t>(*pid);
    } else if (key == "ERRNO") {
      std::optional<int> number = ParseDecimal(value);
      if (number) message.errno_value = *number;
    }
  }
  return message;
}

StatusOr<NotifySocket> NotifySocket::Open(absl::string_view path) {
  FAULT_ASSIGN_OR_RETURN(const UnixAddress address, MakeAddress(path));
  const std::string name(path);
  const bool abstract = name[0] == '@';
  UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to create notify socket ", name));
  }
  const int on = 1;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to enable SO_PASSCRED on ", name));
  }
  if (!abstract) FAULT_RETURN_IF_ERROR(RemoveStale(name, address));
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.addr),
           address.length) != 0) {
    return fault::ErrnoToStatus(
        errno, absl::StrCat("unable to bind notify socket ", name));
  }
  NotifySocket result(std::move(fd), name);
  if (!abstract) {
    struct stat st;
    if (chmod(name.c_str(), 0666) != 0 || stat(name.c_str(), &st) != 0) {
      const int error = errno;
      (void)unlink(name.c_str());
      return fault::ErrnoToStatus(
          error,
          absl::StrCat("unable to set the mode of notify socket ", name));
    }
    result.dev_ = st.st_dev;
    result.ino_ = st.st_ino;
  }
  return result;
}

NotifySocket::NotifySocket(UniqueFd fd, std::string path)
    : fd_(std::move(fd)), path_(std::move(path)) {}

NotifySocket::NotifySocket(NotifySocket&& other) noexcept
    : fd_(std::move(other.fd_)),
      path_(std::move(other.path_)),
      dev_(std::exchange(other.dev_, 0)),
      ino_(std::exchange(other.ino_, 0)),
      dropped_(other.dropped_) {}

NotifySocket& NotifySocket::operator=(NotifySocket&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::move(other.fd_);
    path_ = std::move(other.path_);
    dev_ = std::exchange(other.dev_, 0);
    ino_ = std::exchange(other.ino_, 0);
    dropped_ = other.dropped_;
  }
  return *this;
}

NotifySocket::~NotifySocket() { Close(); }

void NotifySocket::Close() {
  if (!fd_.valid()) return;
  if (ino_ != 0) {
    struct stat st;
    if (lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
        st.st_dev == dev_ && st.st_ino == ino_) {
      (void)unlink(path_.c_str());
    }
    dev_ = 0;
    ino_ = 0;
  }
  fd_.Reset();
}

std::vector<NotifySocket::Received> NotifySocket::ReadAll(
    size_t max_datagrams) {
  std::vector<Received> received;
  char buffer[kMaxNotifyDatagram];
  union {
    cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(ucred)) +
               CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
  } control;
  size_t held = 0;
  for (size_t taken = 0;
       taken < max_datagrams && held < kMaxHeldFds && fd_.valid();) {
    iovec iov = {buffer, sizeof buffer};
    msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    // MSG_TRUNC: the return value is the datagram's real length.
    const ssize_t n =
        recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: nothing left; anything else: try next readiness
    }
    ++taken;
    Received one;
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr;
         cmsg = CMSG_NXTHDR(&msg, cmsg)) {
      if (cmsg->cmsg_level != SOL_SOCKET) continue;
      if (cmsg->cmsg_type == SCM_RIGHTS) {
        TakePassedFds(cmsg, &one.passed_fds);
      } else if (cmsg->cmsg_type == SCM_CREDENTIALS &&
                 cmsg->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
        ucred credentials;
        memcpy(&credentials, CMSG_DATA(cmsg), sizeof credentials);
        one.pid = credentials.pid;
        one.uid = credentials.uid;
        one.gid = credentials.gid;
      }
    }
    if ((msg.msg_flags & MSG_TRUNC) != 0 ||
        static_cast<size_t>(n) > sizeof buffer) {
      ++dropped_;
      continue;
    }
    one.message =
        ParseNotifyMessage(absl::string_view(buffer, static_cast<size_t>(n)));
    held += one.passed_fds.size();
    received.push_back(std::move(one));
  }
  return received;
}

}  // namespace faultinit
