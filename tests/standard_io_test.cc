// Integration tests of a service's standard streams, terminal, signals and
// notifications as systemd gives them (docs/units.md: StandardInput=,
// TTYPath=, StandardOutput= kmsg/syslog, SyslogIdentifier=,
// IgnoreSIGPIPE=, NotifyAccess=): the real binary as PID 1 of a PID
// namespace, the effect observed from the test (a pseudo-terminal it holds
// the master of, /dev/kmsg) or from inside the services.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "tests/harness.h"
#include "tests/stream_observers.h"

namespace faultinit::testing {
namespace {

constexpr int kDeadlineMs = 30000;

// ChildNotExecd polls /proc (every 10 ms, up to the deadline) for a child
// of `parent` still named faultinit: forked, not exec'd yet.
bool ChildNotExecd(pid_t parent) {
  const fault::Duration deadline =
      fault::MonotonicNow() + fault::Milliseconds(kDeadlineMs);
  while (fault::MonotonicNow() < deadline) {
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return false;
    bool found = false;
    while (dirent* d = readdir(proc)) {
      if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;  // not a pid
      std::ifstream stat(absl::StrCat("/proc/", d->d_name, "/stat"));
      std::string text((std::istreambuf_iterator<char>(stat)),
                       std::istreambuf_iterator<char>());
      const size_t close = text.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream fields(text.substr(close + 2));
      std::string state;
      long ppid = 0;
      fields >> state >> ppid;
      found = found ||
              (ppid == parent && text.find("(faultinit)") != std::string::npos);
    }
    closedir(proc);
    if (found) return true;
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
  return false;
}

class StandardIo : public UnitDirectoryTest {};

// StandardInput=tty: the service is the session that owns the terminal
// (TIOCSCTTY): its controlling terminal in /proc/PID/stat is TTYPath=;
// stdout defaults to the terminal (systemd's inherit of tty input); and
// it reads what the test types.
TEST_F(StandardIo, TtyInputOwnsTheTerminal) {
  Pty pty = Pty::Open();
  ASSERT_FALSE(pty.slave.empty()) << "no pseudo-terminal here";
  Unit("getty",
       absl::StrCat("[Service]\nStandardInput=tty\nTTYPath=", pty.slave,
                    "\nTTYReset=yes\nTTYVHangup=yes\nTTYVTDisallocate=yes\n"
                    "ExecStart=/bin/sh -c 'echo tty_nr=$(cut -d\" \" -f7 "
                    "/proc/$$$$/stat) stdin=$(tty); read x; echo got=$x; "
                    "exec sleep 1000'\n"));
  Running r(Boot());
  const std::string expected =
      absl::StrCat("tty_nr=", pty.tty_nr, " stdin=", pty.slave);
  EXPECT_TRUE(pty.ReadUntil(expected))
      << "the service wrote nothing on its terminal";
  ASSERT_EQ(write(pty.master.get(), "hello\n", 6), 6);
  EXPECT_TRUE(pty.ReadUntil("got=hello")) << pty.seen;
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
}

// tty-fail: a terminal another session owns fails the start; tty-force
// takes it.
TEST_F(StandardIo, TtyFailFailsAndTtyForceSteals) {
  Pty pty = Pty::Open();
  ASSERT_FALSE(pty.slave.empty()) << "no pseudo-terminal here";
  Unit("owner", TtyUnit("owner", pty.slave));
  Unit("failing",
       absl::StrCat("[Unit]\nAfter=owner\n[Service]\n"
                    "StandardInput=tty-fail\nTTYPath=",
                    pty.slave, "\nExecStart=/bin/echo should-not-run\n"));
  Unit("forcing",
       absl::StrCat("[Unit]\nAfter=failing\n[Service]\n"
                    "StandardInput=tty-force\nTTYPath=",
                    pty.slave,
                    "\nExecStart=/bin/sh -c 'echo forced=$(cut -d\" \" -f7 "
                    "/proc/$$$$/stat); exec sleep 1000'\n"));
  Running r(Boot());
  EXPECT_TRUE(pty.ReadUntil("owner-up"));
  ASSERT_TRUE(r.WaitForStderr("failing: failed"));
  EXPECT_TRUE(pty.ReadUntil(absl::StrCat("forced=", pty.tty_nr))) << pty.seen;
  r.Signal(SIGTERM);
  r.Wait();
  At(r.err(), "opening the terminal (TTYPath=): Operation not permitted");
  EXPECT_EQ(pty.seen.find("should-not-run"), std::string::npos);
}

// StandardInput=tty waits while another session owns the terminal, and
// takes it once that session has ended.
TEST_F(StandardIo, TtyWaitsForTheOwnerToGo) {
  Pty pty = Pty::Open();
  ASSERT_FALSE(pty.slave.empty()) << "no pseudo-terminal here";
  Unit("owner",
       absl::StrCat("[Service]\nStandardInput=tty\nTTYPath=", pty.slave,
                    "\nExecStart=/bin/sh -c 'echo owner-up; read x; echo "
                    "owner-done'\n"));
  Unit("waiter",
       absl::StrCat("[Unit]\nAfter=owner\n[Service]\nStandardInput=tty\n"
                    "TTYPath=",
                    pty.slave,
                    "\nExecStart=/bin/sh -c 'echo waiter=$(cut -d\" \" -f7 "
                    "/proc/$$$$/stat); exec sleep 1000'\n"));
  Running r(Boot());
  EXPECT_TRUE(pty.ReadUntil("owner-up"));
  ASSERT_EQ(write(pty.master.get(), "bye\n", 4), 4);
  EXPECT_TRUE(pty.ReadUntil(absl::StrCat("waiter=", pty.tty_nr))) << pty.seen;
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  EXPECT_LT(pty.seen.find("owner-done"), pty.seen.find("waiter="));
}

// A service still waiting for its terminal is stopped by its stop's
// SIGTERM (its set-up does not hold it blocked), even with no stop
// timeout.
TEST_F(StandardIo, AServiceWaitingForItsTerminalStops) {
  Pty pty = Pty::Open();
  ASSERT_FALSE(pty.slave.empty()) << "no pseudo-terminal here";
  Unit("owner", TtyUnit("owner", pty.slave));
  Unit("waiter", absl::StrCat("[Unit]\nAfter=owner\n[Service]\n"
                              "StandardInput=tty\nTimeoutStopSec=infinity\n"
                              "TTYPath=",
                              pty.slave, "\nExecStart=/bin/echo never\n"));
  Running r(Boot());
  EXPECT_TRUE(pty.ReadUntil("owner-up"));
  // The waiter is forked and has not exec'd: a child of faultinit still
  // called faultinit.
  ASSERT_TRUE(ChildNotExecd(r.faultinit_pid()));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  EXPECT_EQ(pty.seen.find("never"), std::string::npos);
}

// The corpus's serial-getty@.service, unchanged, as the instance of the
// test's terminal: agetty prompts for a login on it.
TEST_F(StandardIo, CorpusSerialGettyRunsOnItsTerminal) {
  if (access("/sbin/agetty", X_OK) != 0) GTEST_SKIP() << "no /sbin/agetty";
  Pty pty = Pty::Open();
  ASSERT_FALSE(pty.slave.empty()) << "no pseudo-terminal here";
  std::ifstream in(
      "tests/data/units/debian12-systemd/systemd/serial-getty@.service");
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_FALSE(text.str().empty());
  // "pts-N" is the instance: %I unescapes it to pts/N.
  const std::string instance =
      absl::StrReplaceAll(pty.slave.substr(5), {{"/", "-"}});
  Unit(absl::StrCat("serial-getty@", instance), text.str());
  Running r(Boot());
  EXPECT_TRUE(pty.ReadUntil("login: ")) << pty.seen;
  r.Signal(SIGTERM);
  r.Wait();
  EXPECT_EQ(r.err().find("error:"), std::string::npos) << r.err();
}

// StandardOutput=kmsg: each line is a kernel log record
// "<PRI>IDENT[PID]: LINE", IDENT from SyslogIdentifier=, the priority from
// SyslogFacility= and SyslogLevel=.
TEST_F(StandardIo, KmsgOutputReachesTheKernelLog) {
  fault::UniqueFd kmsg(open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!kmsg) GTEST_SKIP() << "cannot read /dev/kmsg here";
  ASSERT_GE(lseek(kmsg.get(), 0, SEEK_END), 0);
  const std::string ident = absl::StrCat("fi-kmsg-", getpid());
  Unit("kernel", absl::StrCat("[Service]\nType=oneshot\nStandardOutput=kmsg\n"
                              "SyslogIdentifier=",
                              ident,
                              "\nSyslogFacility=local0\nSyslogLevel=notice\n"
                              "ExecStart=/bin/echo to the kernel\n"));
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("kernel: finished"));
  r.Signal(SIGTERM);
  r.Wait();
  // Records: "PRI,SEQ,TIME,FLAGS;TEXT\n"; PRI = local0 (16) * 8 + notice.
  const std::string records = ReadKernelLog(kmsg.get());
  const size_t at = records.find(absl::StrCat(ident, "["));
  ASSERT_NE(at, std::string::npos)
      << records.substr(records.size() > 2000 ? records.size() - 2000 : 0);
  const size_t start = records.rfind('\n', at) + 1;
  const std::string line =
      records.substr(start, records.find('\n', at) - start);
  EXPECT_EQ(line.substr(0, 4), "133,") << line;
  EXPECT_NE(line.find("]: to the kernel"), std::string::npos) << line;
  EXPECT_EQ(r.err().find("] to the kernel"), std::string::npos)
      << "kmsg output also went to faultinit's log";
}

// StandardOutput=syslog with nothing on /dev/log: the lines go to
// faultinit's log, prefixed with SyslogIdentifier=, and it says why once.
TEST_F(StandardIo, SyslogWithoutListenerFallsBackToTheLog) {
  if (access("/dev/log", F_OK) == 0) GTEST_SKIP() << "/dev/log exists here";
  Unit("logger",
       "[Service]\nType=oneshot\nStandardOutput=syslog\n"
       "SyslogIdentifier=lumberjack\n"
       "ExecStart=/bin/sh -c 'echo one; echo two'\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("logger: finished"));
  r.Signal(SIGTERM);
  r.Wait();
  const std::string& err = r.err();
  At(err, "[lumberjack] one\n");
  At(err, "[lumberjack] two\n");
  const std::string said =
      "logger: StandardOutput=syslog: unable to send to /dev/log";
  At(err, said);
  EXPECT_EQ(err.find(said, err.find(said) + 1), std::string::npos)
      << "said more than once";
}

// IgnoreSIGPIPE=: by default a service starts with SIGPIPE ignored (bit
// 12 of SigIgn), as systemd's services do; =no leaves its default.
TEST_F(StandardIo, IgnoreSigpipeDefaultsToYes) {
  Unit("default",
       "[Service]\nType=oneshot\n"
       "ExecStart=/bin/grep SigIgn /proc/self/status\n");
  Unit("off",
       "[Unit]\nAfter=default\n[Service]\nType=oneshot\n"
       "IgnoreSIGPIPE=no\n"
       "ExecStart=/bin/grep SigIgn /proc/self/status\n");
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("off: finished"));
  r.Signal(SIGTERM);
  r.Wait();
  At(r.err(), "[default] SigIgn:\t0000000000001000\n");
  At(r.err(), "[off] SigIgn:\t0000000000000000\n");
}

// NotifyAccess=: main (Type=notify's default) credits only the main
// process: READY=1 from its child (a subshell, which forks faultctl: it is
// not the subshell's last command) is refused, from the main
// process accepted; all credits the child. `faultctl notify` returns once
// faultinit has acted on the datagram (BARRIER=1), so "child-sent" is
// logged after the refusal or the acceptance.
TEST_F(StandardIo, NotifyAccessMainRefusesAChild) {
  const std::string script =
      absl::StrCat("ExecStart=/bin/sh -c '(", FaultctlPath(),
                   " notify READY=1; :); echo child-sent; ", FaultctlPath(),
                   " notify READY=1; echo main-sent; exec sleep 1000'\n");
  Unit("mainonly", absl::StrCat("[Service]\nType=notify\n", script));
  Unit("anyone",
       absl::StrCat("[Service]\nType=notify\nNotifyAccess=all\n", script));
  Running r(Boot());
  ASSERT_TRUE(
      r.WaitForAllStderr({"mainonly: running", "anyone: running",
                          "[mainonly] main-sent", "[anyone] main-sent"}));
  r.Signal(SIGTERM);
  r.Wait();
  const std::string& err = r.err();
  EXPECT_GT(At(err, "mainonly: running"), At(err, "[mainonly] child-sent"));
  EXPECT_LT(At(err, "anyone: running"), At(err, "[anyone] child-sent"));
}

}  // namespace
}  // namespace faultinit::testing
