// File: init/supervisor/socket_listen.h
//
// OpenListening: the descriptor a socket unit listens on for one Listen*=
// address (init/system/socket_address.h), made as systemd's socket unit
// makes it (src/core/socket.c, socket_address_listen):
//   - a file-system AF_UNIX socket or FIFO: its parent directories made
//     with DirectoryMode=, a stale socket file there removed (anything
//     else there is an error, not removed), bound or made, then given
//     SocketMode= and SocketUser=/SocketGroup= (`owner`);
//   - AF_UNIX "@name": the abstract namespace;
//   - a PORT alone: one dual-stack socket on [::] (IPV6_V6ONLY off), or
//     0.0.0.0 where the kernel has no IPv6; INET sockets get SO_REUSEADDR;
//   - streams and sequential packets listen(2) with Backlog=;
//   - PassCredentials= (SO_PASSCRED), ReusePort= (SO_REUSEPORT);
//   - a FIFO is opened read-write (never an end of file; the open never
//     waits), and must be a FIFO (O_NOFOLLOW, checked by fstat).
// Every descriptor is O_CLOEXEC and O_NONBLOCK.
//
// Loop thread; no call here waits. Errors: the failing call's, worded
// "ADDRESS: CALL: strerror".

#ifndef FAULT_INIT_SUPERVISOR_SOCKET_LISTEN_H_
#define FAULT_INIT_SUPERVISOR_SOCKET_LISTEN_H_

#include <sys/types.h>

#include <optional>
#include <string>

#include "init/system/socket_address.h"
#include "init/system/socket_keys.h"
#include "runtime/fd.h"
#include "runtime/status.h"

namespace faultinit {

// SocketOwner: SocketUser=/SocketGroup= resolved; unset keeps root's.
struct SocketOwner {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

fault::StatusOr<fault::UniqueFd> OpenListening(const SocketAddress& address,
                                               const SocketSettings& settings,
                                               const SocketOwner& owner);

// MakeParents makes the missing directories above `path` with `mode`.
void MakeParents(const std::string& path, mode_t mode);

}  // namespace faultinit

#endif  // FAULT_INIT_SUPERVISOR_SOCKET_LISTEN_H_
