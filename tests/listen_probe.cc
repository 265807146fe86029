// listen_probe: a socket-activated service for socket_activation_test, as
// a daemon using sd_listen_fds(3) would be. It checks LISTEN_PID against
// its own pid, prints
//   listen pid_ok=0|1 fds=LISTEN_FDS names=LISTEN_FDNAMES
// then takes one event on descriptor 3 and exits 0:
//   a stream socket: accepts a connection, writes "hello PID\n" to it;
//   a datagram socket: receives one, prints "datagram TEXT";
//   a FIFO: reads once, prints "fifo TEXT";
//   a connected stream socket (Accept=yes): writes "hello PID\n" to it,
//   prints "connection REMOTE_ADDR", then reads it to its end and exits
//   (the client ends the instance by closing its end).
// With "stay" as its argument, it then waits for SIGTERM.

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

int main(int argc, char** argv) {
  const char* pid = getenv("LISTEN_PID");
  const char* fds = getenv("LISTEN_FDS");
  const char* names = getenv("LISTEN_FDNAMES");
  const bool pid_ok =
      pid != nullptr && std::to_string(getpid()) == std::string(pid);
  printf("listen pid_ok=%d fds=%s names=%s\n", pid_ok ? 1 : 0, fds ? fds : "-",
         names ? names : "-");
  fflush(stdout);
  struct stat st;
  if (fstat(3, &st) != 0) return 3;
  int type = 0;
  int listening = 0;
  if (S_ISSOCK(st.st_mode)) {
    socklen_t length = sizeof type;
    if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &length) != 0) return 5;
    length = sizeof listening;
    if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0) {
      return 9;
    }
  }
  char buffer[256];
  if (type == SOCK_STREAM && !listening) {  // a connection (Accept=yes)
    std::string hello = "hello " + std::to_string(getpid()) + "\n";
    if (write(3, hello.data(), hello.size()) < 0) return 7;
    const char* remote = getenv("REMOTE_ADDR");
    printf("connection %s\n", remote ? remote : "-");
    fflush(stdout);
    while (read(3, buffer, sizeof buffer) > 0) {
    }
    return 0;
  }
  struct pollfd p = {3, POLLIN, 0};
  if (poll(&p, 1, -1) != 1) return 2;
  if (S_ISFIFO(st.st_mode)) {
    ssize_t n = read(3, buffer, sizeof buffer - 1);
    if (n < 0) return 4;
    buffer[n] = '\0';
    printf("fifo %s\n", strtok(buffer, "\n"));
  } else if (type == SOCK_STREAM) {
    int c = accept(3, nullptr, nullptr);
    if (c < 0) return 6;
    std::string hello = "hello " + std::to_string(getpid()) + "\n";
    if (write(c, hello.data(), hello.size()) < 0) return 7;
    close(c);
    printf("accepted\n");
  } else {
    ssize_t n = recv(3, buffer, sizeof buffer - 1, 0);
    if (n < 0) return 8;
    buffer[n] = '\0';
    printf("datagram %s\n", buffer);
  }
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "stay") == 0) pause();
  return 0;
}
