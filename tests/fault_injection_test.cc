// Fault injection against the real faultinit as PID 1 of a fresh PID
// namespace: fork failing for real (a pids cgroup at its limit), descriptor
// exhaustion (RLIMIT_NOFILE lowered on the running PID 1), signal storms in
// system and container mode, a 100 MB output flood, a crash loop against
// the back-off and start limit, and hostile unit directories. Each test
// checks that faultinit stays up, keeps supervising the other services and
// logs each problem once; every service holds only fds 0, 1 and 2.
//
// Every wait is on an event (a line on faultinit's stderr or a probe's
// stdout, a process's exit); where no event exists (a process appearing in
// /proc) a bounded poll of /proc, never a fixed sleep.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "init/processes.h"
#include "runtime/fd.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

// A bound on every poll of /proc, far beyond a healthy run.
constexpr int kPollDeadlineMs = 30 * 1000;

// kUndefinedSanitized: the asan config, which adds UBSan to ASan.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUndefinedSanitized = true;
constexpr bool kThreadSanitized = false;
// ASan keeps freed memory in quarantine and adds redzones.
constexpr long kMemoryFactor = 8;
#elif defined(__SANITIZE_THREAD__)
constexpr bool kUndefinedSanitized = false;
constexpr bool kThreadSanitized = true;
// TSan keeps shadow memory and a history for every access.
constexpr long kMemoryFactor = 8;
#else
constexpr bool kUndefinedSanitized = false;
constexpr bool kThreadSanitized = false;
constexpr long kMemoryFactor = 1;
#endif

bool WriteText(const std::string& path, const std::string& text) {
  fault::UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  return fd.valid() && fault::WriteAll(fd.get(), text.data(), text.size()) == 0;
}

// The open descriptors of `pid`, by number.
std::set<int> OpenFds(pid_t pid) {
  std::set<int> fds;
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return fds;
  while (struct dirent* entry = readdir(dir)) {
    int fd;
    if (absl::SimpleAtoi(entry->d_name, &fd)) fds.insert(fd);
  }
  closedir(dir);
  return fds;
}

// A field of /proc/PID/status in kB ("VmHWM", "RssAnon"), or -1.
long StatusKb(pid_t pid, const std::string& key) {
  for (absl::string_view line :
       absl::StrSplit(ReadText(absl::StrCat("/proc/", pid, "/status")), '\n')) {
    if (!absl::StartsWith(line, key + ":")) continue;
    line.remove_prefix(key.size() + 1);
    long kb;
    std::string digits;
    for (char c : line) {
      if (c >= '0' && c <= '9') digits += c;
    }
    if (absl::SimpleAtoi(digits, &kb)) return kb;
  }
  return -1;
}

// The child of `parent` (host pid) running `sleep TAG`, waiting for it to
// appear (bounded: exec has no event the test could wait on); 0 if none.
pid_t SleepChild(pid_t parent, const std::string& tag) {
  for (int waited = 0; waited < kPollDeadlineMs; waited += 1) {
    for (pid_t child : ChildrenOf(parent)) {
      std::vector<std::string> argv = absl::StrSplit(
          ReadText(absl::StrCat("/proc/", child, "/cmdline")), '\0');
      if (argv.size() >= 2 && absl::EndsWith(argv[0], "sleep") &&
          argv[1] == tag) {
        return child;
      }
    }
    poll(nullptr, 0, 1);  // a bounded poll of /proc: no event exists
  }
  return 0;
}

