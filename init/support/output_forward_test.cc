// OutputForwarder: the records it writes to kmsg and the console (regular
// files standing in for them here) and the datagrams it sends to a syslog
// socket, and its error when nothing listens.

#include "init/support/output_forward.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TempPath(const std::string& name) {
  return std::string(getenv("TEST_TMPDIR")) + "/" + name;
}

TEST(OutputForwarder, SyslogDatagramIsRfc3164) {
  // 2026-03-05 07:08:09 UTC
  EXPECT_EQ(OutputForwarder::SyslogDatagram(30, "web", 42, "hello", 1772694489),
            "<30>Mar  5 07:08:09 web[42]: hello");
  EXPECT_EQ(OutputForwarder::SyslogDatagram(134, "web", 0, "x", 1772694489),
            "<134>Mar  5 07:08:09 web: x");
}

TEST(OutputForwarder, KmsgAndConsoleGetOneTaggedLineEach) {
  ForwardPaths paths;
  paths.kmsg = TempPath("kmsg");
  paths.console = TempPath("console");
  {
    std::ofstream(paths.kmsg).flush();
    std::ofstream(paths.console).flush();
    OutputForwarder f("ident", 7, 13, paths);
    EXPECT_TRUE(f.Kmsg("first"));
    EXPECT_TRUE(f.Kmsg("second"));
    EXPECT_TRUE(f.Console("shown"));
  }
  EXPECT_EQ(Slurp(paths.kmsg), "<13>ident[7]: first\n<13>ident[7]: second\n");
  EXPECT_EQ(Slurp(paths.console), "ident[7]: shown\n");
  paths.kmsg = TempPath("no/such/dir/kmsg");
  OutputForwarder f("ident", 7, 13, paths);
  EXPECT_FALSE(f.Kmsg("lost"));
}

TEST(OutputForwarder, SyslogSendsToTheSocketOrSaysWhy) {
  // Short: a socket's path fits in 108 bytes, $TEST_TMPDIR's may not.
  char dir[] = "/tmp/forward-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  ForwardPaths paths;
  paths.syslog = std::string(dir) + "/log";
  unlink(paths.syslog.c_str());
  {
    OutputForwarder f("ident", 0, 30, paths);
    fault::Status s = f.Syslog("nobody");
    EXPECT_FALSE(s.ok());
    EXPECT_NE(
        std::string(s.message()).find("unable to send to " + paths.syslog),
        std::string::npos)
        << s.message();
  }
  fault::UniqueFd server(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  strncpy(address.sun_path, paths.syslog.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(
      bind(server.get(), reinterpret_cast<sockaddr*>(&address), sizeof address),
      0);
  OutputForwarder f("ident", 9, 30, paths);
  ASSERT_TRUE(f.Syslog("listened").ok());
  char buffer[512];
  ssize_t n = recv(server.get(), buffer, sizeof buffer, 0);
  ASSERT_GT(n, 0);
  const std::string got(buffer, static_cast<size_t>(n));
  EXPECT_EQ(got.substr(0, 4), "<30>");
  EXPECT_EQ(got.substr(got.size() - 19), " ident[9]: listened") << got;
  unlink(paths.syslog.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace faultinit
