// shutdown_clock: how long a supervision tree takes to shut down, for
// tools/bench.
//
//   shutdown_clock [--others] SIGNAL PID [PID...]
//
// Opens a pidfd for every PID (the supervisor first, then everything it
// runs), sends SIGNAL to the first, and prints the microseconds until the
// last of them has exited, or "timeout" after 60 s. With --others, the
// first is only signalled: the time runs until the last of the others
// has exited (the services, say, not their supervisor). A process that has
// already gone when the pidfds are opened makes it fail (exit 1). Needs an
// RLIMIT_NOFILE above the number of PIDs.

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <vector>

namespace {

long long NowMicros() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

}  // namespace

int main(int argc, char** argv) {
  bool others = argc > 1 && strcmp(argv[1], "--others") == 0;
  if (others) {
    --argc;
    ++argv;
  }
  if (argc < 3) {
    fprintf(stderr, "usage: shutdown_clock [--others] SIGNAL PID [PID...]\n");
    return 2;
  }
  int signo = atoi(argv[1]);
  std::vector<struct pollfd> live;
  for (int i = others ? 3 : 2; i < argc; ++i) {
    int fd = static_cast<int>(syscall(SYS_pidfd_open, atoi(argv[i]), 0));
    if (fd < 0) {
      fprintf(stderr, "shutdown_clock: no process %s\n", argv[i]);
      return 1;
    }
    live.push_back({fd, POLLIN, 0});
  }
  long long start = NowMicros();
  if (kill(atoi(argv[2]), signo) != 0) return 1;
  while (!live.empty()) {
    long long left_ms = 60000 - (NowMicros() - start) / 1000;
    if (left_ms <= 0 || poll(live.data(), live.size(), left_ms) == 0) {
      printf("timeout\n");
      return 0;
    }
    for (size_t i = 0; i < live.size();) {
      if (live[i].revents != 0) {
        close(live[i].fd);
        live[i] = live.back();
        live.pop_back();
      } else {
        ++i;
      }
    }
  }
  printf("%lld\n", NowMicros() - start);
  return 0;
}