// Runs faultctl with `args`, bounded by a deadline.
CommandResult Faultctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {FaultctlPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, kPollDeadlineMs);
}

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!PidNamespacesAvailable(&why)) GTEST_SKIP() << why;
    dir_ = absl::StrCat(
        getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(system(("rm -rf " + dir_).c_str()), 0);  // a repeated run's
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
  }

  std::string UnitPath(const std::string& name) {
    return absl::StrCat(dir_, "/", name, ".service");
  }

  void Unit(const std::string& name, const std::string& text) {
    // Written aside and renamed: a reload never sees half a file.
    std::string path = UnitPath(name);
    std::string temporary = path + ".tmp";
    ASSERT_TRUE(WriteFile(temporary, text));
    ASSERT_EQ(rename(temporary.c_str(), path.c_str()), 0);
  }

  // -vv: debug lines ("reaped orphan", retries after the first).
  LaunchOptions Boot(bool debug = false) {
    LaunchOptions o;
    o.args = {"-v", "--services", dir_};
    if (debug) o.args.insert(o.args.begin(), "-v");
    o.pid_namespace = true;
    return o;
  }

  // The service's main process holds only 0, 1 and 2 (NOTIFY_SOCKET is a
  // path in the environment, not a descriptor).
  // ExpectOnlyStandardFds: the service `pid` holds only 0, 1 and 2. The
  // child is found by its command line, which is the new program's as soon
  // as exec has run, while the dynamic loader may still hold the C
  // library open at the lowest free descriptor (3): the table is read again
  // until it holds no more (no event marks the loader's end); a descriptor
  // the service was given stays, and fails at the deadline.
  static void ExpectOnlyStandardFds(pid_t pid, const std::string& what) {
    ASSERT_NE(pid, 0) << what << ": no such process";
    const std::set<int> standard = {0, 1, 2};
    std::set<int> fds = OpenFds(pid);
    for (int waited = 0; fds != standard && waited < kPollDeadlineMs;
         waited += 1) {
      poll(nullptr, 0, 1);
      fds = OpenFds(pid);
    }
    EXPECT_EQ(fds, standard) << what;
  }

  std::string dir_;
};

// Fork fails for real (faultinit's pids cgroup at its limit): a service
// whose process was killed is retried with the back-off, past its start
// limit (attempts that started nothing do not count), the failure is
// logged once for the whole episode, and the service runs again once a
// fork succeeds.
TEST_F(FaultInjection, ForkFailureRetriedWithBackOffLoggedOnce) {
  std::string cgroup =
      absl::StrCat("/sys/fs/cgroup/pids/faultinit-fault-", getpid());
  if (mkdir(cgroup.c_str(), 0755) != 0) {
    GTEST_SKIP() << "no writable cgroup v1 pids controller at "
                    "/sys/fs/cgroup/pids ("
                 << strerror(errno) << "): cannot make fork fail for root";
  }
  struct Cleanup {
    std::string path;
    ~Cleanup() { rmdir(path.c_str()); }
  } cleanup{cgroup};
  Unit("victim",
       "[Unit]\nStartLimitBurst=3\n[Service]\nExecStart=/bin/sleep 1001\n"
       "Restart=always\nRestartSec=10ms\nRestartSteps=3\n"
       "RestartMaxDelaySec=80ms\n");
  LaunchOptions o = Boot(/*debug=*/true);
  std::string procs = cgroup + "/cgroup.procs";
  o.before_exec = [procs] {
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d\n", getpid());
    int fd = open(procs.c_str(), O_WRONLY);
    if (fd < 0 || write(fd, pid, n) != n) _exit(120);
    close(fd);
  };
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr("victim: running"));
  pid_t victim = SleepChild(r.faultinit_pid(), "1001");
  ExpectOnlyStandardFds(victim, "victim");
  // unshare and faultinit only: every fork of faultinit fails now.
  ASSERT_TRUE(WriteText(cgroup + "/pids.max", "2"));
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  ASSERT_TRUE(r.WaitForStderr("victim: signal KILL; restarting in 10ms"));
  // The resource back-off's floor (100ms, doubling) is above the restart
  // back-off's 20ms to 80ms here.
  ASSERT_TRUE(r.WaitForStderr(
      "warning: victim: unable to spawn /bin/sleep: unable to fork: Resource "
      "temporarily unavailable; retrying in 100ms with back-off, not logged "
      "again until a start succeeds"));
  ASSERT_TRUE(
      r.WaitForStderr("victim: start attempt 2 failed; retrying in "
                      "200ms"));
  ASSERT_TRUE(
      r.WaitForStderr("victim: start attempt 3 failed; retrying in "
                      "400ms"));
  ASSERT_TRUE(
      r.WaitForStderr("victim: start attempt 4 failed; retrying in "
                      "800ms"));
  ASSERT_TRUE(WriteText(cgroup + "/pids.max", "max"));
  ASSERT_TRUE(r.WaitForStderr(" failed attempts"));
  ASSERT_TRUE(r.WaitForStderr("victim: running"));
  ExpectOnlyStandardFds(SleepChild(r.faultinit_pid(), "1001"),
                        "victim after the episode");
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  EXPECT_EQ(Count(err, "unable to fork"), 1u) << err;
  EXPECT_EQ(Count(err, "victim: failed"), 0u) << err;
  EXPECT_EQ(Count(err, "start limit hit"), 0u) << err;
}

