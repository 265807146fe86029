// The standard-stream and terminal keys of issue #27 that
// standard_io_test leaves out, each observed by the test on the real
// faultinit as PID 1 of a fresh PID namespace: TTYVHangup= (an earlier
// holder of the terminal is hung up), TTYReset= (the line settings made
// sane again), StandardOutput=/StandardError= journal+console (a
// pseudo-terminal bound over /dev/console), StandardError=kmsg, and
// StandardOutput=syslog with a listener on /dev/log (a socket of the test's, in
// a /dev rebuilt for the namespace).

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "tests/harness.h"
#include "tests/stream_observers.h"

namespace faultinit::testing {
namespace {

constexpr int kDeadlineMs = 30000;

using StdioKeys = UnitDirectoryTest;

// TTYVHangup=yes hangs the terminal up before the service opens it: what
// the test held of it before gives EIO; with =no it still works.
TEST_F(StdioKeys, TtyVHangupHangsUpEarlierHolders) {
  Pty hup = Pty::Open(/*hold=*/true), keep = Pty::Open(/*hold=*/true);
  ASSERT_TRUE(hup.held.valid() && keep.held.valid()) << "no pseudo-terminal";
  Unit("hup", TtyUnit("hup", hup.slave, "TTYVHangup=yes\n"));
  Unit("keep", TtyUnit("keep", keep.slave, "TTYVHangup=no\n"));
  Running r(Boot());
  ASSERT_TRUE(hup.ReadUntil("hup-up")) << hup.seen;
  ASSERT_TRUE(keep.ReadUntil("keep-up")) << keep.seen;
  errno = 0;
  EXPECT_EQ(write(hup.held.get(), "x\n", 2), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(write(keep.held.get(), "x\n", 2), 2);
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
}

// TTYReset=yes: a line left without echo and canonical mode is sane again
// (systemd's terminal_reset_ioctl), and the terminal got its reset
// sequence (ESC c); with =no it is left as it was.
TEST_F(StdioKeys, TtyResetMakesTheLineSane) {
  Pty reset = Pty::Open(/*hold=*/true), keep = Pty::Open(/*hold=*/true);
  ASSERT_TRUE(reset.held.valid() && keep.held.valid()) << "no pseudo-terminal";
  for (Pty* p : {&reset, &keep}) {
    struct termios t;
    ASSERT_EQ(tcgetattr(p->held.get(), &t), 0);
    t.c_lflag &= ~(ECHO | ICANON);
    ASSERT_EQ(tcsetattr(p->held.get(), TCSANOW, &t), 0);
  }
  Unit("reset", TtyUnit("reset", reset.slave, "TTYReset=yes\n"));
  Unit("keep", TtyUnit("keep", keep.slave, "TTYReset=no\n"));
  Running r(Boot());
  ASSERT_TRUE(reset.ReadUntil("reset-up")) << reset.seen;
  ASSERT_TRUE(keep.ReadUntil("keep-up")) << keep.seen;
  struct termios t;
  ASSERT_EQ(tcgetattr(reset.held.get(), &t), 0);
  EXPECT_EQ(t.c_lflag & (ECHO | ICANON), static_cast<tcflag_t>(ECHO | ICANON));
  EXPECT_NE(reset.seen.find("\033c"), std::string::npos);
  ASSERT_EQ(tcgetattr(keep.held.get(), &t), 0);
  EXPECT_EQ(t.c_lflag & (ECHO | ICANON), 0u);
  EXPECT_EQ(keep.seen.find("\033c"), std::string::npos);
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
}

// journal+console: each line in faultinit's log and on the console as
// "IDENT[PID]: LINE" (IDENT: SyslogIdentifier=, else the command's file
// name), for StandardOutput= and for StandardError= alike;
// StandardOutput=null drops stdout. The console is a pseudo-terminal of
// the test's, bound over /dev/console.
TEST_F(StdioKeys, JournalAndConsole) {
  Pty console = Pty::Open(/*hold=*/true);
  ASSERT_TRUE(console.held.valid()) << "no pseudo-terminal";
  Unit("both",
       "[Service]\nType=oneshot\nStandardOutput=journal+console\n"
       "SyslogIdentifier=fi-both\nExecStart=/bin/echo to-both\n");
  Unit("err-only",
       "[Service]\nType=oneshot\nStandardOutput=null\n"
       "StandardError=journal+console\n"
       "ExecStart=/bin/sh -c 'echo to-out; echo to-err >&2'\n");
  LaunchOptions o = Boot();
  o.in_namespace_first =
      absl::StrCat("mount --bind ", console.slave, " /dev/console");
  Running r(o);
  ASSERT_TRUE(r.WaitForAllStderr(
      {"faultinit: both: finished", "faultinit: err-only: finished"}));
  EXPECT_TRUE(console.ReadUntil("]: to-both")) << console.seen;
  EXPECT_TRUE(console.ReadUntil("]: to-err")) << console.seen;
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  const std::string& text = console.seen;
  const size_t both = At(text, "fi-both[");
  EXPECT_LT(both, text.find("]: to-both"));
  // Without SyslogIdentifier=: the command's file name (systemd's process
  // name); faultinit's log keeps the unit's.
  const size_t err_only = At(text, "sh[");
  EXPECT_LT(err_only, text.find("]: to-err"));
  At(r.err(), "[fi-both] to-both\n");
  At(r.err(), "[err-only] to-err\n");
  EXPECT_EQ(text.find("to-out"), std::string::npos) << text;
  EXPECT_EQ(r.err().find("to-out"), std::string::npos);
}

// StandardError=kmsg: what the service writes on stderr is a kernel log
// record; its stdout (null) goes nowhere.
TEST_F(StdioKeys, StandardErrorKmsg) {
  fault::UniqueFd kmsg(open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!kmsg) GTEST_SKIP() << "cannot read /dev/kmsg here";
  ASSERT_GE(lseek(kmsg.get(), 0, SEEK_END), 0);
  const std::string ident = absl::StrCat("fi-errk-", getpid());
  Unit("errk", absl::StrCat("[Service]\nType=oneshot\nStandardOutput=null\n"
                            "StandardError=kmsg\nSyslogIdentifier=",
                            ident,
                            "\nExecStart=/bin/sh -c 'echo to-out; echo "
                            "to-kmsg >&2'\n"));
  Running r(Boot());
  ASSERT_TRUE(r.WaitForStderr("errk: finished"));
  r.Signal(SIGTERM);
  r.Wait();
  const std::string records = ReadKernelLog(kmsg.get());
  const size_t at = records.find(absl::StrCat(ident, "["));
  ASSERT_NE(at, std::string::npos) << "no record of " << ident;
  const std::string line = records.substr(at, records.find('\n', at) - at);
  EXPECT_NE(line.find("]: to-kmsg"), std::string::npos) << line;
  EXPECT_EQ(r.err().find("to-kmsg"), std::string::npos);
  EXPECT_EQ(r.err().find("to-out"), std::string::npos);
}

// StandardOutput=syslog with a listener: one datagram per line,
// "<PRI>Mmm dd hh:mm:ss IDENT[PID]: LINE", PRI from SyslogFacility= and
// SyslogLevel=; nothing in faultinit's log. /dev/log is the test's
// socket, in a /dev of the namespace's own (the nodes a service needs
// bound in).
TEST_F(StdioKeys, SyslogReachesTheListener) {
  char short_dir[] = "/tmp/fi-syslog.XXXXXX";  // a socket's path is short
  ASSERT_NE(mkdtemp(short_dir), nullptr);
  const std::string socket_path = absl::StrCat(short_dir, "/log.sock");
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  socket_path.copy(address.sun_path, socket_path.size());
  fault::UniqueFd listener(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(listener.valid());
  ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&address),
                 sizeof address),
            0)
      << socket_path;
  Unit("sys",
       "[Service]\nType=oneshot\nStandardOutput=syslog\n"
       "SyslogIdentifier=fi-sys\nSyslogFacility=local1\n"
       "SyslogLevel=warning\nExecStart=/bin/echo to-syslog\n");
  const std::string dev = dir_ + "/dev";
  LaunchOptions o = Boot();
  o.in_namespace_first =
      absl::StrCat("set -e; mkdir ", dev,
                   "; for n in null zero full random urandom tty "
                   "console kmsg; do test -e /dev/$n || continue; touch ",
                   dev, "/$n; mount --bind /dev/$n ", dev, "/$n; done; ln -s ",
                   socket_path, " ", dev, "/log; mount --rbind ", dev, " /dev");
  Running r(o);
  std::string datagram;
  const fault::Duration deadline =
      fault::MonotonicNow() + fault::Milliseconds(kDeadlineMs);
  while (datagram.find("to-syslog") == std::string::npos) {
    const fault::Duration left = deadline - fault::MonotonicNow();
    ASSERT_GT(left, fault::ZeroDuration()) << "no datagram" << r.err();
    pollfd p = {listener.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(fault::ToInt64Milliseconds(left)) + 1) <=
        0) {
      continue;
    }
    char buffer[2048];
    ssize_t n = recv(listener.get(), buffer, sizeof buffer, 0);
    if (n > 0) datagram.assign(buffer, static_cast<size_t>(n));
  }
  ASSERT_TRUE(r.WaitForStderr("sys: finished"));
  EXPECT_EQ(r.Terminate().ToString(), "exit 0");
  // local1 (17) * 8 + warning (4).
  EXPECT_EQ(datagram.substr(0, 5), "<140>") << datagram;
  EXPECT_NE(datagram.find(" fi-sys["), std::string::npos) << datagram;
  EXPECT_NE(datagram.find("]: to-syslog"), std::string::npos) << datagram;
  EXPECT_EQ(r.err().find("to-syslog"), std::string::npos) << r.err();
  unlink(socket_path.c_str());
  rmdir(short_dir);
}

}  // namespace
}  // namespace faultinit::testing
