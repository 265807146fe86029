// File: init/system/socket_address.h
//
// SocketAddress: where a `.socket` unit listens (systemd.socket(5)), parsed
// from the value of a Listen*= key. Pure, no system call:
//
//   ListenStream=, ListenDatagram=, ListenSequentialPacket=
//     /path          an AF_UNIX socket in the file system
//     @name          an AF_UNIX socket in the abstract namespace
//     PORT           every address, IPv6 and IPv4 (one dual-stack socket
//                    on [::] where the kernel has IPv6, else 0.0.0.0)
//     A.B.C.D:PORT   that IPv4 address
//     [IPv6]:PORT    that IPv6 address (a zone, %IFACE, is not supported)
//   ListenFIFO=      /path of a FIFO
//   ListenNetlink=   FAMILY [GROUP]: "route", "kobject-uevent", "audit"...
//
// Thread-compatible; allocates. Errors: kInvalidArgument naming the value.

#ifndef FAULT_INIT_SYSTEM_SOCKET_ADDRESS_H_
#define FAULT_INIT_SYSTEM_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <string>

#include "absl/strings/string_view.h"
#include "runtime/status.h"

namespace faultinit {

// ListenKind: which Listen*= key named the address.
enum class ListenKind : uint8_t {
  kStream,
  kDatagram,
  kSequentialPacket,
  kFifo,
  kNetlink,
};

struct SocketAddress {
  ListenKind kind = ListenKind::kStream;
  // AF_UNIX, AF_INET, AF_INET6 or AF_NETLINK; for kFifo, AF_UNSPEC.
  // A PORT alone is AF_INET6 with `any_family`: AF_INET where the kernel
  // has no IPv6.
  int family = AF_UNSPEC;
  bool any_family = false;
  // AF_UNIX and kFifo: the path ("@name": abstract, a NUL first when
  // bound); AF_INET/AF_INET6: the address text ("" for any); AF_NETLINK:
  // the family's name.
  std::string path;
  uint16_t port = 0;
  int netlink_protocol = 0;  // AF_NETLINK: NETLINK_*
  unsigned netlink_group = 0;
  std::string text;  // as written, for messages and `faultctl status`

  // Whether this names a file (a socket or FIFO path) that faultinit
  // creates, so SocketMode=, SocketUser=, RemoveOnStop= and Symlinks=
  // apply to it.
  bool in_file_system() const {
    return (family == AF_UNIX || kind == ListenKind::kFifo) && !path.empty() &&
           path[0] == '/';
  }
  // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET (SOCK_RAW for netlink); 0 for
  // a FIFO.
  int socket_type() const;
};

// ParseSocketAddress parses the value of the Listen*= key of `kind`.
fault::StatusOr<SocketAddress> ParseSocketAddress(ListenKind kind,
                                                  absl::string_view value);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_SOCKET_ADDRESS_H_