// With every descriptor taken (RLIMIT_NOFILE lowered to the lowest free
// fd of the running PID 1), faultctl gets a clear "busy" error at once,
// faultinit logs that once, a killed service keeps being retried, and
// everything recovers when descriptors are free again.
TEST_F(FaultInjection, DescriptorExhaustion) {
  if (kUndefinedSanitized) {
    // UBSan's vptr check probes memory through a pipe: with no descriptor
    // left it reports valid objects as invalid.
    GTEST_SKIP() << "the sanitizer runtime needs descriptors of its own";
  }
  char pattern[] = "/var/tmp/faultinit-fds.XXXXXX";  // sun_path is short
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string base = pattern;
  std::string socket = base + "/control";
  Unit("worker",
       "[Unit]\nStartLimitBurst=3\n[Service]\nExecStart=/bin/sleep 1002\n"
       "Restart=always\nRestartSec=10ms\nRestartSteps=2\n"
       "RestartMaxDelaySec=40ms\n");
  LaunchOptions o = Boot(/*debug=*/true);
  o.args.insert(o.args.end(), {"--control", socket});
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr("worker: running"));
  const pid_t pid1 = r.faultinit_pid();
  pid_t worker = SleepChild(pid1, "1002");
  ExpectOnlyStandardFds(worker, "worker");

  // Nothing is in flight: the lowest free descriptor is the limit.
  std::set<int> fds = OpenFds(pid1);
  int lowest_free = 0;
  while (fds.count(lowest_free)) ++lowest_free;
  struct rlimit old_limit;
  ASSERT_EQ(prlimit(pid1, RLIMIT_NOFILE, nullptr, &old_limit), 0);
  struct rlimit exhausted = {static_cast<rlim_t>(lowest_free),
                             old_limit.rlim_max};
  ASSERT_EQ(prlimit(pid1, RLIMIT_NOFILE, &exhausted, nullptr), 0);

  for (int i = 0; i < 3; ++i) {
    CommandResult refused = Faultctl({"--socket", socket, "status"});
    EXPECT_EQ(refused.exit_code, 5) << refused.output;
    EXPECT_NE(refused.output.find("busy: faultinit is out of file descriptors"),
              std::string::npos)
        << refused.output;
  }
  // EMFILE's text is the C library's ("Too many open files" in glibc, "No
  // file descriptors available" in musl): the lines are matched around it.
  ASSERT_TRUE(r.WaitForStderr("; refusing clients until descriptors are free"));
  EXPECT_NE(r.err().find("control: unable to accept a client: "),
            std::string::npos)
      << r.err();

  ASSERT_EQ(kill(worker, SIGKILL), 0);
  ASSERT_TRUE(r.WaitForStderr("worker: signal KILL; restarting in 10ms"))
      << r.err();
  ASSERT_TRUE(r.WaitForStderr("; retrying in 100ms with back-off"));
  ASSERT_TRUE(r.WaitForStderr("worker: start attempt 4 failed; retrying"));

  ASSERT_EQ(prlimit(pid1, RLIMIT_NOFILE, &old_limit, nullptr), 0);
  ASSERT_TRUE(r.WaitForStderr(" failed attempts"));
  ASSERT_TRUE(r.WaitForStderr("worker: running"));
  ExpectOnlyStandardFds(SleepChild(pid1, "1002"), "worker after recovery");
  CommandResult status = Faultctl({"--socket", socket, "status", "worker"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("running"), std::string::npos) << status.output;
  ASSERT_TRUE(r.WaitForStderr("control: accepting clients again"));

  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  EXPECT_EQ(Count(err, "unable to accept a client"), 1u) << err;
  EXPECT_EQ(Count(err, "not logged again until a start succeeds"), 1u) << err;
  EXPECT_EQ(Count(err, "worker: failed"), 0u) << err;
  EXPECT_EQ(system(("rm -rf " + base).c_str()), 0);
}

