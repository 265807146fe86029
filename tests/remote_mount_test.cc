// PID 1 is never suspended by a service whose WorkingDirectory= lies on a
// hung FUSE mount (runtime/remote_mounts.h): its spawn forks, where a
// child sharing PID 1's memory (clone(CLONE_VM | CLONE_VFORK)) would hold
// PID 1 until its chdir returned, and on a hung server it never does.
//
// The hung mount is real: FUSE mounted in a mount namespace of the test's
// own (faultinit inherits it) with a device no daemon reads, so every
// lookup under it waits. A helper process holds the device and exits when
// the test says the other service runs and faultctl answered, or after a
// deadline of 20 s; it answers which. Its exit aborts the connection: the
// hung service's chdir then fails, and it fails, naming the stage.

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/testing/hung_mount.h"
#include "tests/harness.h"

namespace faultinit::testing {
namespace {

constexpr int kDeadlineMs = 20000;

class RemoteMount : public ControlledUnitTest {
 protected:
  void SetUp() override {
    ControlledUnitTest::SetUp();
    if (IsSkipped()) return;
    signal(SIGPIPE, SIG_IGN);  // the helper may be gone: EPIPE, not death
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      GTEST_SKIP() << "no mount namespace: " << strerror(errno);
    }
    hung_ = base_ + "/hung";
    const std::string why = mount_.Start(hung_, kDeadlineMs);
    if (!why.empty()) GTEST_SKIP() << why;
  }

  void TearDown() override {
    mount_.End();
    if (!hung_.empty()) umount2(hung_.c_str(), MNT_DETACH);
    ControlledUnitTest::TearDown();
  }

  // Ends the hang; true if the helper was told before its deadline.
  bool ToldInTime() { return mount_.ToldInTime(); }

  std::string hung_;
  fault::testing::HungMount mount_;
};

TEST_F(RemoteMount, AWorkingDirectoryOnAHungMountDoesNotSuspendPid1) {
  // Started first (the start order is by name), then the one that runs.
  Unit("a-hung", absl::StrCat("[Service]\nWorkingDirectory=", hung_,
                              "/sub\nExecStart=/bin/true\n"));
  Unit("b-live",
       "[Service]\nExecStart=/bin/sh -c 'echo up; exec sleep 1000'\n");
  Start({"[b-live] up"});
  EXPECT_EQ(StateOf("b-live"), "running");
  EXPECT_TRUE(ToldInTime())
      << "PID 1 went on only once the hung mount was aborted";
  // The connection aborted: a-hung's chdir fails, and so does a-hung.
  ASSERT_TRUE(running_->WaitForStderr("changing directory")) << running_->err();
}

}  // namespace
}  // namespace faultinit::testing
