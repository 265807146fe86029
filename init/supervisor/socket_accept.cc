#include "init/supervisor/socket_accept.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "absl/strings/str_cat.h"

namespace faultinit {
namespace {

union Address {
  sockaddr sa;
  sockaddr_in in;
  sockaddr_in6 in6;
  sockaddr_un un;
  sockaddr_storage storage;
};

fault::Status Failed(absl::string_view call, int error) {
  return fault::Status(fault::StatusCode::kUnavailable,
                       absl::StrCat(call, ": ", strerror(error)), error);
}

fault::Status Ends(int fd, Address* local, Address* remote) {
  socklen_t length = sizeof *local;
  if (getsockname(fd, &local->sa, &length) != 0) {
    return Failed("getsockname", errno);
  }
  length = sizeof *remote;
  if (getpeername(fd, &remote->sa, &length) != 0) {
    return Failed("getpeername", errno);
  }
  return fault::OkStatus();
}

bool Ipv4Mapped(const in6_addr& a) {
  static const unsigned char kPrefix[12] = {0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff};
  return memcmp(a.s6_addr, kPrefix, sizeof kPrefix) == 0;
}

std::string Ipv4Text(const unsigned char* bytes) {
  return absl::StrCat(bytes[0], ".", bytes[1], ".", bytes[2], ".", bytes[3]);
}

std::string Ipv6Text(const in6_addr& a) {
  char text[INET6_ADDRSTRLEN] = {};
  (void)inet_ntop(AF_INET6, &a, text, sizeof text);
  return text;
}

// The address of one end as the instance name and REMOTE_ADDR write it;
// `mapped`: an IPv4-mapped IPv6 address is written as IPv4.
std::string AddressText(const Address& a, bool mapped) {
  if (a.sa.sa_family == AF_INET) {
    return Ipv4Text(reinterpret_cast<const unsigned char*>(&a.in.sin_addr));
  }
  if (mapped) return Ipv4Text(a.in6.sin6_addr.s6_addr + 12);
  return Ipv6Text(a.in6.sin6_addr);
}

unsigned Port(const Address& a) {
  return ntohs(a.sa.sa_family == AF_INET ? a.in.sin_port : a.in6.sin6_port);
}

}  // namespace

fault::StatusOr<std::string> ConnectionInstance(int fd, unsigned number) {
  Address local = {}, remote = {};
  FAULT_RETURN_IF_ERROR(Ends(fd, &local, &remote));
  switch (local.sa.sa_family) {
    case AF_INET:
    case AF_INET6: {
      const bool mapped = local.sa.sa_family == AF_INET6 &&
                          Ipv4Mapped(local.in6.sin6_addr) &&
                          Ipv4Mapped(remote.in6.sin6_addr);
      return absl::StrCat(number, "-", AddressText(local, mapped), ":",
                          Port(local), "-", AddressText(remote, mapped), ":",
                          Port(remote));
    }
    case AF_UNIX: {
      struct ucred peer = {};
      socklen_t length = sizeof peer;
      if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) {
        return Failed("SO_PEERCRED", errno);
      }
      // A peer in a PID namespace that cannot see it reads as pid 0.
      if (peer.pid <= 0) return absl::StrCat(number, "-unknown");
      return absl::StrCat(number, "-", peer.pid, "-", peer.uid);
    }
    default:
      return fault::Status(
          fault::StatusCode::kInvalidArgument,
          absl::StrCat("a connection of address family ", local.sa.sa_family,
                       ", which Accept=yes does not name"));
  }
}

std::optional<std::string> ConnectionSource(int fd) {
  Address remote = {};
  socklen_t length = sizeof remote;
  if (getpeername(fd, &remote.sa, &length) != 0) return std::nullopt;
  switch (remote.sa.sa_family) {
    case AF_INET:
    case AF_INET6:
      return AddressText(remote, false);
    case AF_UNIX: {
      struct ucred peer = {};
      length = sizeof peer;
      if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) {
        return std::nullopt;
      }
      return absl::StrCat("uid ", peer.uid);
    }
    default:
      return std::nullopt;
  }
}

std::vector<std::pair<std::string, std::string>> RemoteVariables(int fd) {
  Address remote = {};
  socklen_t length = sizeof remote;
  if (getpeername(fd, &remote.sa, &length) != 0 ||
      (remote.sa.sa_family != AF_INET && remote.sa.sa_family != AF_INET6)) {
    return {};
  }
  const bool mapped =
      remote.sa.sa_family == AF_INET6 && Ipv4Mapped(remote.in6.sin6_addr);
  return {{"REMOTE_ADDR", AddressText(remote, mapped)},
          {"REMOTE_PORT", absl::StrCat(Port(remote))}};
}

}  // namespace faultinit
