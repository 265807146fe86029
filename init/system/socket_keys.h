// File: init/system/socket_keys.h
//
// The [Socket] section of a `NAME.socket` unit (systemd.socket(5)), as a
// UnitKey table for unit.cc's Parser, into Unit::socket (made by the first
// [Socket] key; a .socket file is parsed by the same Parser as a service,
// without the service checks). Each key with systemd's meaning and default:
//
//   ListenStream=, ListenDatagram=, ListenSequentialPacket=, ListenFIFO=,
//   ListenNetlink=     where to listen (socket_address.h), each assignment
//                      one more; an empty one resets the list
//   Accept=            no (the default): the service gets the listening
//                      sockets; yes: PID 1 accepts each connection and
//                      starts an instance of the template NAME@.service
//                      with it (socket_accept.h); then every Listen*=
//                      must accept connections and Service= is an error
//   MaxConnections=    Accept=yes: the most instances at once, default 64
//   MaxConnectionsPerSource=
//                      Accept=yes: the most at once from one IP address
//                      (AF_UNIX: one uid), default 0: no limit
//   SocketUser=, SocketGroup=
//                      the owner of the socket files and FIFOs
//   SocketMode=        their mode, default 0666
//   DirectoryMode=     the mode of parent directories made, default 0755
//   Service=           the service activated (NAME.service), default the
//                      socket's own name with .service
//   FileDescriptorName= the name in LISTEN_FDNAMES, default the socket
//                      unit's name (NAME.socket)
//   RemoveOnStop=      remove the socket files, FIFOs and Symlinks= when
//                      the socket stops (faultinit: at shutdown), default no
//   Symlinks=          absolute paths made symbolic links to the one file
//                      socket or FIFO (an error at start when there is not
//                      exactly one); an empty assignment resets
//   Backlog=           listen(2)'s backlog, default SOMAXCONN
//   PassCredentials=   SO_PASSCRED, default no
//   ReusePort=         SO_REUSEPORT, default no
//
// Other [Socket] keys are warned about by the Parser as unknown (ignored).
// Pure.

#ifndef FAULT_INIT_SYSTEM_SOCKET_KEYS_H_
#define FAULT_INIT_SYSTEM_SOCKET_KEYS_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "init/system/socket_address.h"
#include "init/system/unit_keys.h"

namespace faultinit {

// systemd's default MaxConnections=.
inline constexpr unsigned kDefaultMaxConnections = 64;

// SocketSettings: a socket unit's [Socket] keys.
struct SocketSettings {
  std::vector<SocketAddress> listen;  // in file order
  std::string user;                   // SocketUser=; empty: root
  std::string group;                  // SocketGroup=; empty: root's
  mode_t socket_mode = 0666;
  mode_t directory_mode = 0755;
  std::string service;  // Service=, without ".service"; empty: the default
  std::string fd_name;  // FileDescriptorName=; empty: the unit's name
  std::vector<std::string> symlinks;
  int backlog = SOMAXCONN;
  bool remove_on_stop = false;
  bool pass_credentials = false;
  bool reuse_port = false;
  bool accept = false;
  unsigned max_connections = kDefaultMaxConnections;
  unsigned max_connections_per_source = 0;  // 0: no limit
};

UnitKeyTable SocketKeys();

// SocketServiceName: the service `socket_unit` (its name with ".socket",
// e.g. "dbus.socket") activates, without ".service": Service= or the
// socket's name.
std::string SocketServiceName(const Unit& socket_unit);
// SocketFdName: FileDescriptorName=, or the unit's name.
std::string SocketFdName(const Unit& socket_unit);
// SocketUnitProblem: why a parsed .socket unit cannot listen (no Listen*=
// key; with Accept=yes, a Service= or a socket that takes no connections,
// as systemd refuses them), or empty. The Parser's whole-unit check for
// socket units.
std::string SocketUnitProblem(const Unit& socket_unit);
// AcceptsConnections: whether Accept=yes can accept on `address` (a
// stream or sequential-packet socket).
bool AcceptsConnections(const SocketAddress& address);
// AcceptTemplateName: the template an Accept=yes socket instantiates: its
// name's prefix with "@.service" ("echo.socket" -> "echo@.service").
std::string AcceptTemplateName(const Unit& socket_unit);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_SOCKET_KEYS_H_
