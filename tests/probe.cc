// probe: the command faultinit runs in the integration tests. It reports
// what it observes on stdout, one line per event, so tests wait on lines,
// never on time.
//
//   probe signals          report each signal received as "NAME"; exit 0
//                          after SIGTERM. Prints "ready" first.
//   probe family           fork one child; both report signals as
//                          "parent NAME" / "child NAME"; both exit after
//                          SIGTERM. Prints "ready" when both are ready.
//   probe orphans N        make N orphans (double fork), then exit 0.
//   probe storm N          make N orphans, wait until PID 1 has reaped
//                          them all, print PID 1's CPU time (user+system,
//                          ms with one decimal, from /proc/1/schedstat),
//                          exit 0 (tools/bench).
//   probe wakeups N        make one orphan and wait until PID 1 has
//                          reaped it, then make N more, wait until PID 1
//                          has reaped them all, print how many times PID 1
//                          was switched to meanwhile (/proc/1/status).
//   probe leftovers        fork one process ignoring SIGTERM and one not,
//                          print "leftovers PID1 PID2", exit 3.
//   probe notify TEXT      send "READY=1\nSTATUS=TEXT" to $NOTIFY_SOCKET
//                          (as sd_notify does), then wait for SIGTERM.
//   probe stamp            print "ready", then for each SIGUSR1 the
//                          CLOCK_MONOTONIC nanoseconds when its handler
//                          ran; exit after SIGTERM (tools/bench).
//   probe respawn FILE N   append "NS" (CLOCK_MONOTONIC) to FILE at start
//                          and again just before exiting 1, N times in
//                          all; then stay up (tools/bench's respawn figure).
//   probe tty              print "foreground" when its process group owns
//                          the terminal on stdin, else "background".
//   probe leftover FILE FIFO [polite]
//                          write its pid to FILE.pid, then a line to FIFO
//                          (once SIGTERM is caught); on the first SIGTERM
//                          append "term" to FILE, and exit 0 if polite;
//                          else wait for ever (tests/main_ended_test.cc).
//   probe groups N         fork N children, each the leader of a process
//                          group of its own in this session (setpgid, as a
//                          job-control shell does; the first ignores
//                          SIGTERM), print "in groups", then wait.

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

int signal_pipe[2];

void Record(int signo) {
  unsigned char byte = static_cast<unsigned char>(signo);
  (void)write(signal_pipe[1], &byte, 1);
}

void CatchAll() {
  if (pipe(signal_pipe) != 0) exit(90);
  struct sigaction action = {};
  action.sa_handler = Record;
  sigemptyset(&action.sa_mask);
  for (int signo = 1; signo < NSIG; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP || signo == SIGCHLD) continue;
    sigaction(signo, &action, nullptr);
  }
}

const char* Name(int signo) {
  static char buffer[16];
  const char* abbrev = sigabbrev_np(signo);
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
    snprintf(buffer, sizeof buffer, "RTMIN+%d", signo - SIGRTMIN);
    return buffer;
  }
  return abbrev != nullptr ? abbrev : "?";
}

// Reports signals until SIGTERM.
void ReportSignals(const char* prefix) {
  for (;;) {
    unsigned char byte;
    ssize_t n = read(signal_pipe[0], &byte, 1);
    if (n < 0) continue;
    if (n == 0) exit(91);
    printf("%s%s\n", prefix, Name(byte));
    fflush(stdout);
    if (byte == SIGTERM) return;
  }
}

int Family() {
  CatchAll();
  int ready[2];
  if (pipe(ready) != 0) return 90;
  pid_t child = fork();
  if (child == 0) {
    // A pipe of its own, then tell the parent it is ready (EOF on ready).
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    if (pipe(signal_pipe) != 0) _exit(90);
    close(ready[0]);
    close(ready[1]);
    ReportSignals("child ");
    _exit(0);
  }
  close(ready[1]);
  char byte;
  while (read(ready[0], &byte, 1) > 0) {
  }
  close(ready[0]);
  printf("ready\n");
  fflush(stdout);
  ReportSignals("parent ");
  return 0;  // without waiting: a child still running is a leftover
}