// A service that cannot get descriptors, with RestartSec=0, backs off all
// the same (issue 26: it was retried at once, PID 1 at 99% of a CPU): the
// retries wait 100ms, 200ms, 400ms..., as the log says, logged once at
// warning level for the episode, and it runs again once descriptors are
// free.
TEST_F(FaultInjection, DescriptorShortageBacksOffWithRestartSecZero) {
  if (kUndefinedSanitized) {
    GTEST_SKIP() << "the sanitizer runtime needs descriptors of its own";
  }
  Unit("worker",
       "[Service]\nExecStart=/bin/sleep 1003\nRestart=always\n"
       "RestartSec=0\n");
  Running r(Boot(/*debug=*/true));
  ASSERT_TRUE(r.WaitForStderr("worker: running"));
  const pid_t pid1 = r.faultinit_pid();
  pid_t worker = SleepChild(pid1, "1003");
  ASSERT_NE(worker, 0);
  std::set<int> fds = OpenFds(pid1);
  int lowest_free = 0;
  while (fds.count(lowest_free)) ++lowest_free;
  struct rlimit old_limit;
  ASSERT_EQ(prlimit(pid1, RLIMIT_NOFILE, nullptr, &old_limit), 0);
  struct rlimit exhausted = {static_cast<rlim_t>(lowest_free),
                             old_limit.rlim_max};
  ASSERT_EQ(prlimit(pid1, RLIMIT_NOFILE, &exhausted, nullptr), 0);

  ASSERT_EQ(kill(worker, SIGKILL), 0);
  ASSERT_TRUE(
      r.WaitForStderr("; retrying in 100ms with back-off, not logged "
                      "again until a start succeeds"))
      << r.err();
  ASSERT_TRUE(
      r.WaitForStderr("worker: start attempt 2 failed; retrying in "
                      "200ms"));
  ASSERT_TRUE(
      r.WaitForStderr("worker: start attempt 3 failed; retrying in "
                      "400ms"));
  ASSERT_TRUE(
      r.WaitForStderr("worker: start attempt 4 failed; retrying in "
                      "800ms"));
  ASSERT_EQ(prlimit(pid1, RLIMIT_NOFILE, &old_limit, nullptr), 0);
  ASSERT_TRUE(r.WaitForStderr(" failed attempts"));
  ASSERT_TRUE(r.WaitForStderr("worker: running"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  EXPECT_EQ(Count(err, "not logged again until a start succeeds"), 1u) << err;
  EXPECT_EQ(Count(err, "start attempt 5 "), 0u) << err;
}

// 10,000 mixed signals at PID 1 in system mode while 1,000 orphans exit:
// no crash, every orphan reaped (and no zombie left), the reload asked by
// the storm's last SIGHUP sees the unit written just before it, and the
// services that did not change keep their process.
TEST_F(FaultInjection, SignalStormSystemMode) {
  std::string fifo = absl::StrCat(dir_, "/go");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Unit("steady", "[Service]\nExecStart=/bin/sleep 1003\n");
  Unit("spawner",
       absl::StrCat("[Service]\nExecStart=/bin/sh -c 'read x < ", fifo,
                    "; exec ", ProbePath(), " orphans 1000'\n"));
  Running r(Boot(/*debug=*/true));
  ASSERT_TRUE(r.WaitForAllStderr({"steady: running", "spawner: running"}));
  const pid_t pid1 = r.faultinit_pid();
  const pid_t steady = SleepChild(pid1, "1003");
  ASSERT_NE(steady, 0);

  int go = open(fifo.c_str(), O_WRONLY);
  ASSERT_GE(go, 0);
  ASSERT_EQ(write(go, "go\n", 3), 3);
  close(go);
  // Harmless in system mode: reload, child news, and signals faultinit
  // does not act on (held blocked since its start, so they only wait). Not
  // TERM/INT/USR1/USR2/PWR (shutdown), nor the fault signals (SEGV, BUS, ILL,
  // FPE, ABRT: faultinit's crash handler).
  const int mix[] = {SIGHUP,  SIGCHLD, SIGWINCH, SIGURG,       SIGCONT,
                     SIGALRM, SIGTSTP, SIGTTIN,  SIGTTOU,      SIGIO,
                     SIGPROF, SIGQUIT, SIGPIPE,  SIGRTMIN + 3, SIGVTALRM};
  for (int i = 0; i < 9999; ++i) {
    ASSERT_EQ(kill(pid1, mix[i % (sizeof mix / sizeof mix[0])]), 0);
  }
  Unit("late", "[Service]\nExecStart=/bin/sleep 1004\n");
  ASSERT_EQ(kill(pid1, SIGHUP), 0);  // the 10,000th: it must not be lost
  ASSERT_TRUE(r.WaitForStderr("late: running"));
  // Counted over everything read so far: waiting for "late: running" may
  // have read past some.
  while (Count(r.err(), "reaped orphan") < 1000) {
    if (!r.WaitForStderr("reaped orphan")) {
      std::string children;
      for (pid_t child : ChildrenOf(pid1)) {
        absl::StrAppend(&children,
                        ReadText(absl::StrCat("/proc/", child, "/stat")), "\n");
      }
      FAIL() << "only " << Count(r.err(), "reaped orphan")
             << " orphans reaped; faultinit's children:\n"
             << children;
    }
  }
  // The spawner's own exit is an event of its own, which may come after
  // its orphans' (and /proc no longer lists it once it is a zombie): wait
  // for it before the shutdown, or it would be "stopped" instead.
  if (Count(r.err(), "spawner: finished (exit 0)") == 0) {
    ASSERT_TRUE(r.WaitForStderr("spawner: finished (exit 0)")) << r.err();
  }
  // No zombie: faultinit's children are its two services, nothing else.
  pid_t late = SleepChild(pid1, "1004");
  std::vector<pid_t> children;
  for (int waited = 0; waited < kPollDeadlineMs; ++waited) {
    children = ChildrenOf(pid1);
    std::sort(children.begin(), children.end());
    if (children.size() == 2) break;
    poll(nullptr, 0, 1);
  }
  std::vector<pid_t> expected = {steady, late};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(children, expected);
  ExpectOnlyStandardFds(steady, "steady after the storm");
  ExpectOnlyStandardFds(late, "late");

  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  EXPECT_EQ(Count(err, "reaped orphan"), 1000u);
  EXPECT_EQ(Count(err, "steady: started"), 1u) << err;
  EXPECT_EQ(Count(err, "spawner: finished (exit 0)"), 1u) << err;
  EXPECT_EQ(Count(err, "internal error"), 0u) << err;
}

// 10,000 signals at PID 1 in container mode: every one is forwarded.
// Real-time signals queue, so all 5,000 arrive, exactly; standard ones
// coalesce in the kernel, so each kind arrives at least once.
TEST_F(FaultInjection, SignalStormContainerMode) {
  if (kThreadSanitized) {
    // TSan's interceptor defers a signal to a handler and holds at most one
    // pending instance per signal number, so queued real-time signals
    // coalesce in the probe (built with TSan too) before it sees them.
    GTEST_SKIP() << "TSan coalesces queued real-time signals in the receiver";
  }
  LaunchOptions o;
  o.args = {"--", ProbePath(), "signals"};
  o.pid_namespace = true;
  Running r(o);
  ASSERT_EQ(r.ReadLine(), "ready");
  const pid_t pid1 = r.faultinit_pid();
  const std::vector<int> standard = {SIGHUP,  SIGUSR1, SIGUSR2, SIGWINCH,
                                     SIGURG,  SIGALRM, SIGQUIT, SIGCONT,
                                     SIGPROF, SIGIO};
  constexpr int kRealTime = 5000;
  for (int i = 0; i < 2 * kRealTime; ++i) {
    int signo = i % 2 == 0 ? SIGRTMIN + 1 : standard[(i / 2) % standard.size()];
    ASSERT_EQ(kill(pid1, signo), 0);
  }
  int real_time = 0;
  std::set<std::string> seen;
  while (real_time < kRealTime) {
    std::string line = r.ReadLine();
    ASSERT_NE(line, "<eof>") << "after " << real_time << " real-time signals";
    if (line == "RTMIN+1") {
      ++real_time;
    } else {
      seen.insert(line);
    }
  }
  r.Signal(SIGTERM);
  for (;;) {
    std::string line = r.ReadLine();
    ASSERT_NE(line, "<eof>");
    if (line == "TERM") break;
    EXPECT_NE(line, "RTMIN+1") << "more real-time signals than were sent";
    seen.insert(line);
  }
  EXPECT_EQ(r.Wait().ToString(), "exit 0");
  for (int signo : standard) {
    EXPECT_EQ(seen.count(sigabbrev_np(signo)), 1u) << sigabbrev_np(signo);
  }
}

// A service writing 100 MB leaves faultinit's memory bounded (the line
// splitter and the per-service ring have byte caps), and another service
// killed meanwhile is restarted.
TEST_F(FaultInjection, OutputFloodKeepsMemoryBounded) {
  // 3,000 short lines (past the ring's line and byte caps), then 100 MiB
  // in lines of 1 MiB (each cut to 4 KiB, the rest discarded).
  Unit("flood",
       "[Service]\nExecStart=/bin/sh -c 'i=0; while [ $i -lt 3000 ]; do "
       "printf \"short %%0200d\\n\" $i; i=$((i+1)); done; "
       "head -c 104857600 /dev/zero | tr -c x x | fold -w 1048576; echo; "
       "echo flood done; exec sleep 1005'\n");
  Unit("other",
       "[Service]\nExecStart=/bin/sleep 1006\nRestart=always\n"
       "RestartSec=10ms\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForAllStderr({"other: running", "flood: running"}));
  const pid_t pid1 = r.faultinit_pid();
  const long rss_before = StatusKb(pid1, "VmRSS");
  const long anon_before = StatusKb(pid1, "RssAnon");
  ASSERT_GT(rss_before, 0);
  pid_t other = SleepChild(pid1, "1006");
  ASSERT_TRUE(r.WaitForStderr("[truncated]"));  // the big lines have begun
  ASSERT_EQ(kill(other, SIGKILL), 0);
  ASSERT_TRUE(r.WaitForStderr("other: signal KILL; restarting in 10ms"));
  ASSERT_TRUE(r.WaitForStderr("other: running"));
  ASSERT_TRUE(r.WaitForStderr("[flood] flood done"));
  const long peak = StatusKb(pid1, "VmHWM");
  const long anon_after = StatusKb(pid1, "RssAnon");
  ExpectOnlyStandardFds(SleepChild(pid1, "1006"), "other, restarted");
  ExpectOnlyStandardFds(SleepChild(pid1, "1005"), "flood");
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  // The ring keeps at most 256 KiB of text; a reader holds one 4 KiB line.
  EXPECT_LT(peak - rss_before, kMemoryFactor * 4 * 1024)
      << "VmRSS before " << rss_before << " kB, VmHWM " << peak << " kB";
  EXPECT_LT(anon_after - anon_before, kMemoryFactor * 2 * 1024)
      << "RssAnon before " << anon_before << " kB, after " << anon_after;
  EXPECT_EQ(Count(r.err(), "[flood] short "), 3000u);
  EXPECT_EQ(Count(r.err(), "[truncated]"), 100u);
}

// A crash loop follows the back-off and the start limit exactly: RestartSec=
// doubling to RestartMaxDelaySec= in RestartSteps= steps, then failed at the
// StartLimitBurst=-th start within StartLimitIntervalSec=; the status shows
// the restarts, and another service is untouched.
TEST_F(FaultInjection, CrashLoopFollowsBackOffAndStartLimit) {
  Unit("loop",
       "[Unit]\nStartLimitIntervalSec=20s\nStartLimitBurst=6\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo attempt; exit 1'\nRestart=always\n"
       "RestartSec=10ms\nRestartSteps=3\nRestartMaxDelaySec=80ms\n");
  Unit("bystander", "[Service]\nExecStart=/bin/sleep 1007\n");
  char pattern[] = "/var/tmp/faultinit-loop.XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string base = pattern;
  LaunchOptions o = Boot();
  o.args.insert(o.args.end(), {"--control", base + "/control"});
  Running r(o);
  ASSERT_TRUE(
      r.WaitForStderr("loop: failed: start limit hit: 6 starts "
                      "within 20s"));
  // faultctl's table: NAME STATE PID UPTIME RESTARTS LAST-EXIT STATUS;
  // exit 3 when a service named is not running. RESTARTS is systemd's
  // NRestarts: the 6th restart was carried out and refused by the limit.
  CommandResult status =
      Faultctl({"--socket", base + "/control", "status", "loop"});
  EXPECT_EQ(status.exit_code, 3) << status.output;
  std::vector<std::string> rows = absl::StrSplit(status.output, '\n');
  ASSERT_GE(rows.size(), 2u) << status.output;
  std::vector<std::string> row =
      absl::StrSplit(rows[1], ' ', absl::SkipEmpty());
  ASSERT_EQ(row.size(), 8u) << status.output;
  row.erase(row.begin() + 3);  // the uptime
  EXPECT_EQ(row, (std::vector<std::string>{"loop", "failed", "-", "6", "exit",
                                           "1", "-"}))
      << status.output;
  pid_t bystander = SleepChild(r.faultinit_pid(), "1007");
  ExpectOnlyStandardFds(bystander, "bystander");
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  EXPECT_EQ(system(("rm -rf " + base).c_str()), 0);

  // The loop's own lines, in order.
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(r.err(), '\n')) {
    absl::ConsumePrefix(&line, "faultinit: ");
    absl::ConsumePrefix(&line, "warning: ");
    if (absl::StartsWith(line, "loop: ")) {
      std::string text(line.substr(strlen("loop: ")));
      if (absl::StartsWith(text, "started ")) text = "started";
      lines.push_back(text);
    }
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "started", "running", "exit 1; restarting in 10ms",
                       "started", "running", "exit 1; restarting in 20ms",
                       "started", "running", "exit 1; restarting in 40ms",
                       "started", "running", "exit 1; restarting in 80ms",
                       "started", "running", "exit 1; restarting in 80ms",
                       "started", "running", "exit 1; restarting in 80ms",
                       "failed: start limit hit: 6 starts within 20s"}))
      << r.err();
  EXPECT_EQ(Count(r.err(), "[loop] attempt"), 6u);
  EXPECT_EQ(Count(r.err(), "bystander: started"), 1u);
}

