#include "init/system/socket_address.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/system/exec_command.h"

namespace faultinit {
namespace {

fault::Status Invalid(absl::string_view value, absl::string_view why) {
  return fault::InvalidArgumentError(
      absl::StrCat("invalid address ", QuoteText(value), ": ", why));
}

bool ParsePort(absl::string_view text, uint16_t* port) {
  uint32_t value = 0;
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(text, &value) || value == 0 || value > 65535) {
    return false;
  }
  *port = static_cast<uint16_t>(value);
  return true;
}

// The netlink families systemd's socket_address_parse_netlink knows that
// a service is likely to want.
struct NetlinkFamily {
  absl::string_view name;
  int protocol;
};
constexpr NetlinkFamily kNetlinkFamilies[] = {
    {"route", NETLINK_ROUTE},
    {"firewall", 3},
    {"inet-diag", NETLINK_INET_DIAG},
    {"nflog", NETLINK_NFLOG},
    {"xfrm", NETLINK_XFRM},
    {"selinux", NETLINK_SELINUX},
    {"iscsi", NETLINK_ISCSI},
    {"audit", NETLINK_AUDIT},
    {"fib-lookup", NETLINK_FIB_LOOKUP},
    {"connector", NETLINK_CONNECTOR},
    {"netfilter", NETLINK_NETFILTER},
    {"ip6-fw", NETLINK_IP6_FW},
    {"dnrtmsg", NETLINK_DNRTMSG},
    {"kobject-uevent", NETLINK_KOBJECT_UEVENT},
    {"generic", NETLINK_GENERIC},
    {"scsitransport", NETLINK_SCSITRANSPORT},
    {"ecryptfs", NETLINK_ECRYPTFS},
    {"rdma", NETLINK_RDMA},
};

}  // namespace

int SocketAddress::socket_type() const {
  switch (kind) {
    case ListenKind::kStream:
      return SOCK_STREAM;
    case ListenKind::kDatagram:
      return SOCK_DGRAM;
    case ListenKind::kSequentialPacket:
      return SOCK_SEQPACKET;
    case ListenKind::kNetlink:
      return SOCK_RAW;
    case ListenKind::kFifo:
      break;
  }
  return 0;
}

fault::StatusOr<SocketAddress> ParseSocketAddress(ListenKind kind,
                                                  absl::string_view value) {
  SocketAddress a;
  a.kind = kind;
  a.text = std::string(value);
  if (value.empty()) return Invalid(value, "empty");
  constexpr size_t kMaxPath = sizeof(sockaddr_un::sun_path) - 1;
  if (kind == ListenKind::kFifo) {
    if (value[0] != '/') return Invalid(value, "a FIFO needs an absolute path");
    if (value.find('\0') != absl::string_view::npos) {
      return Invalid(value, "a NUL byte in the path");
    }
    a.path = std::string(value);
    return a;
  }
  if (kind == ListenKind::kNetlink) {
    std::vector<absl::string_view> words =
        absl::StrSplit(value, ' ', absl::SkipEmpty());
    if (words.empty() || words.size() > 2) {
      return Invalid(value, "expected FAMILY [GROUP]");
    }
    const NetlinkFamily* found = nullptr;
    for (const NetlinkFamily& f : kNetlinkFamilies) {
      if (f.name == words[0]) found = &f;
    }
    if (found == nullptr) return Invalid(value, "unknown netlink family");
    if (words.size() == 2 && !absl::SimpleAtoi(words[1], &a.netlink_group)) {
      return Invalid(value, "the group is not a number");
    }
    a.family = AF_NETLINK;
    a.path = std::string(found->name);
    a.netlink_protocol = found->protocol;
    return a;
  }
  if (value[0] == '/' || value[0] == '@') {
    if (value.size() > kMaxPath) {
      return Invalid(value, absl::StrCat("longer than ", kMaxPath,
                                         " bytes (sockaddr_un)"));
    }
    if (value.find('\0') != absl::string_view::npos) {
      return Invalid(value, "a NUL byte in the path");
    }
    a.family = AF_UNIX;
    a.path = std::string(value);
    return a;
  }
  if (ParsePort(value, &a.port)) {
    a.family = AF_INET6;
    a.any_family = true;
    return a;
  }
  if (value[0] == '[') {
    size_t close = value.find("]:");
    if (close == absl::string_view::npos) {
      return Invalid(value, "expected [IPv6]:PORT");
    }
    std::string host(value.substr(1, close - 1));
    in6_addr address;
    if (inet_pton(AF_INET6, host.c_str(), &address) != 1) {
      return Invalid(value, "not an IPv6 address");
    }
    if (!ParsePort(value.substr(close + 2), &a.port)) {
      return Invalid(value, "invalid port");
    }
    a.family = AF_INET6;
    a.path = std::move(host);
    return a;
  }
  size_t colon = value.rfind(':');
  if (colon == absl::string_view::npos) {
    return Invalid(value,
                   "expected /PATH, @NAME, PORT, ADDRESS:PORT or [IPv6]:PORT");
  }
  std::string host(value.substr(0, colon));
  in_addr address;
  if (inet_pton(AF_INET, host.c_str(), &address) != 1) {
    return Invalid(value, "not an IPv4 address (a host name is not resolved)");
  }
  if (!ParsePort(value.substr(colon + 1), &a.port)) {
    return Invalid(value, "invalid port");
  }
  a.family = AF_INET;
  a.path = std::move(host);
  return a;
}

}  // namespace faultinit
