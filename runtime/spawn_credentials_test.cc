#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/spawn.h"

namespace fault {
namespace {

// Credentials and umask reach the program. Needs real root: Bazel's
// sandbox maps root in a user namespace, where setgroups is refused, so the
// target runs unsandboxed.
TEST(Spawn, CredentialsAndUmask) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to change user and groups";
  StatusOr<Pipe> out = MakePipe();
  ASSERT_TRUE(out.ok());
  SpawnOptions options;
  options.argv = {"sh", "-c", "id -u; id -g; id -G; umask"};
  options.umask = 027;
  options.groups = std::vector<gid_t>{4242, 4343};
  options.gid = 4242;
  options.uid = 4141;
  options.stdout_fd = out->write.get();
  StatusOr<pid_t> pid = Spawn(options);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  out->write.Reset();
  StatusOr<std::string> text = ReadAll(out->read.get(), 4096);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "4141\n4242\n4242 4343\n0027\n");
  int status = 0;
  waitpid(*pid, &status, 0);
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace fault
