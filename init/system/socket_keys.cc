#include "init/system/socket_keys.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "init/system/account_name.h"
#include "init/system/exec_command.h"
#include "init/system/unit_conditions.h"
#include "init/system/unit_key_values.h"
#include "init/system/unit_name.h"

namespace faultinit {
namespace {

using fault::InvalidArgumentError;
using fault::OkStatus;
using fault::Status;

SocketSettings& Settings(UnitKeyContext& context) {
  if (context.unit.socket == nullptr) {
    context.unit.socket = std::make_shared<SocketSettings>();
  }
  return *context.unit.socket;
}

Status Listen(UnitKeyContext& context, absl::string_view key,
              absl::string_view value, ListenKind kind) {
  SocketSettings& s = Settings(context);
  if (value.empty()) {
    s.listen.clear();
    return OkStatus();
  }
  fault::StatusOr<SocketAddress> address = ParseSocketAddress(kind, value);
  if (!address.ok()) return KeyError(key, address.status().message());
  s.listen.push_back(std::move(*address));
  return OkStatus();
}

Status ListenStream(UnitKeyContext& c, absl::string_view k,
                    absl::string_view v) {
  return Listen(c, k, v, ListenKind::kStream);
}
Status ListenDatagram(UnitKeyContext& c, absl::string_view k,
                      absl::string_view v) {
  return Listen(c, k, v, ListenKind::kDatagram);
}
Status ListenSequentialPacket(UnitKeyContext& c, absl::string_view k,
                              absl::string_view v) {
  return Listen(c, k, v, ListenKind::kSequentialPacket);
}
Status ListenFifo(UnitKeyContext& c, absl::string_view k, absl::string_view v) {
  return Listen(c, k, v, ListenKind::kFifo);
}
Status ListenNetlink(UnitKeyContext& c, absl::string_view k,
                     absl::string_view v) {
  return Listen(c, k, v, ListenKind::kNetlink);
}

Status Accept(UnitKeyContext& c, absl::string_view k, absl::string_view v) {
  return ParseBooleanKey(k, v, false, &Settings(c).accept);
}

// MaxConnections= (at least 1) and MaxConnectionsPerSource= (0: no limit).
Status Count(absl::string_view key, absl::string_view value, unsigned fallback,
             unsigned minimum, unsigned* out) {
  if (value.empty()) {
    *out = fallback;
    return OkStatus();
  }
  unsigned n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < minimum) {
    return KeyError(key, absl::StrCat("invalid number ", QuoteText(value),
                                      minimum == 0 ? "" : ": at least 1"));
  }
  *out = n;
  return OkStatus();
}

Status MaxConnections(UnitKeyContext& c, absl::string_view k,
                      absl::string_view v) {
  return Count(k, v, kDefaultMaxConnections, 1, &Settings(c).max_connections);
}
Status MaxConnectionsPerSource(UnitKeyContext& c, absl::string_view k,
                               absl::string_view v) {
  return Count(k, v, 0, 0, &Settings(c).max_connections_per_source);
}

Status Account(UnitKeyContext& c, absl::string_view k, absl::string_view v,
               std::string SocketSettings::*field) {
  SocketSettings& s = Settings(c);
  if (!v.empty()) {
    if (std::string why = AccountNameProblem(v); !why.empty()) {
      return KeyError(k,
                      absl::StrCat("invalid name ", QuoteText(v), ": ", why));
    }
  }
  s.*field = std::string(v);
  return OkStatus();
}

Status SocketUser(UnitKeyContext& c, absl::string_view k, absl::string_view v) {
  return Account(c, k, v, &SocketSettings::user);
}
Status SocketGroup(UnitKeyContext& c, absl::string_view k,
                   absl::string_view v) {
  return Account(c, k, v, &SocketSettings::group);
}

Status SocketMode(UnitKeyContext& c, absl::string_view k, absl::string_view v) {
  return ParseModeKey(k, v, 0666, "0660", &Settings(c).socket_mode);
}
Status DirectoryMode(UnitKeyContext& c, absl::string_view k,
                     absl::string_view v) {
  return ParseModeKey(k, v, 0755, "0660", &Settings(c).directory_mode);
}

Status ServiceKey(UnitKeyContext& c, absl::string_view k, absl::string_view v) {
  SocketSettings& s = Settings(c);
  if (v.empty()) {
    s.service.clear();
    return OkStatus();
  }
  constexpr absl::string_view kSuffix = ".service";
  std::string name = NormalizeUnitName(v);
  if (!absl::EndsWith(v, kSuffix) || name.empty() ||
      absl::EndsWith(name, "@")) {
    return KeyError(k, absl::StrCat("invalid service name ", QuoteText(v),
                                    ": expected NAME.service"));
  }
  s.service = std::move(name);
  return OkStatus();
}

Status FileDescriptorName(UnitKeyContext& c, absl::string_view k,
                          absl::string_view v) {
  // systemd's fdname_is_valid: at most 255 printable ASCII bytes, no ':'.
  bool valid = v.size() <= 255;
  for (char ch : v) {
    valid = valid && ch > ' ' && ch < 0x7f && ch != ':';
  }
  if (!valid) {
    return KeyError(k, absl::StrCat("invalid name ", QuoteText(v),
                                    ": at most 255 printable characters, "
                                    "no ':' or space"));
  }
  Settings(c).fd_name = std::string(v);
  return OkStatus();
}

Status Symlinks(UnitKeyContext& c, absl::string_view k, absl::string_view v) {
  SocketSettings& s = Settings(c);
  if (v.empty()) {
    s.symlinks.clear();
    return OkStatus();
  }
  std::vector<std::string> paths;
  for (absl::string_view path : absl::StrSplit(v, ' ', absl::SkipEmpty())) {
    if (path[0] != '/') {
      return KeyError(k,
                      absl::StrCat("not an absolute path: ", QuoteText(path)));
    }
    paths.emplace_back(path);
  }
  s.symlinks.insert(s.symlinks.end(), paths.begin(), paths.end());
  return OkStatus();
}

Status Backlog(UnitKeyContext& c, absl::string_view k, absl::string_view v) {
  SocketSettings& s = Settings(c);
  if (v.empty()) {
    s.backlog = SOMAXCONN;
    return OkStatus();
  }
  unsigned backlog = 0;
  if (!absl::SimpleAtoi(v, &backlog) || backlog > 0x7fffffff) {
    return KeyError(k, absl::StrCat("invalid number ", QuoteText(v)));
  }
  s.backlog = static_cast<int>(backlog);
  return OkStatus();
}

Status RemoveOnStop(UnitKeyContext& c, absl::string_view k,
                    absl::string_view v) {
  return ParseBooleanKey(k, v, false, &Settings(c).remove_on_stop);
}
Status PassCredentials(UnitKeyContext& c, absl::string_view k,
                       absl::string_view v) {
  return ParseBooleanKey(k, v, false, &Settings(c).pass_credentials);
}
Status ReusePort(UnitKeyContext& c, absl::string_view k, absl::string_view v) {
  return ParseBooleanKey(k, v, false, &Settings(c).reuse_port);
}

constexpr UnitKey kSocketKeys[] = {
    {UnitSection::kSocket, "ListenStream", &ListenStream},
    {UnitSection::kSocket, "ListenDatagram", &ListenDatagram},
    {UnitSection::kSocket, "ListenSequentialPacket", &ListenSequentialPacket},
    {UnitSection::kSocket, "ListenFIFO", &ListenFifo},
    {UnitSection::kSocket, "ListenNetlink", &ListenNetlink},
    {UnitSection::kSocket, "Accept", &Accept},
    {UnitSection::kSocket, "MaxConnections", &MaxConnections},
    {UnitSection::kSocket, "MaxConnectionsPerSource", &MaxConnectionsPerSource},
    {UnitSection::kSocket, "SocketUser", &SocketUser},
    {UnitSection::kSocket, "SocketGroup", &SocketGroup},
    {UnitSection::kSocket, "SocketMode", &SocketMode},
    {UnitSection::kSocket, "DirectoryMode", &DirectoryMode},
    {UnitSection::kSocket, "Service", &ServiceKey},
    {UnitSection::kSocket, "FileDescriptorName", &FileDescriptorName},
    {UnitSection::kSocket, "RemoveOnStop", &RemoveOnStop},
    {UnitSection::kSocket, "Symlinks", &Symlinks},
    {UnitSection::kSocket, "Backlog", &Backlog},
    {UnitSection::kSocket, "PassCredentials", &PassCredentials},
    {UnitSection::kSocket, "ReusePort", &ReusePort},
};

}  // namespace

