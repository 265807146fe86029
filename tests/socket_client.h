// File: tests/socket_client.h
//
// Part of the tests' harness library (:harness): the client end of a
// stream socket a test talks to (a socket unit's listener, the control
// socket), by its path in the file system (AF_UNIX).
//
// Every descriptor is O_CLOEXEC and owned by the caller (fault::UniqueFd).
// Every wait is on the socket's readiness, bounded by a generous deadline,
// never a sleep. Not for use between fork and exec (allocates).

#ifndef FAULT_TESTS_SOCKET_CLIENT_H_
#define FAULT_TESTS_SOCKET_CLIENT_H_

#include <string>

#include "runtime/fd.h"

namespace faultinit::testing {

// Connect connects to the stream socket at `path`; an invalid fd on error
// (errno tells, except for a path too long for sockaddr_un).
fault::UniqueFd Connect(const std::string& path);

// ReadLine returns the next line `fd` gives, without its "\n". At end of
// file or on a read error: what came of the line so far ("" at once).
// When nothing comes for 30 s: what came so far, then "<no answer in
// time>".
std::string ReadLine(int fd);

}  // namespace faultinit::testing

#endif  // FAULT_TESTS_SOCKET_CLIENT_H_
