// scaling_vm_guest: the guest's side of tools/bench's scaling-vm figure
// (tools/benchsrc/scaling-vm.sh). The initramfs's rdinit, so PID 1 before
// faultinit:
//
//   BENCH_N=N [BENCH_RESTARTS=R] [BENCH_SLOW=F] scaling_vm_guest [INIT_ARG...]
//
// As PID 1 (the prelude): mounts /proc, makes the FIFO /announce and opens
// it, forks the driver, then notes the monotonic clock and its own CPU
// (schedstat: the kernel's start-up ran as PID 1 too) for the driver and
// execs /init (faultinit) with INIT_ARG. The services write one line each
// to /announce when they run (`probe stamp`), so the driver, open on the
// FIFO before PID 1 is faultinit, misses none and blocks none.
//
// The driver, a child of PID 1 that faultinit did not start (as the host
// figure's harness is outside the supervision tree), measures what
// tools/benchsrc/scaling.sh measures on the host:
//   start-up: PID 1's exec of /init to the Nth announcement (wall µs) and
//     PID 1's CPU over it; a start-up ends at N, after 3 s without an
//     announcement, or after 240 s in all;
//   PID 1's RssAnon and descriptors once every service has run for 1 s,
//     and the guest's MemAvailable;
//   restarts: R probes (default 50; children of PID 1 named "probe"), one
//     after another, each SIGKILLed and its replacement's announcement
//     awaited (5 s at most, else the restarts end); PID 1's CPU over them
//     and the 11 s after the last (work PID 1 left for later, such as a
//     deferred sweep, is counted), and per restart (its median and
//     maximum, each from its kill to its replacement's announcement);
// (F, default 1, multiplies those deadlines: an emulated guest is slower;
// BENCH_GAP_MS=G waits G ms between two restarts, default 0)
// and prints them as one line on its stdout (the console):
//   BENCH-SCALING-VM n=N started=S wall_us=W cpu_us=C rss_kb=K fds=F
//     mem_avail_kb=M restarts=DONE/ASKED restart_us=MEAN
//     restart_median_us=X restart_max_us=Y
// and each restart as "CPU_US@WALL_MS" (PID 1's CPU, and when it began
// since the first began) on a line of its own:
//   BENCH-SCALING-VM-EACH n=N CPU_US@WALL_MS ...
// Then the shutdown: it writes "BENCH-SCALING-VM-SHUTDOWN" to the kernel
// log (/dev/kmsg, at emergency level, so the console shows it with the
// kernel's time stamp), sends PID 1 SIGTERM (faultinit's power-off
// request) and exits; the host reads the time from that line to the
// kernel's "reboot: Power down".

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

constexpr char kFifo[] = "/announce";

long long NowNs() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

// The first line of `path`, or "" when it cannot be read.
std::string FirstLine(const char* path) {
  std::string text;
  FILE* f = fopen(path, "re");
  if (f == nullptr) return text;
  char line[512];
  if (fgets(line, sizeof line, f) != nullptr) text = line;
  fclose(f);
  return text;
}

// The CPU time (user+system, ns) of `pid` from its schedstat; -1 if gone.
long long CpuNs(const char* schedstat) {
  std::string line = FirstLine(schedstat);
  return line.empty() ? -1 : strtoll(line.c_str(), nullptr, 10);
}

// The value (kB) of the "KEY:" line of a /proc status-like file, or -1.
long long FieldKb(const char* path, const char* key) {
  FILE* f = fopen(path, "re");
  if (f == nullptr) return -1;
  char line[512];
  long long value = -1;
  size_t len = strlen(key);
  while (fgets(line, sizeof line, f) != nullptr) {
    if (strncmp(line, key, len) == 0 && line[len] == ':') {
      value = strtoll(line + len + 1, nullptr, 10);
      break;
    }
  }
  fclose(f);
  return value;
}

int CountEntries(const char* dir) {
  DIR* d = opendir(dir);
  if (d == nullptr) return -1;
  int count = 0;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++count;
  }
  closedir(d);
  return count;
}

// Reads the FIFO until `want` more lines have come or the deadlines pass:
// `quiet_ms` without a line, or the absolute `end_ns`. Returns the lines
// read; *last_ns gets the time the last of them was read.
long long ReadLines(int fd, long long want, int quiet_ms, long long end_ns,
                    long long* last_ns) {
  long long lines = 0;
  char buffer[65536];
  while (lines < want) {
    long long left_ms = (end_ns - NowNs()) / 1000000;
    if (left_ms <= 0) break;
    struct pollfd p = {fd, POLLIN, 0};
    int ready =
        poll(&p, 1, static_cast<int>(std::min<long long>(quiet_ms, left_ms)));
    if (ready == 0) break;
    if (ready < 0) continue;  // EINTR
    ssize_t got = read(fd, buffer, sizeof buffer);
    if (got <= 0) continue;
    lines += std::count(buffer, buffer + got, '\n');
    *last_ns = NowNs();
  }
  return lines;
}

// The pids of PID 1's children named "probe", at most `max`.
std::vector<pid_t> Probes(size_t max) {
  std::vector<pid_t> probes;
  FILE* f = fopen("/proc/1/task/1/children", "re");
  if (f == nullptr) return probes;
  long pid;
  while (probes.size() < max && fscanf(f, "%ld", &pid) == 1) {
    std::string comm =
        FirstLine(("/proc/" + std::to_string(pid) + "/comm").c_str());
    if (comm == "probe\n") probes.push_back(static_cast<pid_t>(pid));
  }
  fclose(f);
  return probes;
}

long long EnvNumber(const char* name, long long otherwise) {
  const char* text = getenv(name);
  return text != nullptr && *text != '\0' ? strtoll(text, nullptr, 10)
                                          : otherwise;
}

