// Integration tests of faultinit's system mode: the real binary as PID 1 of
// a fresh PID and mount namespace, with a temporary unit directory. Every
// wait is on a line faultinit or a service prints, never on time.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

using SystemMode = UnitDirectoryTest;

// Services start in After= order, each after what it is ordered after is
// ready: a oneshot when it exited, a simple service once exec'd, a notify
// service on READY=1; journal output comes out as "[name] line".
TEST_F(SystemMode, OrderingAndReadiness) {
  Unit("setup",
       "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo prepared'\n");
  Unit("web",
       "[Unit]\nAfter=setup.service\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo web up; exec sleep 1000'\n");
  Unit("worker",
       "[Unit]\nAfter=web\n[Service]\nType=exec\n"
       "ExecStart=/bin/sleep 1000\n");
  Unit("api", absl::StrCat("[Unit]\nAfter=worker\n[Service]\nType=notify\n",
                           "ExecStart=", ProbePath(), " notify serving\n"));
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("api: running"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  size_t prepared = At(err, "[setup] prepared");
  size_t setup_done = At(err, "setup: finished (exit 0)");
  size_t web_started = At(err, "web: started /bin/sh");
  size_t worker_running = At(err, "worker: running");
  size_t api_started = At(err, "api: started");
  size_t notifying = At(err, "[api] notifying");
  size_t api_running = At(err, "api: running");
  EXPECT_LT(prepared, setup_done);
  EXPECT_LT(setup_done, web_started);
  EXPECT_LT(web_started, worker_running);
  EXPECT_LT(worker_running, api_started);
  EXPECT_LT(notifying, api_running);
}

// NotificationFd=: a notify service is ready on a READY=1 line, or on a
// bare newline (s6's protocol), written to its descriptor N; one that
// closes N without either stays starting until its start timeout.
TEST_F(SystemMode, NotificationFd) {
  Unit("piped",
       "[Service]\nType=notify\nNotificationFd=3\nExecStart=/bin/sh -c "
       "'echo before; echo READY=1 >&3; exec sleep 1000'\n");
  Unit("bare",
       "[Unit]\nAfter=piped\n[Service]\nType=notify\nNotificationFd=7\n"
       "ExecStart=/bin/sh -c 'echo >&7; exec sleep 1000'\n");
  Unit("mute",
       "[Unit]\nAfter=bare\n[Service]\nType=notify\nNotificationFd=4\n"
       "TimeoutStartSec=100ms\n"
       "ExecStart=/bin/sh -c 'exec 4>&-; echo closed; exec sleep 1000'\n");
  // READY=1 just before dying still counts: it is read before the exit.
  Unit("brief",
       "[Service]\nType=notify\nNotificationFd=3\n"
       "ExecStart=/bin/sh -c 'echo READY=1 >&3; exit 3'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForAllStderr({"mute: failed", "brief: failed"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  size_t before = At(err, "[piped] before");
  size_t piped_running = At(err, "piped: running");
  size_t bare_started = At(err, "bare: started");
  size_t bare_running = At(err, "bare: running");
  size_t mute_started = At(err, "mute: started");
  At(err, "mute: failed: start timed out after 100ms");
  EXPECT_EQ(err.find("mute: running"), std::string::npos) << err;
  EXPECT_LT(before, piped_running);
  EXPECT_LT(piped_running, bare_started);
  EXPECT_LT(bare_started, bare_running);
  EXPECT_LT(bare_running, mute_started);
  EXPECT_LT(At(err, "brief: running"), At(err, "brief: failed"));
}

// A failing service restarts with exponential back-off from RestartSec= to
// RestartMaxDelaySec= and fails for good at the start limit.
TEST_F(SystemMode, RestartBackOffAndStartLimit) {
  Unit("flaky",
       "[Unit]\nStartLimitBurst=4\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo try; exit 3'\nRestart=on-failure\n"
       "RestartSec=20ms\nRestartSteps=2\nRestartMaxDelaySec=80ms\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("flaky: failed: start limit hit: 4 starts"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  size_t first = At(err, "flaky: exit 3; restarting in 20ms");
  size_t second = At(err, "flaky: exit 3; restarting in 40ms");
  size_t third = At(err, "flaky: exit 3; restarting in 80ms");
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

// The back-off resets once a service stayed up for StartLimitIntervalSec=:
// a service that fails only after running that long always waits the base
// RestartSec=. (Its sleep is the uptime under test, not a synchronization.)
TEST_F(SystemMode, BackOffResetsAfterStayingUp) {
  Unit("steady",
       "[Unit]\nStartLimitIntervalSec=100ms\nStartLimitBurst=100\n[Service]\n"
       "ExecStart=/bin/sh -c 'sleep 0.2; exit 1'\nRestart=on-failure\n"
       "RestartSec=10ms\nRestartSteps=3\nRestartMaxDelaySec=1s\n");
  Running r(Boot());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(r.WaitForStderr("steady: exit 1; restarting in 10ms"));
  }
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  EXPECT_EQ(r.err().find("restarting in 21ms"), std::string::npos);
}

// Bad input fails only the units concerned, each with the file, line and
// value; a missing executable is reported once; the rest runs.
TEST_F(SystemMode, BadUnitsFailAloneWithReasons) {
  Unit("sideways", "[Service]\nType=sideways\nExecStart=/bin/true\n");
  Unit("ghost", "[Service]\nExecStart=/nonexistent/daemon\n");
  Unit("needy",
       "[Unit]\nRequires=sideways\n[Service]\nExecStart=/bin/sleep 1000\n");
  Unit("noexec", "[Service]\nType=simple\n");
  Unit("garbled", "[Service]\nthis is not a key\nExecStart=/bin/true\n");
  Unit("nobody-known",
       "[Service]\nUser=no-such-user\nExecStart=/bin/sleep 1000\n");
  Unit("fine",
       "[Service]\nExecStart=/bin/sh -c 'echo fine; exec sleep 1000'\n");
  Running r(Boot());
  // The exec failure is an event of its own (issue #26): waited for, or
  // the shutdown could overtake it.
  ASSERT_TRUE(r.WaitForAllStderr({"[fine] fine", "ghost: failed"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  At(err, absl::StrCat("sideways: failed: ", dir_,
                       "/sideways.service:2: error: Type: invalid value "
                       "\"sideways\""));
  At(err,
     "ghost: failed: unable to execute /nonexistent/daemon: No such file or "
     "directory");
  At(err, "needy: failed: ");
  At(err, absl::StrCat("noexec: failed: ", dir_,
                       "/noexec.service: error: "
                       "missing ExecStart="));
  At(err,
     absl::StrCat("garbled: failed: ", dir_, "/garbled.service:2: error: "));
  At(err, "nobody-known: failed: unknown user \"no-such-user\"");
  EXPECT_EQ(err.find("ghost: started"), std::string::npos);
  EXPECT_EQ(err.find("needy: started"), std::string::npos);
}

// When a required unit fails, what requires it is stopped.
TEST_F(SystemMode, RequiresPropagatesFailure) {
  std::string fifo = absl::StrCat(dir_, "/trigger");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Unit("db", absl::StrCat("[Service]\nExecStart=/bin/sh -c 'echo db up; read "
                          "x < ",
                          fifo, "; exit 4'\n"));
  Unit("app",
       "[Unit]\nRequires=db\nAfter=db\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo app up; exec sleep 1000'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("[app] app up"));
  int fd = open(fifo.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "go\n", 3), 3);
  close(fd);
  ASSERT_TRUE(r.WaitForStderr("app: stopped"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(), "db: failed: main process ended with exit 4");
}

// Shutdown stops services in reverse order; one that ignores SIGTERM is
// killed after its TimeoutStopSec= and fails (systemd's result "timeout"),
// then faultinit ends at once.
TEST_F(SystemMode, ShutdownOrderAndStopTimeout) {
  Unit("base",
       "[Service]\nExecStart=/bin/sh -c 'echo base; exec sleep 1000'\n");
  Unit("stubborn",
       "[Unit]\nAfter=base\n[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; "
       "echo stubborn; while :; do sleep 1; done'\nTimeoutStopSec=300ms\n");
  Running r(Boot());
  // Its trap is set once it has said its name.
  ASSERT_TRUE(r.WaitForStderr("[stubborn] stubborn"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  size_t stubborn = At(err, "stubborn: failed: stop timed out after 300ms");
  size_t base = At(err, "base: stopped");
  EXPECT_LT(stubborn, base);
  At(err, "shutting down to power off");
}

// A forking service is running once its launcher exited and PIDFile= named
// the daemon; the daemon is stopped with the service.
TEST_F(SystemMode, ForkingWithPidFile) {
  std::string pid_file = absl::StrCat(dir_, "/forky.pid");
  Unit("forky", absl::StrCat("[Service]\nType=forking\nPIDFile=", pid_file,
                             "\nExecStart=/bin/sh -c 'sleep 1000 & echo $! > ",
                             pid_file, "'\n"));
  Unit("guess", "[Service]\nType=forking\nExecStart=/bin/true\n");
  // PID files naming processes that are not the service's: forky's daemon
  // (another service's), and a process whose parent is still alive (so
  // not one its exited ExecStart= left to faultinit).
  Unit("thief", absl::StrCat("[Unit]\nAfter=forky.service\n[Service]\n"
                             "Type=forking\nPIDFile=",
                             pid_file, "\nExecStart=/bin/true\n"));
  std::string script = absl::StrCat(dir_, "/stray.sh");
  std::string stray_file = absl::StrCat(dir_, "/stray.pid");
  ASSERT_TRUE(WriteFile(
      script,
      absl::StrCat("sh -c 'sleep 1000 & echo $! > ", stray_file, ".tmp && mv ",
                   stray_file, ".tmp ", stray_file, "; wait' &\nwhile [ ! -s ",
                   stray_file, " ]; do :; done\n")));
  Unit("stray", absl::StrCat("[Service]\nType=forking\nPIDFile=", stray_file,
                             "\nExecStart=/bin/sh ", script, "\n"));
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("forky: running"));
  ASSERT_TRUE(r.WaitForAllStderr({"thief: failed: ", "stray: failed: "}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  EXPECT_LT(At(err, "forky: main process is pid "), At(err, "forky: running"));
  At(err, "forky: stopped");
  At(err, "guess: failed: ");
  At(err, "Type=forking needs PIDFile=");
  At(err, absl::StrCat("PIDFile= ", pid_file, " names pid "));
  At(err, "which is forky's: not a process of this service");
  At(err, ", not faultinit: not a process of this service");
}

// A forking service's daemon is watched from the moment its PID file named
// it: its own exit is the service's main exit (here a failure, with its
// status), not an orphan's.
TEST_F(SystemMode, ForkingDaemonsExitEndsItsService) {
  std::string pid_file = absl::StrCat(dir_, "/daemon.pid");
  // The daemon exits once the test writes to this FIFO.
  std::string go = absl::StrCat(dir_, "/go");
  ASSERT_EQ(mkfifo(go.c_str(), 0600), 0);
  Unit("daemon",
       absl::StrCat("[Service]\nType=forking\nPIDFile=", pid_file,
                    "\nExecStart=/bin/sh -c '/bin/sh -c \"read line < ", go,
                    "; exit 3\" & echo $! > ", pid_file, "'\n"));
  LaunchOptions o = Boot();
  o.args.insert(o.args.begin(), "-v");  // -vv: debug lines
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr("daemon: running"));
  ASSERT_TRUE(WriteFile(go, "go\n"));
  ASSERT_TRUE(r.WaitForStderr("daemon: failed: "));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  const std::string daemon_pid =
      err.substr(At(err, "daemon: main process is pid ") +
                 strlen("daemon: main process is pid "));
  const std::string pid = daemon_pid.substr(0, daemon_pid.find(' '));
  At(err, absl::StrCat("daemon: pid ", pid, " ended with exit 3"));
  At(err, "daemon: failed: main process ended with exit 3");
  EXPECT_EQ(err.find(absl::StrCat("reaped orphan ", pid, " ")),
            std::string::npos);
}

// Orphans that services leave behind are reaped by faultinit.
TEST_F(SystemMode, ReapsOrphans) {
  Unit("parent",
       "[Service]\nExecStart=/bin/sh -c '/bin/sh -c \"/bin/true &\"; echo "
       "spawned; exec sleep 1000'\n");
  LaunchOptions o = Boot();
  o.args.insert(o.args.begin(), "-v");  // -vv: debug lines
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr("reaped orphan"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
}

// PID 1 never exits over its arguments (a kernel passes init words it did
// not understand): a usage error is reported and system mode runs anyway.
// The SIGTERM sent once the line is out is held until system mode watches
// it (the kernel would drop it otherwise), so the shutdown always comes.
TEST_F(SystemMode, BadArgumentsAsPid1StillBoot) {
  LaunchOptions o;
  o.pid_namespace = true;
  o.args = {"--crash-action=explode", "-v"};
  // The defaults' unit directory does not exist here: system mode still
  // runs (with no services), and stays up until told to stop.
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr(
      "faultinit: --crash-action: invalid crash action \"explode\": expected "
      "freeze, reboot or poweroff; ignoring the command line: system mode "
      "with the defaults"))
      << r.err();
  EXPECT_EQ(r.Terminate().ToString(), "exit 0") << r.err();
}

// SIGHUP reloads the directory: new units start, removed ones stop, changed
// ones restart with their new definition, unchanged ones are untouched.
TEST_F(SystemMode, ReloadAppliesTheDifference) {
  Unit("keep",
       "[Service]\nExecStart=/bin/sh -c 'echo keep; exec sleep 1000'\n");
  Unit("change",
       "[Service]\nExecStart=/bin/sh -c 'echo old; exec sleep 1000'\n");
  Unit("drop",
       "[Service]\nExecStart=/bin/sh -c 'echo drop; exec sleep 1000'\n");
  Running r(Boot());
  ASSERT_TRUE(
      r.WaitForAllStderr({"[keep] keep", "drop: running", "[change] old"}));
  unlink(absl::StrCat(dir_, "/drop.service").c_str());
  Unit("change",
       "[Service]\nExecStart=/bin/sh -c 'echo new; exec sleep 1000'\n");
  Unit("add", "[Service]\nExecStart=/bin/sh -c 'echo add; exec sleep 1000'\n");
  r.Signal(SIGHUP);
  ASSERT_TRUE(r.WaitForStderr(
      "reloaded: started [add], stopped [drop], restarted [change]"));
  // drop's stop ends on its own (its process must go first): wait for it,
  // or the shutdown could overtake it.
  ASSERT_TRUE(
      r.WaitForAllStderr({"[change] new", "[add] add", "drop: removed"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  At(err, "drop: removed");
  At(err, "[add] add");
  // keep was started once and never stopped before the shutdown.
  size_t keep_started = At(err, "keep: started");
  EXPECT_EQ(err.find("keep: started", keep_started + 1), std::string::npos);
  EXPECT_LT(At(err, "shutting down"), At(err, "keep: stopped"));
}

// Services start clean however faultinit was started and whatever it did
// to its own signal state: a launcher that ignores SIGHUP and blocks
// SIGUSR1 (nohup, a shell's trap) is not passed on (kInitial is container
// mode's), nor are faultinit's own blocks (its signalfd's) and its ignored
// SIGPIPE: the fork child callset resets them (runtime/control.h).
// (IgnoreSIGPIPE=no: by systemd's default, a service starts with SIGPIPE
// ignored, tests/standard_io_test.cc.)
TEST_F(SystemMode, ServicesStartCleanFromADirtyLauncher) {
  Unit("sig",
       "[Service]\nType=oneshot\nIgnoreSIGPIPE=no\n"
       "ExecStart=/bin/sh -c 'grep -E \"^Sig(Blk|Ign)\" /proc/self/status'\n");
  LaunchOptions o = Boot();
  o.before_exec = [] {
    signal(SIGHUP, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_SETMASK, &set, nullptr);
  };
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr("sig: finished")) << r.err();
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(), "[sig] SigBlk:\t0000000000000000\n");
  At(r.err(), "[sig] SigIgn:\t0000000000000000\n");
}

// A service runs as its User=, with its environment, directory and umask,
// a clean signal state and only fds 0-2; /run is the tmpfs boot mounted.
TEST_F(SystemMode, ServiceExecutionEnvironment) {
  Unit("env",
       "[Service]\nType=oneshot\nUser=nobody\nEnvironment=GREETING=hi\n"
       "WorkingDirectory=/tmp\nUMask=0077\n"
       "ExecStart=/bin/sh -c 'echo uid=$(id -u) $GREETING $(pwd) $(umask); "
       "echo fds=$(ls /proc/self/fd); "
       "grep -E \"^Sig(Blk|Ign)\" /proc/self/status; "
       "echo run=$(stat -f -c %%T /run)'\n");
  std::string out_file = absl::StrCat(dir_, "/out.txt");
  Unit("to-file",
       absl::StrCat("[Service]\nType=oneshot\nStandardOutput=file:", out_file,
                    "\nExecStart=/bin/sh -c 'echo into the file'\n"));
  Running r(Boot());
  ASSERT_TRUE(r.WaitForAllStderr({"env: finished", "to-file: finished"}));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& err = r.err();
  At(err, "[env] uid=65534 hi /tmp 0077\n");
  At(err, "[env] fds=0 1 2 3\n");  // 3: ls's own directory
  At(err, "[env] SigBlk:\t0000000000000000\n");
  // SIGPIPE alone: IgnoreSIGPIPE=, systemd's default.
  At(err, "[env] SigIgn:\t0000000000001000\n");
  At(err, "[env] run=tmpfs\n");
  FILE* f = fopen(out_file.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char line[64] = {};
  fgets(line, sizeof line, f);
  fclose(f);
  EXPECT_STREQ(line, "into the file\n");
  EXPECT_EQ(err.find("[to-file]"), std::string::npos);
}

// A service's environment never reaches faultinit's log, even at debug
// level and when the service fails (docs/security.md).
TEST_F(SystemMode, EnvironmentIsNeverLogged) {
  std::string env_file = absl::StrCat(dir_, "/secrets.env");
  ASSERT_TRUE(WriteFile(env_file, "FILE_TOKEN=from-the-file-0a1b\n"));
  Unit("secretive",
       absl::StrCat("[Service]\nEnvironment=TOKEN=hunter2-9z8y\n"
                    "EnvironmentFile=",
                    env_file, "\nExecStart=/bin/sh -c 'exit 3'\nRestart=no\n"));
  LaunchOptions o = Boot();
  o.args.insert(o.args.begin(), "-v");  // -vv: debug lines too
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr("secretive: failed"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  EXPECT_EQ(r.err().find("hunter2-9z8y"), std::string::npos) << r.err();
  EXPECT_EQ(r.err().find("from-the-file-0a1b"), std::string::npos) << r.err();
  At(r.err(), "secretive: started /bin/sh as pid ");
}

// A service flooding its output neither stalls faultinit nor the others.
TEST_F(SystemMode, FloodDoesNotStall) {
  Unit("flood",
       "[Service]\nExecStart=/bin/sh -c 'yes flood | head -c 20000000; "
       "exec sleep 1000'\n");
  Unit("late",
       "[Unit]\nAfter=flood\n[Service]\n"
       "ExecStart=/bin/sh -c 'echo late ran; exec sleep 1000'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("[late] late ran"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
}

// A dependency cycle fails exactly the units on it, naming the whole cycle.
TEST_F(SystemMode, CycleFailsItsUnitsOnly) {
  Unit("a", "[Unit]\nAfter=b\n[Service]\nExecStart=/bin/sleep 1000\n");
  Unit("b", "[Unit]\nAfter=a\n[Service]\nExecStart=/bin/sleep 1000\n");
  Unit("c", "[Service]\nExecStart=/bin/sh -c 'echo c ran; exec sleep 1000'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("[c] c ran"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(), "a: failed: ");
  At(r.err(), "b: failed: ");
  At(r.err(), "ordering cycle: a -> b -> a");
}

// As PID 1, faultinit sets the hostname from /etc/hostname.
TEST_F(SystemMode, HostnameFromEtcHostname) {
  FILE* f = fopen("/etc/hostname", "r");
  if (f == nullptr) GTEST_SKIP() << "no /etc/hostname on this machine";
  char name[256] = {};
  ASSERT_NE(fgets(name, sizeof name, f), nullptr);
  fclose(f);
  std::string expected(name);
  expected.erase(expected.find_last_not_of(" \t\n") + 1);
  ASSERT_NE(expected, "before-boot");
  Unit("name", "[Service]\nType=oneshot\nExecStart=/bin/hostname\n");
  LaunchOptions o = Boot();
  o.in_namespace_first = "hostname before-boot";  // the namespace's own
  Running r(o);
  ASSERT_TRUE(r.WaitForStderr("name: finished"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  At(r.err(), "[name] " + expected + "\n");
}

// The harness's own contract (LaunchOptions::in_namespace_first): a command
// of the prelude that fails ends the launch, faultinit never runs. Else a
// private /etc that could not be copied would leave tests writing the
// host's.
TEST_F(SystemMode, HarnessPreludeThatFailsLaunchesNothing) {
  Unit("name", "[Service]\nType=oneshot\nExecStart=/bin/true\n");
  LaunchOptions o = Boot();
  o.in_namespace_first = "echo before >&2; false; echo after >&2";
  Running r(o);
  EXPECT_EQ(r.Wait().ToString(), "exit 1");
  EXPECT_NE(r.err().find("before"), std::string::npos) << r.err();
  EXPECT_EQ(r.err().find("after"), std::string::npos) << r.err();
  EXPECT_EQ(r.err().find("faultinit"), std::string::npos) << r.err();
}

// As PID 1 with no usable stdout, faultinit writes to /dev/console (here a
// file bind-mounted over it inside the test's mount namespace).
TEST_F(SystemMode, ConsoleWhenStdoutUnusable) {
  std::string console = absl::StrCat(dir_, "/console");
  FILE* f = fopen(console.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  Unit("say",
       "[Service]\nType=oneshot\n"
       "ExecStart=/bin/sh -c 'echo on the console; kill -TERM 1'\n");
  LaunchOptions o = Boot();
  o.in_namespace_first =
      absl::StrCat("mount --bind ", console, " /dev/console; exec >&-");
  Running r(o);
  EXPECT_EQ(r.Wait().ToString(), "exit 0");
  FILE* in = fopen(console.c_str(), "r");
  ASSERT_NE(in, nullptr);
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, in)) > 0) text.append(buffer, n);
  fclose(in);
  At(text, "[say] on the console\n");
  At(text, "faultinit: shutting down to power off");
}

// --check prints every problem with file and line, then the start order,
// and exits 1 on errors, 0 when clean.
TEST_F(SystemMode, CheckReportsWithoutRunning) {
  Unit("a", "[Service]\nExecStart=/bin/true\nBogus=1\n");
  Unit("b", "[Unit]\nAfter=a\n[Service]\nExecStart=/bin/true\n");
  LaunchOptions o;
  o.args = {"--check", dir_};
  Result clean = RunFaultinit(o);
  EXPECT_EQ(clean.status.ToString(), "exit 0");
  At(clean.out, absl::StrCat(dir_, "/a.service:3: warning: "));
  At(clean.out, "start order: a b\n");

  Unit("c", "[Service]\nRestart=sometimes\nExecStart=/bin/true\n");
  Result bad = RunFaultinit(o);
  EXPECT_EQ(bad.status.ToString(), "exit 1");
  At(bad.out, absl::StrCat(dir_, "/c.service:2: error: "));
}

}  // namespace
}  // namespace faultinit::testing
