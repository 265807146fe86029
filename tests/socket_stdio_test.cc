// StandardInput=socket, StandardOutput=socket, StandardError=socket
// (systemd.exec(5)) in the real binary as PID 1 of a PID namespace, over
// systemd's layout: an Accept=yes instance's connection is its stdin, and
// its stdout and stderr by systemd's inherit, as inetd passes it (Debian's
// ssh@.service behind ssh.socket); an Accept=no unit's one listening
// socket is its service's stdin; a service with socket input and no socket,
// or with more than one, fails to start, naming why.

#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "tests/harness.h"
#include "tests/socket_client.h"
#include "tests/unit_tree_fixture.h"

namespace faultinit::testing {
namespace {

class SocketStdio : public UnitTreeTest {};

// Accept=yes: the instance reads the connection on stdin and answers on
// stdout and stderr (both inherit it), with no LISTEN_FDS.
TEST_F(SocketStdio, AcceptYesConnectionIsTheInstancesStdio) {
  const std::string path = base_ + "/echo.sock";
  File("lib/echo.socket",
       absl::StrCat("[Socket]\nListenStream=", path, "\nAccept=yes\n"));
  Link(lib_ + "/echo.socket", "etc/sockets.target.wants/echo.socket");
  File("lib/echo@.service",
       "[Service]\nStandardInput=socket\nExecStart=/bin/sh -c 'read -r line; "
       "echo \"echo: $line fds=${LISTEN_FDS:-none}\"; echo on-stderr >&2'\n");
  Start({"echo.socket: listening on " + path});
  for (const char* word : {"one", "two"}) {
    fault::UniqueFd client = Connect(path);
    ASSERT_TRUE(client.valid()) << strerror(errno);
    const std::string line = absl::StrCat(word, "\n");
    ASSERT_EQ(write(client.get(), line.data(), line.size()),
              static_cast<ssize_t>(line.size()));
    EXPECT_EQ(ReadLine(client.get()), absl::StrCat("echo: ", word, " fds=none"))
        << running_->err();
    EXPECT_EQ(ReadLine(client.get()), "on-stderr");
    EXPECT_EQ(ReadLine(client.get()), "");  // the instance ended
  }
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"echo@0-unknown: removed", "echo@1-unknown: removed"}))
      << running_->err();
}

// Accept=no: the one listening socket is stdin (its output here the log);
// ExecStartPre= gets it too, as in systemd.
TEST_F(SocketStdio, AcceptNoListeningSocketIsStdin) {
  const std::string path = base_ + "/wait.sock";
  File("lib/wait.socket", absl::StrCat("[Socket]\nListenStream=", path, "\n"));
  Link(lib_ + "/wait.socket", "etc/sockets.target.wants/wait.socket");
  File("lib/wait.service",
       "[Service]\nStandardInput=socket\nStandardOutput=journal\n"
       "ExecStartPre=/bin/sh -c '[ -S /dev/stdin ] && echo pre-socket'\n"
       "ExecStart=/bin/sh -c '[ -S /dev/stdin ] && echo main-socket "
       "fds=${LISTEN_FDS:-none}; exec sleep 1000'\n");
  Start({"wait.socket: listening on " + path});
  fault::UniqueFd client = Connect(path);
  ASSERT_TRUE(client.valid()) << strerror(errno);
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[wait] pre-socket", "[wait] main-socket fds=none", "wait: running"}))
      << running_->err();
}

// systemd's rule: exactly one socket. Two fail the start, and so does
// none (a service started with no socket unit for it).
TEST_F(SocketStdio, SocketInputNeedsExactlyOneSocket) {
  File("lib/two.socket",
       absl::StrCat("[Socket]\nListenStream=", base_,
                    "/a.sock\nListenStream=", base_, "/b.sock\n"));
  Link(lib_ + "/two.socket", "etc/sockets.target.wants/two.socket");
  File("lib/two.service",
       "[Service]\nStandardInput=socket\nExecStart=/bin/sleep 1000\n");
  File("lib/alone.service",
       "[Service]\nStandardOutput=socket\nExecStart=/bin/sleep 1000\n");
  Start({"two.socket: listening on " + base_ + "/a.sock"});
  ControlledUnitTest::CtlResult two = Ctl({"start", "two"});
  EXPECT_NE(two.status, "exit 0") << two.out;
  EXPECT_NE(two.out.find("StandardInput=socket: its socket units pass 2 "
                         "sockets; socket input and output take exactly one"),
            std::string::npos)
      << two.out;
  ControlledUnitTest::CtlResult alone = Ctl({"start", "alone"});
  EXPECT_NE(alone.status, "exit 0") << alone.out;
  EXPECT_NE(alone.out.find("StandardOutput=socket: no socket to connect"),
            std::string::npos)
      << alone.out;
}

}  // namespace
}  // namespace faultinit::testing
