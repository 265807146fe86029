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

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
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
    ASSERT_EQ(mkdir(hung_.c_str(), 0755), 0);
    fault::UniqueFd fuse(open("/dev/fuse", O_RDWR | O_CLOEXEC));
    if (!fuse) GTEST_SKIP() << "no /dev/fuse";
    const std::string options =
        absl::StrCat("fd=", fuse.get(), ",rootmode=40000,user_id=0,group_id=0");
    if (mount("faultinit-test", hung_.c_str(), "fuse", MS_NOSUID | MS_NODEV,
              options.c_str()) != 0) {
      GTEST_SKIP() << "unable to mount FUSE: " << strerror(errno);
    }
    int told[2], answer[2];
    ASSERT_EQ(pipe2(told, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(answer, O_CLOEXEC), 0);
    helper_ = fork();
    ASSERT_GE(helper_, 0);
    if (helper_ == 0) {
      close(told[1]);
      close(answer[0]);
      struct pollfd go = {told[0], POLLIN, 0};
      const char said = poll(&go, 1, kDeadlineMs) > 0 ? 't' : 'x';
      (void)!write(answer[1], &said, 1);
      _exit(0);
    }
    close(told[0]);
    close(answer[1]);
    told_ = fault::UniqueFd(told[1]);
    answer_ = fault::UniqueFd(answer[0]);
    // `fuse` closes here: the helper holds the only reference.
  }

  void TearDown() override {
    if (helper_ > 0) {
      told_.Reset();
      int status = 0;
      waitpid(helper_, &status, 0);
    }
    if (!hung_.empty()) umount2(hung_.c_str(), MNT_DETACH);
    ControlledUnitTest::TearDown();
  }

  // Ends the hang; true if the helper was told before its deadline.
  bool ToldInTime() {
    (void)!write(told_.get(), "g", 1);  // EPIPE once the helper is gone
    char said = 0;
    EXPECT_EQ(read(answer_.get(), &said, 1), 1);
    int status = 0;
    EXPECT_EQ(waitpid(helper_, &status, 0), helper_);
    helper_ = 0;
    return said == 't';
  }

  std::string hung_;
  pid_t helper_ = 0;
  fault::UniqueFd told_;
  fault::UniqueFd answer_;
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
