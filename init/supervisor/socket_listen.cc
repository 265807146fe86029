#include "init/supervisor/socket_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>

#include "absl/strings/str_cat.h"

namespace faultinit {
namespace {

fault::Status Failed(const SocketAddress& address, absl::string_view call,
                     int error) {
  return fault::Status(
      fault::StatusCode::kUnavailable,
      absl::StrCat(address.text, ": ", call, ": ", strerror(error)), error);
}

fault::Status Own(const SocketAddress& address, const std::string& path,
                  mode_t mode, const SocketOwner& owner) {
  if (chmod(path.c_str(), mode) != 0) return Failed(address, "chmod", errno);
  if ((owner.uid || owner.gid) &&
      lchown(path.c_str(), owner.uid ? *owner.uid : static_cast<uid_t>(-1),
             owner.gid ? *owner.gid : static_cast<gid_t>(-1)) != 0) {
    return Failed(address, "chown", errno);
  }
  return fault::OkStatus();
}

fault::StatusOr<fault::UniqueFd> OpenFifo(const SocketAddress& address,
                                          const SocketSettings& settings,
                                          const SocketOwner& owner) {
  const std::string& path = address.path;
  MakeParents(path, settings.directory_mode);
  if (mkfifo(path.c_str(), settings.socket_mode) != 0 && errno != EEXIST) {
    return Failed(address, "mkfifo", errno);
  }
  fault::UniqueFd fd(
      open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW));
  if (!fd.valid()) return Failed(address, "open", errno);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Failed(address, "fstat", errno);
  if (!S_ISFIFO(st.st_mode)) {
    return fault::Status(fault::StatusCode::kFailedPrecondition,
                         absl::StrCat(address.text,
                                      ": exists and is not a FIFO; not "
                                      "touched"));
  }
  FAULT_RETURN_IF_ERROR(Own(address, path, settings.socket_mode, owner));
  return fd;
}

}  // namespace

void MakeParents(const std::string& path, mode_t mode) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string dir = path.substr(0, slash);
    (void)mkdir(dir.c_str(), mode);  // an error shows at bind or open
  }
}

fault::StatusOr<fault::UniqueFd> OpenListening(const SocketAddress& address,
                                               const SocketSettings& settings,
                                               const SocketOwner& owner) {
  if (address.kind == ListenKind::kFifo) {
    return OpenFifo(address, settings, owner);
  }
  const int type = address.socket_type() | SOCK_CLOEXEC | SOCK_NONBLOCK;
  int family = address.family;
  fault::UniqueFd fd(socket(family, type, address.netlink_protocol));
  if (!fd.valid() && address.any_family && errno == EAFNOSUPPORT) {
    family = AF_INET;
    fd = fault::UniqueFd(socket(family, type, 0));
  }
  if (!fd.valid()) return Failed(address, "socket", errno);
  const int one = 1;
  const int zero = 0;
  if (settings.reuse_port &&
      setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    return Failed(address, "SO_REUSEPORT", errno);
  }
  if (settings.pass_credentials &&
      (family == AF_UNIX || family == AF_NETLINK) &&
      setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
    return Failed(address, "SO_PASSCRED", errno);
  }
  struct sockaddr_storage storage = {};
  socklen_t length = 0;
  bool file = false;
  if (family == AF_UNIX) {
    auto* un = reinterpret_cast<sockaddr_un*>(&storage);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, address.path.data(), address.path.size());
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                    address.path.size());
    if (address.path[0] == '@') {
      un->sun_path[0] = '\0';
    } else {
      length += 1;  // the NUL
      file = true;
      MakeParents(address.path, settings.directory_mode);
      struct stat st;
      if (lstat(address.path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
          return fault::Status(fault::StatusCode::kFailedPrecondition,
                               absl::StrCat(address.text,
                                            ": exists and is not a socket; "
                                            "not touched"));
        }
        (void)unlink(address.path.c_str());  // stale
      }
    }
  } else if (family == AF_NETLINK) {
    auto* nl = reinterpret_cast<sockaddr_nl*>(&storage);
    nl->nl_family = AF_NETLINK;
    nl->nl_groups = address.netlink_group;
    length = sizeof *nl;
  } else if (family == AF_INET6) {
    (void)setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (address.any_family) {
      (void)setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(address.port);
    in6->sin6_addr = in6addr_any;
    if (!address.path.empty()) {
      (void)inet_pton(AF_INET6, address.path.c_str(), &in6->sin6_addr);
    }
    length = sizeof *in6;
  } else {
    (void)setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(address.port);
    in->sin_addr.s_addr = htonl(INADDR_ANY);
    if (!address.path.empty()) {
      (void)inet_pton(AF_INET, address.path.c_str(), &in->sin_addr);
    }
    length = sizeof *in;
  }
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    return Failed(address, "bind", errno);
  }
  if (file) {
    FAULT_RETURN_IF_ERROR(
        Own(address, address.path, settings.socket_mode, owner));
  }
  if ((address.kind == ListenKind::kStream ||
       address.kind == ListenKind::kSequentialPacket) &&
      listen(fd.get(), settings.backlog) != 0) {
    return Failed(address, "listen", errno);
  }
  return fd;
}

}  // namespace faultinit