void Drive(int fifo, int start_pipe) {
  long long exec_ns = 0, exec_cpu = 0;
  {
    char text[128] = {};
    ssize_t got = read(start_pipe, text, sizeof text - 1);
    close(start_pipe);
    if (got <= 0 || sscanf(text, "%lld %lld", &exec_ns, &exec_cpu) != 2) {
      printf("BENCH-SCALING-VM-ERROR no start from the prelude\n");
      _exit(1);
    }
  }
  const long long n = EnvNumber("BENCH_N", 10);
  const long long asked = EnvNumber("BENCH_RESTARTS", 50);
  const long long slow = std::max(1LL, EnvNumber("BENCH_SLOW", 1));
  const long long gap_ms = EnvNumber("BENCH_GAP_MS", 0);
  constexpr char kPid1[] = "/proc/1/schedstat";

  // Start-up.
  long long last_ns = exec_ns;
  const long long started =
      ReadLines(fifo, n, static_cast<int>(3000 * slow),
                exec_ns + 240000000000LL * slow, &last_ns);
  const long long cpu_startup = CpuNs(kPid1) - exec_cpu;

  // Once every service has run for 1 s: memory, and the late lines.
  const long long settle_ns = last_ns + 1000000000LL - NowNs();
  if (settle_ns > 0) {
    struct timespec t = {static_cast<time_t>(settle_ns / 1000000000LL),
                         static_cast<long>(settle_ns % 1000000000LL)};
    while (nanosleep(&t, &t) != 0) {
    }
  }
  long long ignored;
  ReadLines(fifo, 1LL << 40, 10, NowNs() + 2000000000LL, &ignored);
  const long long rss = FieldKb("/proc/1/status", "RssAnon");
  const int fds = CountEntries("/proc/1/fd");
  const long long available = FieldKb("/proc/meminfo", "MemAvailable");

  // Restarts, one service after another.
  std::vector<pid_t> victims = Probes(static_cast<size_t>(asked));
  std::vector<long long> each, began;
  const long long before = CpuNs(kPid1);
  const long long first_ns = NowNs();
  for (pid_t victim : victims) {
    if (gap_ms > 0 && !each.empty())
      usleep(static_cast<useconds_t>(gap_ms * 1000));
    began.push_back((NowNs() - first_ns) / 1000000);
    const long long cpu0 = CpuNs(kPid1);
    if (kill(victim, SIGKILL) != 0) break;
    if (ReadLines(fifo, 1, static_cast<int>(5000 * slow),
                  NowNs() + 5000000000LL * slow, &ignored) < 1) {
      break;
    }
    each.push_back(CpuNs(kPid1) - cpu0);
  }
  // 11 s more: a sweep PID 1 left due for after the last restart (10 s
  // later at most: kLazySweepInterval, runtime/scheduler_children.h) is
  // counted in the mean too.
  if (!each.empty()) {
    struct timespec t = {11, 0};
    while (nanosleep(&t, &t) != 0) {
    }
  }
  const long long after = CpuNs(kPid1);
  long long mean = -1, median = -1, max = -1;
  if (!each.empty()) {
    mean = (after - before) / static_cast<long long>(each.size()) / 1000;
    std::vector<long long> sorted = each;
    std::sort(sorted.begin(), sorted.end());
    median = sorted[(sorted.size() - 1) / 2] / 1000;
    max = sorted.back() / 1000;
  }
  printf(
      "BENCH-SCALING-VM n=%lld started=%lld wall_us=%lld cpu_us=%lld "
      "rss_kb=%lld fds=%d mem_avail_kb=%lld restarts=%zu/%zu restart_us=%lld "
      "restart_median_us=%lld restart_max_us=%lld\n",
      n, started, (last_ns - exec_ns) / 1000, cpu_startup / 1000, rss, fds,
      available, each.size(), victims.size(), mean, median, max);
  printf("BENCH-SCALING-VM-EACH n=%lld", n);
  for (size_t i = 0; i < each.size(); ++i) {
    printf(" %lld@%lld", each[i] / 1000, began[i]);
  }
  printf("\n");
  fflush(stdout);

  // Shutdown: the request's time in the kernel's log, then the request.
  int kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  if (kmsg >= 0) {
    constexpr char kLine[] = "<0>BENCH-SCALING-VM-SHUTDOWN\n";
    (void)write(kmsg, kLine, sizeof kLine - 1);
    close(kmsg);
  }
  kill(1, SIGTERM);
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (getpid() != 1) {
    fprintf(stderr,
            "scaling_vm_guest: runs as PID 1 only (the rdinit of "
            "tools/bench scaling-vm's guest)\n");
    return 2;
  }
  (void)mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              nullptr);
  (void)mkfifo(kFifo, 0666);
  // Read-write: no end of file while no service has it open.
  int fifo = open(kFifo, O_RDWR | O_CLOEXEC);
  int start[2];
  if (fifo < 0 || pipe2(start, O_CLOEXEC) != 0) {
    printf("BENCH-SCALING-VM-ERROR no FIFO %s\n", kFifo);
  } else {
    pid_t driver = fork();
    if (driver == 0) {
      close(start[1]);
      Drive(fifo, start[0]);
    }
    close(start[0]);
    close(fifo);
    if (driver > 0) {
      char text[128];
      int len = snprintf(text, sizeof text, "%lld %lld\n", NowNs(),
                         CpuNs("/proc/self/schedstat"));
      (void)write(start[1], text, static_cast<size_t>(len));
    }
    close(start[1]);
  }
  fflush(stdout);
  argv[0] = const_cast<char*>("/init");
  execv("/init", argv);
  printf("BENCH-SCALING-VM-ERROR exec /init: %s\n", strerror(errno));
  return 1;
}