int Orphans(int count) {
  for (int i = 0; i < count; ++i) {
    pid_t middle = fork();
    if (middle < 0) return 92;
    if (middle == 0) {
      if (fork() < 0) _exit(93);
      _exit(0);  // the grandchild is now an orphan
    }
    waitpid(middle, nullptr, 0);
  }
  return 0;
}

// The number of processes in /proc (this PID namespace's, with
// --mount-proc), zombies included.
int CountProcesses() {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return -1;
  int count = 0;
  while (struct dirent* entry = readdir(proc)) {
    count += entry->d_name[0] >= '1' && entry->d_name[0] <= '9';
  }
  closedir(proc);
  return count;
}

// Returns once only PID 1 and this process are left: every orphan reaped.
void WaitUntilOrphansReaped() {
  const struct timespec tick = {0, 1000000};
  while (CountProcesses() > 2) nanosleep(&tick, nullptr);
}

int Storm(int count) {
  if (int status = Orphans(count); status != 0) return status;
  WaitUntilOrphansReaped();
  // The first field of schedstat is the time PID 1 has spent on a CPU
  // (user and system), in nanoseconds: /proc/1/stat's clock ticks (10 ms)
  // are too coarse for a figure of about 100 ms.
  FILE* stat = fopen("/proc/1/schedstat", "r");
  if (stat == nullptr) return 97;
  unsigned long long on_cpu_ns = 0;
  int fields = fscanf(stat, "%llu", &on_cpu_ns);
  fclose(stat);
  if (fields != 1) return 98;
  printf("%.1f\n", on_cpu_ns / 1e6);
  return 0;
}

// PID 1's context switches so far, voluntary and not; -1 on error.
long long SwitchesOfPid1() {
  FILE* status = fopen("/proc/1/status", "r");
  if (status == nullptr) return -1;
  long long total = 0;
  int found = 0;
  char line[256];
  while (fgets(line, sizeof line, status) != nullptr) {
    long long n;
    if (sscanf(line, "voluntary_ctxt_switches: %lld", &n) == 1 ||
        sscanf(line, "nonvoluntary_ctxt_switches: %lld", &n) == 1) {
      total += n;
      ++found;
    }
  }
  fclose(status);
  return found == 2 ? total : -1;
}

int Wakeups(int count) {
  // faultinit lets the kernel reap from the first orphan on.
  if (int status = Orphans(1); status != 0) return status;
  WaitUntilOrphansReaped();
  const long long before = SwitchesOfPid1();
  if (int status = Orphans(count); status != 0) return status;
  WaitUntilOrphansReaped();
  const long long after = SwitchesOfPid1();
  if (before < 0 || after < 0) return 97;
  printf("%lld\n", after - before);
  return 0;
}

[[noreturn]] void Linger() {
  for (;;) pause();
}

int Leftovers() {
  // The disposition is set before the fork, so the child ignores SIGTERM
  // from its first instruction: no race with faultinit's drain.
  signal(SIGTERM, SIG_IGN);
  pid_t stubborn = fork();
  if (stubborn == 0) Linger();
  signal(SIGTERM, SIG_DFL);
  pid_t polite = fork();
  if (polite == 0) Linger();
  printf("leftovers %d %d\n", stubborn, polite);
  fflush(stdout);
  return 3;
}

int Leftover(const char* file, const char* fifo, bool polite) {
  if (pipe(signal_pipe) != 0) return 90;
  struct sigaction action = {};
  action.sa_handler = Record;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  char pid_path[4096];
  snprintf(pid_path, sizeof pid_path, "%s.pid", file);
  FILE* pid = fopen(pid_path, "w");
  if (pid == nullptr) return 94;
  fprintf(pid, "%d\n", getpid());
  fclose(pid);
  FILE* ready = fopen(fifo, "w");
  if (ready == nullptr) return 95;
  fputs("\n", ready);
  fclose(ready);
  bool told = false;
  for (;;) {
    unsigned char byte;
    if (read(signal_pipe[0], &byte, 1) != 1 || byte != SIGTERM) continue;
    if (!told) {
      FILE* log = fopen(file, "a");
      if (log == nullptr) return 96;
      fputs("term\n", log);
      fclose(log);
      told = true;
    }
    if (polite) return 0;
  }
}

