// File: tests/socket_client.cc
//
// The client end of a test's stream socket (socket_client.h).

#include "tests/socket_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace faultinit::testing {

fault::UniqueFd Connect(const std::string& path) {
  fault::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof address.sun_path) return fault::UniqueFd();
  memcpy(address.sun_path, path.data(), path.size());
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address),
              sizeof address) != 0) {
    return fault::UniqueFd();
  }
  return fd;
}

std::string ReadLine(int fd) {
  std::string line;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 30000) != 1) return line + "<no answer in time>";
    char c;
    if (read(fd, &c, 1) != 1 || c == '\n') return line;
    line.push_back(c);
  }
}

}  // namespace faultinit::testing
