// File: init/supervisor/socket_accept.h
//
// What PID 1 reads of a connection it accepted for a socket unit with
// Accept=yes (systemd.socket(5); src/core/socket.c), before it starts the
// connection's service instance:
//
//   - ConnectionInstance: the instance name systemd gives the connection,
//     from the socket's connection counter (0 for its first) and the
//     connection's two ends:
//       AF_INET, and AF_INET6 with both ends IPv4-mapped:
//                  "N-LOCALIP:PORT-REMOTEIP:PORT"
//                  ("3-127.0.0.1:22-10.0.0.2:51000")
//       AF_INET6:  "N-LOCALIP6:PORT-REMOTEIP6:PORT" ("0-::1:22-::1:40000")
//       AF_UNIX:   "N-PEERPID-PEERUID" ("0-4242-0"), or "N-unknown" when the
//                  peer's credentials are not known (another PID namespace)
//     and echo.socket's instance is then echo@INSTANCE.service (each byte
//     a unit name refuses escaped by unit_name.h's InstanceName);
//   - ConnectionSource: what MaxConnectionsPerSource= counts by: the
//     remote IP address, or for AF_UNIX the peer's uid (as systemd since
//     v256); nullopt for another family (not counted);
//   - RemoteVariables: REMOTE_ADDR and REMOTE_PORT for an IP connection,
//     as systemd sets them for the instance's processes.
//
// Loop thread; getsockname(2), getpeername(2), SO_PEERCRED only: nothing
// here waits. Errors: the failing call's.

#ifndef FAULT_INIT_SUPERVISOR_SOCKET_ACCEPT_H_
#define FAULT_INIT_SUPERVISOR_SOCKET_ACCEPT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/status.h"

namespace faultinit {

fault::StatusOr<std::string> ConnectionInstance(int fd, unsigned number);

std::optional<std::string> ConnectionSource(int fd);

std::vector<std::pair<std::string, std::string>> RemoteVariables(int fd);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SOCKET_ACCEPT_H_
