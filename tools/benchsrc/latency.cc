// latency: signal-forwarding latency of a container init, for tools/bench.
//
//   latency N INIT [INIT-ARGS...]   (INIT-ARGS end with the probe command)
//
// Starts INIT (which runs `probe stamp`), waits for "ready", then N times:
// takes CLOCK_MONOTONIC, sends SIGUSR1 to INIT and reads the time the
// probe's handler ran. Prints "median_us p99_us" of the differences (µs,
// two decimals).

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace {

// The CPU time `pid` has used so far, in ns (the first field of
// /proc/PID/schedstat: user and system time, scheduler-accounted).
long long CpuNanos(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/schedstat", static_cast<int>(pid));
  FILE* file = fopen(path, "re");
  if (file == nullptr) return -1;
  long long nanos = -1;
  if (fscanf(file, "%lld", &nanos) != 1) nanos = -1;
  fclose(file);
  return nanos;
}

long long Now() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  int count = atoi(argv[1]);
  int out[2];
  if (pipe(out) != 0) return 1;
  pid_t init = fork();
  if (init == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execvp(argv[2], argv + 2);
    _exit(127);
  }
  close(out[1]);
  FILE* lines = fdopen(out[0], "r");
  char line[64];
  if (fgets(line, sizeof line, lines) == nullptr) return 1;  // "ready"
  std::vector<long long> nanos;
  const long long cpu_before = CpuNanos(init);
  for (int i = 0; i < count; ++i) {
    long long sent = Now();
    kill(init, SIGUSR1);
    if (fgets(line, sizeof line, lines) == nullptr) return 1;
    nanos.push_back(atoll(line) - sent);
  }
  const long long cpu = CpuNanos(init) - cpu_before;
  kill(init, SIGTERM);
  waitpid(init, nullptr, 0);
  std::sort(nanos.begin(), nanos.end());
  // Microseconds with two decimals: on one CPU the medians are a few µs,
  // and the inits differ by tens of ns.
  printf("%.2f %.2f %.2f\n", nanos[nanos.size() / 2] / 1e3,
         nanos[nanos.size() * 99 / 100] / 1e3, cpu / 1e3 / count);
  return 0;
}