int Groups(int count) {
  for (int i = 0; i < count; ++i) {
    // Set before the fork: the child ignores SIGTERM from its start.
    if (i == 0) signal(SIGTERM, SIG_IGN);
    pid_t child = fork();
    if (child < 0) return 93;
    if (child == 0) {
      setpgid(0, 0);
      Linger();
    }
    // Both sides, as shells do: the group exists once either has run.
    if (setpgid(child, child) != 0) return 92;
    signal(SIGTERM, SIG_DFL);
  }
  printf("in groups\n");
  fflush(stdout);
  Linger();
}

}  // namespace

volatile sig_atomic_t stamp_fd = -1;

void Stamp(int) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long ns = now.tv_sec * 1000000000LL + now.tv_nsec;
  char line[32];
  int n = snprintf(line, sizeof line, "%lld\n", ns);  // fine in a test tool
  (void)write(stamp_fd, line, n);
}

int Stamps() {
  stamp_fd = STDOUT_FILENO;
  signal(SIGUSR1, Stamp);
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}

int Respawn(const char* path, int times) {
  FILE* f = fopen(path, "a+");
  if (f == nullptr) return 96;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  fprintf(f, "%lld\n", now.tv_sec * 1000000000LL + now.tv_nsec);
  fflush(f);
  rewind(f);
  int lines = 0;
  for (int c; (c = fgetc(f)) != EOF;) lines += c == '\n';
  if (lines >= 2 * times - 1) {
    fclose(f);
    for (;;) pause();
  }
  clock_gettime(CLOCK_MONOTONIC, &now);
  fprintf(f, "%lld\n", now.tv_sec * 1000000000LL + now.tv_nsec);
  fclose(f);
  return 1;
}

int Notify(const char* text) {
  const char* path = getenv("NOTIFY_SOCKET");
  if (path == nullptr) return 94;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  strncpy(address.sun_path, path, sizeof address.sun_path - 1);
  // Printed first: the line is in the pipe before faultinit hears READY=1.
  printf("notifying\n");
  fflush(stdout);
  char message[256];
  int n = snprintf(message, sizeof message, "READY=1\nSTATUS=%s", text);
  if (sendto(fd, message, n, 0, reinterpret_cast<sockaddr*>(&address),
             sizeof address) != n) {
    return 95;
  }
  for (;;) pause();
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "signals") == 0) {
    CatchAll();
    printf("ready\n");
    fflush(stdout);
    ReportSignals("");
    return 0;
  }
  if (strcmp(argv[1], "family") == 0) return Family();
  if (strcmp(argv[1], "orphans") == 0 && argc == 3)
    return Orphans(atoi(argv[2]));
  if (strcmp(argv[1], "storm") == 0 && argc == 3) return Storm(atoi(argv[2]));
  if (strcmp(argv[1], "wakeups") == 0 && argc == 3) {
    return Wakeups(atoi(argv[2]));
  }
  if (strcmp(argv[1], "leftovers") == 0) return Leftovers();
  if (strcmp(argv[1], "notify") == 0 && argc == 3) return Notify(argv[2]);
  if (strcmp(argv[1], "stamp") == 0) return Stamps();
  if (strcmp(argv[1], "respawn") == 0 && argc == 4) {
    return Respawn(argv[2], atoi(argv[3]));
  }
  if (strcmp(argv[1], "leftover") == 0 && (argc == 4 || argc == 5)) {
    return Leftover(argv[2], argv[3],
                    argc == 5 && strcmp(argv[4], "polite") == 0);
  }
  if (strcmp(argv[1], "groups") == 0 && argc == 3) {
    return Groups(atoi(argv[2]));
  }
  if (strcmp(argv[1], "tty") == 0) {
    printf(tcgetpgrp(STDIN_FILENO) == getpgrp() ? "foreground\n"
                                                : "background\n");
    return 0;
  }
  return 2;
}