// Hostile unit directories: a directory, a FIFO and a dangling symlink
// named *.service, a 10 MB unit and binary garbage each give one clear
// line naming the file (and the line, for garbage), at boot and again on
// reload; a unit rewritten while SIGHUPs keep coming ends with its last
// definition; the other service keeps its process throughout.
TEST_F(FaultInjection, HostileUnitDirectory) {
  Unit("steady", "[Service]\nExecStart=/bin/sleep 1008\n");
  Unit("churn", "[Service]\nExecStart=/bin/sleep 2000\n");
  ASSERT_EQ(mkdir(UnitPath("adir").c_str(), 0755), 0);
  ASSERT_EQ(mkfifo(UnitPath("pipe").c_str(), 0644), 0);
  ASSERT_EQ(symlink("/nonexistent/target", UnitPath("dangling").c_str()), 0);
  {
    std::string huge = "[Service]\nExecStart=/bin/true\n";
    huge.append(10 * 1024 * 1024, '#');
    Unit("huge", huge);
    std::string garbage = "[Service]\n";
    unsigned state = 12345;
    for (int i = 0; i < 4096; ++i) {
      state = state * 1103515245 + 12345;
      garbage += static_cast<char>(state >> 16);
    }
    Unit("garbage", garbage);
  }
  Running r(Boot());
  const std::vector<std::string> diagnostics = {
      UnitPath("adir") + ": warning: not a regular file; skipped",
      UnitPath("pipe") + ": warning: not a regular file; skipped",
      UnitPath("dangling") +
          ": error: unable to open unit file: No such file or directory",
      UnitPath("huge") +
          ": error: the file is 10485790 bytes, over the limit of 1048576 "
          "(1 MiB); not parsed",
      UnitPath("garbage") + ":2: error: ",
  };
  ASSERT_TRUE(r.WaitForAllStderr(diagnostics));
  ASSERT_TRUE(r.WaitForAllStderr({"steady: running", "churn: running"}));
  const pid_t pid1 = r.faultinit_pid();
  const pid_t steady = SleepChild(pid1, "1008");
  ASSERT_NE(steady, 0);

  // SIGHUPs while churn.service is rewritten in place (truncated, then
  // written in pieces): some reloads see half a file. The last version
  // is complete before the last SIGHUP.
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      std::string text =
          absl::StrCat("[Service]\nExecStart=/bin/sleep ", 3000 + i, "\n");
      int fd = open(UnitPath("churn").c_str(), O_WRONLY | O_TRUNC);
      if (fd < 0) break;
      for (size_t at = 0; at < text.size(); at += 7) {
        (void)!write(fd, text.data() + at,
                     std::min<size_t>(7, text.size() - at));
      }
      close(fd);
    }
    done = true;
  });
  while (!done) {
    kill(pid1, SIGHUP);
    std::this_thread::yield();
  }
  writer.join();
  Unit("churn",
       "[Service]\nExecStart=/bin/sh -c 'echo last definition; exec sleep "
       "4000'\n");
  ASSERT_EQ(kill(pid1, SIGHUP), 0);
  // Each reload reports the hostile entries again. (Waited on, not polled
  // for: faultinit blocks while its stderr pipe is full.)
  ASSERT_TRUE(r.WaitForAllStderr(diagnostics));
  ASSERT_TRUE(r.WaitForStderr("[churn] last definition"));
  pid_t churn = SleepChild(pid1, "4000");
  if (churn == 0) {
    r.Signal(SIGTERM);
    r.Wait();
    std::string churn_lines;
    for (absl::string_view line : absl::StrSplit(r.err(), '\n')) {
      if (absl::StrContains(line, "churn") ||
          absl::StrContains(line, "reloaded")) {
        absl::StrAppend(&churn_lines, line, "\n");
      }
    }
    FAIL() << "churn does not run its last definition:\n" << churn_lines;
  }
  EXPECT_EQ(SleepChild(pid1, "1008"), steady);
  ExpectOnlyStandardFds(steady, "steady after the reloads");
  ExpectOnlyStandardFds(churn, "churn after the reloads");
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  EXPECT_EQ(Count(err, "steady: started"), 1u);
  EXPECT_EQ(Count(err, "internal error"), 0u);
  // One line per problem: each diagnostic line names its file.
  for (absl::string_view line : absl::StrSplit(err, '\n')) {
    if (absl::StrContains(line, "garbage.service") ||
        absl::StrContains(line, "huge.service")) {
      EXPECT_TRUE(absl::StartsWith(line, "faultinit: " + dir_) ||
                  absl::StrContains(line, ": failed: " + dir_))
          << line;
    }
  }
}

}  // namespace
}  // namespace faultinit::testing