UnitKeyTable SocketKeys() { return kSocketKeys; }

std::string SocketServiceName(const Unit& socket_unit) {
  if (socket_unit.socket != nullptr && !socket_unit.socket->service.empty()) {
    return socket_unit.socket->service;
  }
  absl::string_view name = socket_unit.name;
  absl::ConsumeSuffix(&name, ".socket");
  return std::string(name);
}

std::string SocketFdName(const Unit& socket_unit) {
  if (socket_unit.socket != nullptr && !socket_unit.socket->fd_name.empty()) {
    return socket_unit.socket->fd_name;
  }
  return socket_unit.name;
}

std::string SocketUnitProblem(const Unit& socket_unit) {
  if (socket_unit.socket == nullptr || socket_unit.socket->listen.empty()) {
    return "missing Listen*=: a socket unit needs ListenStream=, "
           "ListenDatagram=, ListenSequentialPacket=, ListenFIFO= or "
           "ListenNetlink=";
  }
  const SocketSettings& s = *socket_unit.socket;
  if (!s.accept) return "";
  // systemd's socket_verify refuses both.
  if (!s.service.empty()) {
    return "Service= with Accept=yes: each connection gets an instance of "
           "the socket's own template (NAME@.service), not a named service";
  }
  for (const SocketAddress& a : s.listen) {
    if (!AcceptsConnections(a)) {
      return absl::StrCat("Accept=yes on ", QuoteText(a.text),
                          ", which takes no connections: only "
                          "ListenStream= and ListenSequentialPacket= "
                          "sockets (not AF_NETLINK) can accept");
    }
  }
  return "";
}

bool AcceptsConnections(const SocketAddress& address) {
  return (address.kind == ListenKind::kStream ||
          address.kind == ListenKind::kSequentialPacket) &&
         address.family != AF_NETLINK;
}

std::string AcceptTemplateName(const Unit& socket_unit) {
  return absl::StrCat(UnitPrefixOf(socket_unit.name), "@.service");
}

}  // namespace faultinit
