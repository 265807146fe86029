// SpawnOptions::listen_fds: the descriptors become the child's 3, 4, ...
// in order, and LISTEN_PID is the child's own pid (sd_listen_fds(3)), in
// a forked child and in a vfork-style one, with and without
// close_other_fds.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/spawn.h"

namespace fault {
namespace {

std::string Target(int fd) {
  char buffer[128];
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(link.c_str(), buffer, sizeof buffer - 1);
  return n < 0 ? "" : std::string(buffer, static_cast<size_t>(n));
}

int RunWithListenFds(bool close_other_fds) {
  StatusOr<Pipe> a = MakePipe();
  StatusOr<Pipe> b = MakePipe();
  EXPECT_TRUE(a.ok() && b.ok());
  // b first: the order given is the order the child sees.
  std::vector<std::string> env = {
      "PATH=/usr/bin:/bin",
      "EXPECT3=" + Target(b->read.get()),
      "EXPECT4=" + Target(a->read.get()),
      "LISTEN_PID=stale",
  };
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c",
                  "[ \"$LISTEN_PID\" = \"$$\" ] || exit 3; "
                  "[ \"$(readlink /proc/$$/fd/3)\" = \"$EXPECT3\" ] || exit 4; "
                  "[ \"$(readlink /proc/$$/fd/4)\" = \"$EXPECT4\" ] || exit 5; "
                  "exit 0"};
  options.environment = &env;
  options.close_other_fds = close_other_fds;
  options.listen_fds = {b->read.get(), a->read.get()};
  StatusOr<pid_t> pid = Spawn(options);
  EXPECT_TRUE(pid.ok()) << pid.status().message();
  if (!pid.ok()) return -1;
  int status = 0;
  EXPECT_EQ(waitpid(*pid, &status, 0), *pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SpawnListenFds, FromThreeWithTheChildsPid) {
  EXPECT_EQ(RunWithListenFds(false), 0);
}

TEST(SpawnListenFds, FromThreeWithCloseOtherFds) {
  EXPECT_EQ(RunWithListenFds(true), 0);
}

}  // namespace
}  // namespace fault
