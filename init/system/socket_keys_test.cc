// The [Socket] keys of a .socket unit (socket_keys.h, socket_address.h), as
// ParseUnit reads them.

#include "init/system/socket_keys.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/system/unit.h"

namespace faultinit {
namespace {

ParsedUnit Parse(const std::string& socket_lines,
                 const std::string& name = "dbus.socket") {
  return ParseUnit(
      absl::StrCat("/lib/systemd/system/", name),
      absl::StrCat("[Unit]\nDescription=d\n[Socket]\n", socket_lines));
}

std::string Error(const std::string& socket_lines) {
  ParsedUnit p = Parse(socket_lines);
  EXPECT_FALSE(p.ok()) << socket_lines;
  for (const Diagnostic& d : p.diagnostics) {
    if (d.severity == Severity::kError) return d.message;
  }
  return "";
}

TEST(SocketKeys, DefaultsAreSystemds) {
  ParsedUnit p = Parse("ListenStream=/run/dbus/system_bus_socket\n");
  ASSERT_TRUE(p.ok()) << p.diagnostics[0].ToString();
  EXPECT_EQ(p.unit.name, "dbus.socket");
  ASSERT_NE(p.unit.socket, nullptr);
  const SocketSettings& s = *p.unit.socket;
  ASSERT_EQ(s.listen.size(), 1u);
  EXPECT_EQ(s.listen[0].family, AF_UNIX);
  EXPECT_EQ(s.listen[0].socket_type(), SOCK_STREAM);
  EXPECT_EQ(s.listen[0].path, "/run/dbus/system_bus_socket");
  EXPECT_TRUE(s.listen[0].in_file_system());
  EXPECT_EQ(s.socket_mode, 0666u);
  EXPECT_EQ(s.directory_mode, 0755u);
  EXPECT_EQ(s.backlog, SOMAXCONN);
  EXPECT_FALSE(s.remove_on_stop);
  EXPECT_FALSE(s.pass_credentials);
  EXPECT_FALSE(s.reuse_port);
  EXPECT_EQ(SocketServiceName(p.unit), "dbus");
  EXPECT_EQ(SocketFdName(p.unit), "dbus.socket");
}

TEST(SocketKeys, EveryKey) {
  ParsedUnit p = Parse(
      "ListenStream=@abstract\nListenDatagram=/run/log.sock\n"
      "ListenSequentialPacket=/run/seq\nListenFIFO=/run/initctl\n"
      "ListenNetlink=kobject-uevent 1\nListenStream=8080\n"
      "ListenStream=127.0.0.1:631\nListenDatagram=[::1]:53\n"
      "Accept=no\nSocketUser=messagebus\nSocketGroup=adm\nSocketMode=0660\n"
      "DirectoryMode=0700\nService=other.service\nFileDescriptorName=varlink\n"
      "RemoveOnStop=yes\nSymlinks=/dev/log /run/l2\nBacklog=16\n"
      "PassCredentials=true\nReusePort=on\n");
  ASSERT_TRUE(p.ok()) << p.diagnostics[0].ToString();
  const SocketSettings& s = *p.unit.socket;
  ASSERT_EQ(s.listen.size(), 8u);
  EXPECT_EQ(s.listen[0].family, AF_UNIX);
  EXPECT_EQ(s.listen[0].path, "@abstract");
  EXPECT_FALSE(s.listen[0].in_file_system());
  EXPECT_EQ(s.listen[1].socket_type(), SOCK_DGRAM);
  EXPECT_EQ(s.listen[2].socket_type(), SOCK_SEQPACKET);
  EXPECT_EQ(s.listen[3].kind, ListenKind::kFifo);
  EXPECT_TRUE(s.listen[3].in_file_system());
  EXPECT_EQ(s.listen[4].family, AF_NETLINK);
  EXPECT_EQ(s.listen[4].netlink_group, 1u);
  EXPECT_EQ(s.listen[5].family, AF_INET6);
  EXPECT_TRUE(s.listen[5].any_family);
  EXPECT_EQ(s.listen[5].port, 8080);
  EXPECT_EQ(s.listen[6].family, AF_INET);
  EXPECT_EQ(s.listen[6].path, "127.0.0.1");
  EXPECT_EQ(s.listen[6].port, 631);
  EXPECT_EQ(s.listen[7].family, AF_INET6);
  EXPECT_EQ(s.listen[7].path, "::1");
  EXPECT_EQ(s.user, "messagebus");
  EXPECT_EQ(s.group, "adm");
  EXPECT_EQ(s.socket_mode, 0660u);
  EXPECT_EQ(s.directory_mode, 0700u);
  EXPECT_EQ(SocketServiceName(p.unit), "other");
  EXPECT_EQ(SocketFdName(p.unit), "varlink");
  EXPECT_TRUE(s.remove_on_stop);
  EXPECT_EQ(s.symlinks, (std::vector<std::string>{"/dev/log", "/run/l2"}));
  EXPECT_EQ(s.backlog, 16);
  EXPECT_TRUE(s.pass_credentials);
  EXPECT_TRUE(s.reuse_port);
}

TEST(SocketKeys, EmptyResets) {
  ParsedUnit p = Parse(
      "ListenStream=/a\nListenStream=\nListenStream=/b\nSocketMode=0600\n"
      "SocketMode=\nSymlinks=/x\nSymlinks=\nService=x.service\nService=\n");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.unit.socket->listen.size(), 1u);
  EXPECT_EQ(p.unit.socket->listen[0].path, "/b");
  EXPECT_EQ(p.unit.socket->socket_mode, 0666u);
  EXPECT_TRUE(p.unit.socket->symlinks.empty());
  EXPECT_EQ(SocketServiceName(p.unit), "dbus");
}

TEST(SocketKeys, BadValuesAreErrors) {
  EXPECT_EQ(Error("ListenStream=relative\n"),
            "ListenStream: invalid address \"relative\": expected /PATH, "
            "@NAME, PORT, ADDRESS:PORT or [IPv6]:PORT");
  EXPECT_EQ(Error("ListenStream=70000\n"),
            "ListenStream: invalid address \"70000\": expected /PATH, @NAME, "
            "PORT, ADDRESS:PORT or [IPv6]:PORT");
  EXPECT_EQ(Error("ListenStream=1.2.3.4:0\n"),
            "ListenStream: invalid address \"1.2.3.4:0\": invalid port");
  EXPECT_EQ(Error("ListenStream=host:80\n"),
            "ListenStream: invalid address \"host:80\": not an IPv4 address "
            "(a host name is not resolved)");
  EXPECT_EQ(Error("ListenFIFO=@x\n"),
            "ListenFIFO: invalid address \"@x\": a FIFO needs an absolute "
            "path");
  EXPECT_EQ(Error("ListenNetlink=nosuch\n"),
            "ListenNetlink: invalid address \"nosuch\": unknown netlink "
            "family");
  EXPECT_EQ(Error(absl::StrCat("ListenStream=/", std::string(120, 'a'), "\n"))
                .substr(0, 12),
            "ListenStream");
  EXPECT_EQ(Error("ListenStream=/a\nSocketMode=999\n"),
            "SocketMode: invalid mode \"999\": expected an octal number from "
            "0 to 07777, such as 0660");
  EXPECT_EQ(Error("ListenStream=/a\nService=x.socket\n"),
            "Service: invalid service name \"x.socket\": expected "
            "NAME.service");
  EXPECT_EQ(Error("ListenStream=/a\nFileDescriptorName=a:b\n"),
            "FileDescriptorName: invalid name \"a:b\": at most 255 printable "
            "characters, no ':' or space");
  EXPECT_EQ(Error("ListenStream=/a\nSymlinks=rel\n"),
            "Symlinks: not an absolute path: \"rel\"");
  EXPECT_EQ(Error("ListenStream=/a\nBacklog=-1\n"),
            "Backlog: invalid number \"-1\"");
  EXPECT_EQ(Error("ListenStream=/a\nRemoveOnStop=maybe\n"),
            "RemoveOnStop: invalid boolean \"maybe\"");
}

TEST(SocketKeys, AcceptYesAndItsLimits) {
  ParsedUnit p = Parse("ListenStream=/a\nAccept=yes\n", "echo.socket");
  ASSERT_TRUE(p.ok()) << p.diagnostics[0].ToString();
  EXPECT_TRUE(p.unit.socket->accept);
  EXPECT_EQ(p.unit.socket->max_connections, 64u);  // systemd's defaults
  EXPECT_EQ(p.unit.socket->max_connections_per_source, 0u);
  EXPECT_EQ(AcceptTemplateName(p.unit), "echo@.service");
  p = Parse(
      "ListenStream=/a\nListenSequentialPacket=/b\nAccept=yes\n"
      "MaxConnections=3\nMaxConnectionsPerSource=1\n");
  ASSERT_TRUE(p.ok()) << p.diagnostics[0].ToString();
  EXPECT_EQ(p.unit.socket->max_connections, 3u);
  EXPECT_EQ(p.unit.socket->max_connections_per_source, 1u);
  EXPECT_EQ(Error("ListenStream=/a\nMaxConnections=0\n"),
            "MaxConnections: invalid number \"0\": at least 1");
  EXPECT_EQ(Error("ListenStream=/a\nMaxConnectionsPerSource=x\n"),
            "MaxConnectionsPerSource: invalid number \"x\"");
  // As systemd's socket_verify.
  EXPECT_EQ(Error("ListenStream=/a\nAccept=yes\nService=x.service\n"),
            "Service= with Accept=yes: each connection gets an instance of "
            "the socket's own template (NAME@.service), not a named service");
  EXPECT_EQ(Error("ListenStream=/a\nListenDatagram=/d\nAccept=yes\n"),
            "Accept=yes on \"/d\", which takes no connections: only "
            "ListenStream= and ListenSequentialPacket= sockets (not "
            "AF_NETLINK) can accept");
}

TEST(SocketKeys, ASocketNeedsAListenKeyAndNoExecStart) {
  EXPECT_EQ(Error("Backlog=3\n"),
            "missing Listen*=: a socket unit needs ListenStream=, "
            "ListenDatagram=, ListenSequentialPacket=, ListenFIFO= or "
            "ListenNetlink=");
  ParsedUnit p = ParseUnit("/x/a.socket", "[Unit]\nDescription=x\n");
  EXPECT_FALSE(p.ok());
}

TEST(SocketKeys, UnknownSocketKeysAreWarnedAbout) {
  ParsedUnit p = Parse("ListenStream=/a\nKeepAlive=yes\n");
  EXPECT_TRUE(p.ok());
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics[0].message,
            "unknown key \"KeepAlive\" in [Socket]; ignored");
}

TEST(SocketKeys, SocketKeysInAServiceAreMisplaced) {
  ParsedUnit p = ParseUnit("/x/a.service",
                           "[Service]\nExecStart=/bin/true\nListenStream=/a\n");
  EXPECT_TRUE(p.ok());
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics[0].message,
            "unknown key \"ListenStream\" in [Service] (it belongs in "
            "[Socket]); ignored");
}

}  // namespace
}  // namespace faultinit
