// A spawn whose working directory or executable lies on a hung FUSE mount
// does not suspend the parent (remote_mounts.h): a child sharing the
// parent's memory (clone(CLONE_VM | CLONE_VFORK)) would hold the parent
// until its chdir or exec returned, and on a hung server they never do.
// Such a spawn forks, and the parent goes on while the child waits.
//
// The hung mount is real: FUSE mounted in a mount namespace of the test's
// own with a device no daemon ever reads, so every lookup under it waits
// (the connection is never initialised). A helper process holds the
// device; when it exits the kernel aborts the connection and the waiting
// lookups fail. It exits when the test says StartSpawn has returned, or
// after a deadline of 20 s; it answers which: a parent suspended by its
// child reaches StartSpawn's return only after the deadline.

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/spawn.h"
#include "runtime/testing/hung_mount.h"

namespace fault {
namespace {

constexpr int kDeadlineMs = 20000;

class SpawnRemoteMount : public ::testing::Test {
 protected:
  // One mount namespace for the whole test binary: a spawn keeps the
  // mount table of the namespace it first read (remote_mounts.h).
  static void SetUpTestSuite() {
    signal(SIGPIPE, SIG_IGN);  // the helper may be gone: EPIPE, not death
    namespace_ =
        geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
  }

  void SetUp() override {
    if (!namespace_) GTEST_SKIP() << "needs root and a mount namespace";
    dir_ = absl::StrCat(getenv("TEST_TMPDIR"), "/hung",
                        ::testing::UnitTest::GetInstance()->random_seed(), "-",
                        counter_++);
    const std::string why = hung_.Start(dir_, kDeadlineMs);
    if (!why.empty()) GTEST_SKIP() << why;
  }

  // Ends the hang; true if the helper was told before its deadline.
  bool ToldInTime() { return hung_.ToldInTime(); }

  // The child's report once the hang has ended: its lookup failed.
  static Status Report(StartedSpawn& spawn) {
    std::optional<Status> report;
    while (!(report = ReadSpawnReport(spawn))) {
      struct pollfd readable = {spawn.report.get(), POLLIN, 0};
      (void)poll(&readable, 1, -1);
    }
    int status = 0;
    EXPECT_EQ(waitpid(spawn.pid, &status, 0), spawn.pid);
    return *report;
  }

  static bool namespace_;
  static int counter_;
  std::string dir_;
  testing::HungMount hung_;
};

bool SpawnRemoteMount::namespace_ = false;
int SpawnRemoteMount::counter_ = 0;

TEST_F(SpawnRemoteMount, AWorkingDirectoryThereDoesNotSuspendTheParent) {
  SpawnOptions options;
  options.argv = {"/bin/true"};
  options.working_directory = dir_ + "/sub";
  options.close_other_fds = true;
  StatusOr<StartedSpawn> started = StartSpawn(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_TRUE(ToldInTime())
      << "StartSpawn returned only once the hung mount was aborted";
  Status report = Report(*started);
  EXPECT_FALSE(report.ok());
  EXPECT_NE(report.message().find("changing directory"), std::string::npos)
      << report.ToString();
}

TEST_F(SpawnRemoteMount, AnExecutableThereDoesNotSuspendTheParent) {
  SpawnOptions options;
  options.argv = {dir_ + "/sub/tool"};
  options.close_other_fds = true;
  StatusOr<StartedSpawn> started = StartSpawn(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_TRUE(ToldInTime())
      << "StartSpawn returned only once the hung mount was aborted";
  EXPECT_FALSE(Report(*started).ok());
}

}  // namespace
}  // namespace fault
