// Socket units and socket activation (init/supervisor/socket_activation.h)
// in the real binary as PID 1 of a PID namespace: the sockets are opened
// before any service starts, the first connection, datagram or write
// starts the service, which gets them from descriptor 3 with LISTEN_FDS,
// LISTEN_PID (its own pid) and LISTEN_FDNAMES; a service that exited is
// started again by the next one. The service is tests/listen_probe.

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "tests/harness.h"
#include "tests/socket_client.h"

namespace faultinit::testing {
namespace {

std::string ListenProbePath() {
  std::string path = ProbePath();
  return path.substr(0, path.size() - 5) + "listen_probe";
}

// Connects to the stream socket at `path` and returns the first line the
// service writes ("hello PID"), or what went wrong; bounded by 30 s.
std::string Converse(const std::string& path) {
  fault::UniqueFd fd = Connect(path);
  if (!fd) return absl::StrCat("connect: ", strerror(errno));
  return ReadLine(fd.get());
}

class SocketActivationTest : public ControlledUnitTest {
 protected:
  void Socket(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFile(absl::StrCat(dir_, "/", name, ".socket"), text));
  }
  // A layout in dir_/lib whose default.target wants sockets.target, which
  // wants each of `sockets` (their files written by the test).
  std::string Layout(const std::vector<std::string>& sockets) {
    const std::string lib = dir_ + "/lib";
    EXPECT_EQ(mkdir(lib.c_str(), 0755), 0);
    EXPECT_EQ(mkdir((lib + "/sockets.target.wants").c_str(), 0755), 0);
    EXPECT_TRUE(
        WriteFile(lib + "/default.target", "[Unit]\nWants=sockets.target\n"));
    EXPECT_TRUE(WriteFile(lib + "/sockets.target", "[Unit]\nDescription=s\n"));
    for (const std::string& name : sockets) {
      EXPECT_EQ(symlink(("../" + name).c_str(),
                        (lib + "/sockets.target.wants/" + name).c_str()),
                0);
    }
    return lib;
  }
  void StartLayout(const std::string& lib,
                   const std::vector<std::string>& lines) {
    LaunchOptions o;
    o.args = {"-v", "--units-path", lib, "--control", socket_};
    o.pid_namespace = true;
    running_ = std::make_unique<Running>(o);
    ASSERT_TRUE(running_->WaitForAllStderr(lines)) << running_->err();
  }
};

TEST_F(SocketActivationTest, StreamSocketStartsItsServiceOnEachConnection) {
  const std::string path = base_ + "/run/echo.sock";
  Socket("echo", absl::StrCat("[Socket]\nListenStream=", path,
                              "\nSocketMode=0600\nDirectoryMode=0750\n"));
  Unit("echo", absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n"));
  Start({"echo.socket: listening on " + path});
  // Opened before any service, which has not started.
  struct stat st;
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(stat((base_ + "/run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(StateOf("echo"), "inactive");
  EXPECT_TRUE(absl::StrContains(Ctl({"status"}).out, "echo.socket"));

  std::string first = Converse(path);
  ASSERT_TRUE(absl::StartsWith(first, "hello ")) << first;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[echo] listen pid_ok=1 fds=1 names=echo.socket", "[echo] accepted"}))
      << running_->err();
  // It exited; the next connection starts it again.
  std::string second = Converse(path);
  ASSERT_TRUE(absl::StartsWith(second, "hello ")) << second;
  EXPECT_NE(first, second);  // another process
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[echo] listen pid_ok=1 fds=1 names=echo.socket", "[echo] accepted"}))
      << running_->err();
}

TEST_F(SocketActivationTest, DatagramSocketWithServiceAndName) {
  const std::string path = base_ + "/log.sock";
  Socket("log", absl::StrCat("[Socket]\nListenDatagram=", path,
                             "\nService=logd.service\n"
                             "FileDescriptorName=journal\n"));
  Unit("logd", absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n"));
  Start({"log.socket: listening on " + path + " for logd.service"});
  fault::UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  memcpy(address.sun_path, path.data(), path.size());
  ASSERT_EQ(sendto(fd.get(), "ping", 4, 0,
                   reinterpret_cast<sockaddr*>(&address), sizeof address),
            4)
      << strerror(errno);
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[logd] listen pid_ok=1 fds=1 names=journal", "[logd] datagram ping"}))
      << running_->err();
}

TEST_F(SocketActivationTest, FifoStartsItsServiceOnWrite) {
  const std::string path = base_ + "/control.fifo";
  Socket("pipe",
         absl::StrCat("[Socket]\nListenFIFO=", path, "\nSocketMode=0620\n"));
  Unit("pipe", absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n"));
  Start({"pipe.socket: listening on " + path});
  struct stat st;
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0620u);
  // PID 1 holds it open for reading: this open does not wait.
  fault::UniqueFd fd(open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(fd.valid()) << strerror(errno);
  ASSERT_EQ(write(fd.get(), "line\n", 5), 5);
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[pipe] listen pid_ok=1 fds=1 names=pipe.socket", "[pipe] fifo line"}))
      << running_->err();
}

TEST_F(SocketActivationTest, SocketUserAndGroupOwnThePath) {
  const std::string path = base_ + "/owned.sock";
  Socket("owned", absl::StrCat("[Socket]\nListenStream=", path,
                               "\nSocketUser=4321\nSocketGroup=1234\n"));
  Unit("owned", absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n"));
  Start({"owned.socket: listening on " + path});
  struct stat st;
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 4321u);
  EXPECT_EQ(st.st_gid, 1234u);
  EXPECT_EQ(st.st_mode & 07777, 0666u);  // SocketMode='s default
}

TEST_F(SocketActivationTest, RemoveOnStopRemovesThePathsAtShutdown) {
  const std::string removed = base_ + "/removed.sock";
  const std::string kept = base_ + "/kept.sock";
  const std::string link = base_ + "/link.sock";
  Socket("removed", absl::StrCat("[Socket]\nListenStream=", removed,
                                 "\nRemoveOnStop=yes\nSymlinks=", link, "\n"));
  Socket("kept", absl::StrCat("[Socket]\nListenStream=", kept, "\n"));
  Unit("removed",
       absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n"));
  Unit("kept", absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n"));
  Start({"removed.socket: listening on", "kept.socket: listening on"});
  struct stat st;
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(stat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(running_->Terminate().ToString(), "exit 0");
  ended_ = true;
  EXPECT_NE(lstat(removed.c_str(), &st), 0);
  EXPECT_NE(lstat(link.c_str(), &st), 0);
  EXPECT_EQ(lstat(kept.c_str(), &st), 0);
}

// The layout: a socket unit enabled in sockets.target.wants/, which
// default.target pulls in, is opened; its service, which nothing pulls in,
// starts on the first connection, and the service's Requires= and After=
// on its socket are satisfied.
TEST_F(SocketActivationTest, LayoutListensOnSocketsTheStartUnitPullsIn) {
  const std::string lib = dir_ + "/lib";
  const std::string path = base_ + "/bus.sock";
  ASSERT_EQ(mkdir(lib.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((lib + "/sockets.target.wants").c_str(), 0755), 0);
  ASSERT_TRUE(
      WriteFile(lib + "/default.target", "[Unit]\nWants=sockets.target\n"));
  ASSERT_TRUE(WriteFile(lib + "/sockets.target", "[Unit]\nDescription=s\n"));
  ASSERT_TRUE(WriteFile(lib + "/bus.socket",
                        absl::StrCat("[Socket]\nListenStream=", path, "\n")));
  ASSERT_TRUE(WriteFile(
      lib + "/unused.socket",
      absl::StrCat("[Socket]\nListenStream=", base_, "/unused.sock\n")));
  ASSERT_EQ(symlink("../bus.socket",
                    (lib + "/sockets.target.wants/bus.socket").c_str()),
            0);
  ASSERT_TRUE(
      WriteFile(lib + "/bus.service",
                absl::StrCat("[Unit]\nRequires=bus.socket\nAfter=bus.socket\n"
                             "[Service]\nExecStart=",
                             ListenProbePath(), "\n")));
  LaunchOptions o;
  o.args = {"-v", "--units-path", lib, "--control", socket_};
  o.pid_namespace = true;
  running_ = std::make_unique<Running>(o);
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"bus.socket: listening on " + path, "answering faultctl on " + socket_}))
      << running_->err();
  EXPECT_EQ(StateOf("bus"), "inactive");
  struct stat st;
  EXPECT_NE(lstat((base_ + "/unused.sock").c_str(), &st), 0);
  std::string hello = Converse(path);
  EXPECT_TRUE(absl::StartsWith(hello, "hello ")) << hello;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[bus] listen pid_ok=1 fds=1 names=bus.socket", "[bus] accepted"}))
      << running_->err();
}

// A socket unit nothing pulled in at boot (installed, not enabled) is
// loaded when a request names it, inactive and closed; `start` opens it,
// and its first connection starts its service, as systemd's.
TEST_F(SocketActivationTest, SocketUnitNotPulledInIsLoadedOnStart) {
  const std::string lib = Layout({});
  const std::string path = base_ + "/late.sock";
  ASSERT_TRUE(WriteFile(lib + "/late.socket",
                        absl::StrCat("[Socket]\nListenStream=", path, "\n")));
  ASSERT_TRUE(WriteFile(
      lib + "/late.service",
      absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n")));
  StartLayout(lib, {"answering faultctl on " + socket_});
  EXPECT_FALSE(Connect(path).valid());
  EXPECT_EQ(StateOf("late.socket"), "inactive");
  // "loaded on demand: late local-fs.target ... late.socket"
  ASSERT_TRUE(running_->WaitForStderr("loaded on demand: late "))
      << running_->err();
  EXPECT_FALSE(Connect(path).valid());
  ControlledUnitTest::CtlResult start = Ctl({"start", "late.socket"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  ASSERT_TRUE(running_->WaitForStderr("late.socket: listening on " + path))
      << running_->err();
  EXPECT_EQ(StateOf("late"), "inactive");
  const std::string hello = Converse(path);
  EXPECT_TRUE(absl::StartsWith(hello, "hello ")) << hello;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[late] listen pid_ok=1 fds=1 names=late.socket", "[late] accepted"}))
      << running_->err();
  // A name with no file is still unknown.
  EXPECT_NE(Ctl({"start", "none.socket"}).status, "exit 0");
}

// A reload opens a new socket unit the start unit pulls in, reopens one
// whose file changed (its service down), and closes one whose file is
// gone; its answer lists them.
TEST_F(SocketActivationTest, ReloadOpensNewAndChangedSocketUnits) {
  const std::string lib = Layout({"a.socket", "gone.socket"});
  const std::string a1 = base_ + "/a1.sock", a2 = base_ + "/a2.sock";
  const std::string b = base_ + "/b.sock", gone = base_ + "/gone.sock";
  auto socket_unit = [&](const std::string& name, const std::string& path) {
    ASSERT_TRUE(WriteFile(
        lib + "/" + name + ".socket",
        absl::StrCat("[Socket]\nListenStream=", path, "\nRemoveOnStop=yes\n")));
    ASSERT_TRUE(WriteFile(
        lib + "/" + name + ".service",
        absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n")));
  };
  socket_unit("a", a1);
  socket_unit("gone", gone);
  StartLayout(lib, {"a.socket: listening on " + a1,
                    "gone.socket: listening on " + gone});
  socket_unit("a", a2);
  socket_unit("b", b);
  ASSERT_EQ(
      symlink("../b.socket", (lib + "/sockets.target.wants/b.socket").c_str()),
      0);
  ASSERT_EQ(unlink((lib + "/gone.socket").c_str()), 0);
  ControlledUnitTest::CtlResult reload = Ctl({"reload"});
  EXPECT_EQ(reload.status, "exit 0") << reload.out;
  // b.service, new too, is listed before b.socket.
  EXPECT_TRUE(absl::StartsWith(reload.out, "started: ")) << reload.out;
  for (const char* line :
       {" b.socket\n", "\nrestarted: a.socket\n", "\nstopped: gone.socket\n"}) {
    EXPECT_TRUE(absl::StrContains(reload.out, line)) << reload.out;
  }
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"b.socket: new socket unit", "b.socket: listening on " + b,
       "a.socket: changed: reopened", "a.socket: listening on " + a2,
       "gone.socket: removed: closed"}))
      << running_->err();
  EXPECT_FALSE(Connect(a1).valid());
  EXPECT_FALSE(Connect(gone).valid());
  for (const std::string& path : {a2, b}) {
    const std::string hello = Converse(path);
    EXPECT_TRUE(absl::StartsWith(hello, "hello ")) << path << ": " << hello;
  }
  EXPECT_EQ(Ctl({"status", "gone.socket"}).status == "exit 0", false);
}

// systemd's daemon-reload opens, closes and reopens nothing: a new socket
// unit is loaded, closed; a changed one keeps its sockets until its
// restart opens the new ones; a removed one listens until stopped.
TEST_F(SocketActivationTest, DaemonReloadOpensAndClosesNothing) {
  const std::string lib = Layout({"a.socket", "gone.socket"});
  const std::string a1 = base_ + "/a1.sock", a2 = base_ + "/a2.sock";
  const std::string b = base_ + "/b.sock", gone = base_ + "/gone.sock";
  auto socket_unit = [&](const std::string& name, const std::string& path) {
    ASSERT_TRUE(WriteFile(
        lib + "/" + name + ".socket",
        absl::StrCat("[Socket]\nListenStream=", path, "\nRemoveOnStop=yes\n")));
    ASSERT_TRUE(WriteFile(
        lib + "/" + name + ".service",
        absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n")));
  };
  auto exists = [](const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
  };
  socket_unit("a", a1);
  socket_unit("gone", gone);
  StartLayout(lib, {"a.socket: listening on " + a1,
                    "gone.socket: listening on " + gone});
  socket_unit("a", a2);
  socket_unit("b", b);
  ASSERT_EQ(
      symlink("../b.socket", (lib + "/sockets.target.wants/b.socket").c_str()),
      0);
  ASSERT_EQ(unlink((lib + "/gone.socket").c_str()), 0);
  ControlledUnitTest::CtlResult reload = Ctl({"daemon-reload"});
  EXPECT_EQ(reload.status, "exit 0") << reload.out;
  for (const char* line :
       {" b.socket\n", "changed: a.socket\n", "removed: gone.socket\n"}) {
    EXPECT_TRUE(absl::StrContains(reload.out, line)) << reload.out;
  }
  EXPECT_TRUE(exists(a1));
  EXPECT_FALSE(exists(a2));
  EXPECT_TRUE(exists(gone));
  EXPECT_FALSE(exists(b));
  // The restart opens what the file says now.
  EXPECT_EQ(Ctl({"restart", "a.socket"}).status, "exit 0");
  EXPECT_FALSE(exists(a1));
  EXPECT_TRUE(exists(a2));
  // The removed one is closed by its stop, and forgotten.
  EXPECT_EQ(Ctl({"stop", "gone.socket"}).status, "exit 0");
  EXPECT_FALSE(exists(gone));
  ASSERT_TRUE(running_->WaitForStderr("gone.socket: removed"))
      << running_->err();
  EXPECT_EQ(Ctl({"start", "b.socket"}).status, "exit 0");
  EXPECT_TRUE(exists(b));
}

// A changed socket unit whose service runs keeps its sockets across a
// reload, with a warning: the service holds them.
TEST_F(SocketActivationTest, ReloadKeepsTheSocketsARunningServiceHolds) {
  const std::string lib = Layout({"held.socket"});
  const std::string old_path = base_ + "/old.sock";
  ASSERT_TRUE(
      WriteFile(lib + "/held.socket",
                absl::StrCat("[Socket]\nListenStream=", old_path, "\n")));
  ASSERT_TRUE(WriteFile(lib + "/held.service",
                        "[Service]\nExecStart=/bin/sleep 1000\n"));
  StartLayout(lib, {"held.socket: listening on " + old_path});
  ASSERT_EQ(Ctl({"start", "held"}).status, "exit 0");
  ASSERT_EQ(StateOf("held"), "running");
  ASSERT_TRUE(
      WriteFile(lib + "/held.socket",
                absl::StrCat("[Socket]\nListenStream=", base_, "/new.sock\n")));
  running_->Signal(SIGHUP);
  ASSERT_TRUE(running_->WaitForStderr(
      "held.socket: changed while held.service holds its sockets"))
      << running_->err();
  EXPECT_TRUE(Connect(old_path).valid());
  EXPECT_FALSE(Connect(base_ + "/new.sock").valid());
}

// Sockets= gives a service the sockets of a socket unit that activates
// another service; NonBlocking= sets their O_NONBLOCK at each start, and
// without it the flag is cleared (PID 1 opens them non-blocking), as
// systemd does.
TEST_F(SocketActivationTest, SocketsAndNonBlocking) {
  Unit("other", "[Service]\nExecStart=/bin/sleep 1000\n");
  for (const char* name : {"fast", "slow"}) {
    Socket(absl::StrCat(name, "-in"),
           absl::StrCat("[Socket]\nListenStream=", base_, "/", name,
                        ".sock\nService=other.service\n"));
  }
  // Prints the count and names it got and the flags of descriptor 3 (in
  // octal, from /proc: the description the service and PID 1 share).
  const std::string report =
      "ExecStart=/bin/sh -c 'echo \"$0 fds=$LISTEN_FDS "
      "names=$LISTEN_FDNAMES flags=$(sed -n \"s/^flags:[[:space:]]*//p\" "
      "/proc/self/fdinfo/3)\" >&2; exec sleep 1000' %n\n";
  Unit("fast", "[Service]\nSockets=fast-in.socket\nNonBlocking=yes\n" + report);
  Unit("slow", "[Service]\nSockets=slow-in.socket\n" + report);
  Start({"[fast] fast.service fds=1 names=fast-in.socket flags=",
         "[slow] slow.service fds=1 names=slow-in.socket flags="});
  auto flags = [&](const std::string& name) -> long {
    const std::string key =
        absl::StrCat("[", name, "] ", name, ".service fds=1 names=", name,
                     "-in.socket flags=");
    const std::string& err = running_->err();
    size_t at = err.find(key);
    if (at == std::string::npos) return -1;
    return strtol(err.c_str() + at + key.size(), nullptr, 8);
  };
  EXPECT_NE(flags("fast") & O_NONBLOCK, 0) << running_->err();
  EXPECT_EQ(flags("slow") & O_NONBLOCK, 0) << running_->err();
  EXPECT_GE(flags("slow"), 0) << running_->err();
}

// Accept=yes: PID 1 accepts each connection and starts an instance of the
// template for it alone, the connection its descriptor 3; the instance is
// not restarted (Restart=always in the template) and is removed once it
// ended; MaxConnections= closes what is over it.
TEST_F(SocketActivationTest, AcceptYesStartsAnInstancePerConnection) {
  const std::string lib = Layout({"echo.socket"});
  const std::string path = base_ + "/echo.sock";
  ASSERT_TRUE(WriteFile(lib + "/echo.socket",
                        absl::StrCat("[Socket]\nListenStream=", path,
                                     "\nAccept=yes\nMaxConnections=2\n")));
  ASSERT_TRUE(WriteFile(lib + "/echo@.service",
                        absl::StrCat("[Service]\nExecStart=", ListenProbePath(),
                                     "\nRestart=always\n")));
  StartLayout(lib, {"echo.socket: listening on " + path});
  fault::UniqueFd first = Connect(path);
  ASSERT_TRUE(first.valid()) << strerror(errno);
  const std::string hello1 = ReadLine(first.get());
  ASSERT_TRUE(absl::StartsWith(hello1, "hello ")) << hello1;
  // The client is outside faultinit's PID namespace: its pid is unknown
  // there, so the instance is named by the counter alone.
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"echo.socket: connection 0 for echo@0-unknown.service",
       "listen pid_ok=1 fds=1 names=connection", "connection -"}))
      << running_->err();
  fault::UniqueFd second = Connect(path);
  ASSERT_TRUE(second.valid()) << strerror(errno);
  const std::string hello2 = ReadLine(second.get());
  ASSERT_TRUE(absl::StartsWith(hello2, "hello ")) << hello2;
  EXPECT_NE(hello1, hello2);
  ASSERT_TRUE(running_->WaitForStderr(
      "echo.socket: connection 1 for echo@1-unknown.service"))
      << running_->err();
  EXPECT_EQ(StateOf("echo@0-unknown"), "running");
  EXPECT_EQ(StateOf("echo@1-unknown"), "running");
  EXPECT_TRUE(absl::StrContains(Ctl({"status", "echo.socket"}).out,
                                "listening on " + path + "; 2 connections"))
      << Ctl({"status", "echo.socket"}).out;
  // Over MaxConnections=2: closed at once, no instance.
  fault::UniqueFd third = Connect(path);
  ASSERT_TRUE(third.valid()) << strerror(errno);
  EXPECT_EQ(ReadLine(third.get()), "");
  ASSERT_TRUE(running_->WaitForStderr(
      "echo.socket: too many connections (2, MaxConnections=2)"))
      << running_->err();
  // The first ends: its instance is removed, not restarted.
  first.Reset();
  ASSERT_TRUE(running_->WaitForStderr("echo@0-unknown: removed"))
      << running_->err();
  EXPECT_FALSE(absl::StrContains(running_->err(), "restarting in"));
  // Asked for, a template's instance is loaded anew, as systemd's: not
  // running.
  EXPECT_EQ(StateOf("echo@0-unknown"), "inactive");
  // A slot is free again; the counter goes on from the last instance.
  fault::UniqueFd fourth = Connect(path);
  ASSERT_TRUE(fourth.valid()) << strerror(errno);
  const std::string hello4 = ReadLine(fourth.get());
  ASSERT_TRUE(absl::StartsWith(hello4, "hello ")) << hello4;
  ASSERT_TRUE(running_->WaitForStderr(
      "echo.socket: connection 2 for echo@2-unknown.service"))
      << running_->err();
  // Stopping the socket leaves the instances running.
  EXPECT_EQ(Ctl({"stop", "echo.socket"}).status, "exit 0");
  EXPECT_EQ(StateOf("echo.socket"), "inactive");
  EXPECT_FALSE(Connect(path).valid());
  EXPECT_EQ(StateOf("echo@1-unknown"), "running");
  second.Reset();
  fourth.Reset();
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"echo@1-unknown: removed", "echo@2-unknown: removed"}))
      << running_->err();
}

// MaxConnectionsPerSource=: counted per peer uid for AF_UNIX (as systemd).
TEST_F(SocketActivationTest, AcceptYesLimitsConnectionsPerSource) {
  const std::string lib = Layout({"echo.socket"});
  const std::string path = base_ + "/echo.sock";
  ASSERT_TRUE(
      WriteFile(lib + "/echo.socket",
                absl::StrCat("[Socket]\nListenStream=", path,
                             "\nAccept=yes\nMaxConnectionsPerSource=1\n")));
  ASSERT_TRUE(WriteFile(
      lib + "/echo@.service",
      absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n")));
  StartLayout(lib, {"echo.socket: listening on " + path});
  fault::UniqueFd first = Connect(path);
  ASSERT_TRUE(first.valid()) << strerror(errno);
  ASSERT_TRUE(absl::StartsWith(ReadLine(first.get()), "hello "));
  fault::UniqueFd second = Connect(path);
  ASSERT_TRUE(second.valid()) << strerror(errno);
  EXPECT_EQ(ReadLine(second.get()), "");
  ASSERT_TRUE(running_->WaitForStderr(
      absl::StrCat("echo.socket: too many connections (1) from uid ", getuid(),
                   " (MaxConnectionsPerSource=1)")))
      << running_->err();
  first.Reset();
  ASSERT_TRUE(running_->WaitForStderr("echo@0-unknown: removed"))
      << running_->err();
  fault::UniqueFd third = Connect(path);
  ASSERT_TRUE(third.valid()) << strerror(errno);
  EXPECT_TRUE(absl::StartsWith(ReadLine(third.get()), "hello "));
}

// A flat directory loads no template: an Accept=yes socket unit fails
// with the reason, and the others work.
TEST_F(SocketActivationTest, AcceptYesNeedsTheLayout) {
  Socket("echo", absl::StrCat("[Socket]\nListenStream=", base_,
                              "/echo.sock\nAccept=yes\n"));
  Unit("other", "[Service]\nExecStart=/bin/true\n");
  Start({"echo.socket: failed: Accept=yes needs its template echo@.service"});
  EXPECT_EQ(StateOf("echo.socket"), "failed");
}

// faultctl status|stop|start NAME.socket: stop closes the socket (and,
// with RemoveOnStop=, removes its file) and leaves its running service
// alone; start opens it again, and a connection activates the service.
TEST_F(SocketActivationTest, SocketUnitStopsAndStartsOnRequest) {
  const std::string path = base_ + "/run/echo.sock";
  Socket("echo",
         absl::StrCat("[Socket]\nListenStream=", path, "\nRemoveOnStop=yes\n"));
  Unit("echo",
       absl::StrCat("[Service]\nExecStart=", ListenProbePath(), " stay\n"));
  Start({"echo.socket: listening on " + path});
  CtlResult status = Ctl({"status", "echo.socket"});
  EXPECT_EQ(status.status, "exit 0");
  EXPECT_TRUE(absl::StrContains(status.out, "listening on " + path))
      << status.out;
  // Activated: the service holds the socket.
  std::string hello = Converse(path);
  ASSERT_TRUE(absl::StartsWith(hello, "hello ")) << hello;
  ASSERT_TRUE(running_->WaitForStderr("[echo] accepted")) << running_->err();
  EXPECT_TRUE(absl::StrContains(Ctl({"status", "echo.socket"}).out,
                                "running on " + path));
  CtlResult stop = Ctl({"stop", "echo.socket"});
  EXPECT_EQ(stop.status, "exit 0") << stop.out;
  EXPECT_EQ(StateOf("echo.socket"), "inactive");
  EXPECT_TRUE(absl::StrContains(Ctl({"status", "echo.socket"}).out, "stopped"));
  struct stat st;
  EXPECT_NE(lstat(path.c_str(), &st), 0);  // RemoveOnStop=
  EXPECT_EQ(StateOf("echo"), "running");   // its service goes on
  // Stopped, it stays closed when its service stops.
  EXPECT_EQ(Ctl({"stop", "echo"}).status, "exit 0");
  EXPECT_FALSE(Connect(path).valid());
  CtlResult start = Ctl({"start", "echo.socket"});
  EXPECT_EQ(start.status, "exit 0") << start.out;
  EXPECT_EQ(StateOf("echo.socket"), "running");
  ASSERT_EQ(lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  hello = Converse(path);
  EXPECT_TRUE(absl::StartsWith(hello, "hello ")) << hello;
  EXPECT_EQ(Ctl({"status", "nothing.socket"}).status, "exit 4");
}

// Service= names an alias: Debian's syslog.socket says
// Service=syslog.service, a link in /etc/systemd/system to
// rsyslog.service; the connection starts rsyslog.
TEST_F(SocketActivationTest, ServiceIsFollowedThroughAliases) {
  const std::string lib = Layout({"syslog.socket"});
  const std::string etc = dir_ + "/etc";
  ASSERT_EQ(mkdir(etc.c_str(), 0755), 0);
  const std::string path = base_ + "/log.sock";
  ASSERT_TRUE(WriteFile(lib + "/syslog.socket",
                        absl::StrCat("[Socket]\nListenStream=", path,
                                     "\nService=syslog.service\n")));
  ASSERT_TRUE(WriteFile(
      lib + "/rsyslog.service",
      absl::StrCat("[Service]\nExecStart=", ListenProbePath(), "\n")));
  ASSERT_EQ(symlink((lib + "/rsyslog.service").c_str(),
                    (etc + "/syslog.service").c_str()),
            0);
  LaunchOptions o;
  o.args = {"-v", "--units-path", etc + ":" + lib, "--control", socket_};
  o.pid_namespace = true;
  running_ = std::make_unique<Running>(o);
  ASSERT_TRUE(running_->WaitForStderr("syslog.socket: listening on " + path +
                                      " for rsyslog.service"))
      << running_->err();
  std::string hello = Converse(path);
  EXPECT_TRUE(absl::StartsWith(hello, "hello ")) << hello;
  ASSERT_TRUE(running_->WaitForAllStderr(
      {"[rsyslog] listen pid_ok=1 fds=1 names=syslog.socket",
       "[rsyslog] accepted"}))
      << running_->err();
}

}  // namespace
}  // namespace faultinit::testing
