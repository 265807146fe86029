#include "runtime/testing/hung_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fault::testing {

HungMount::~HungMount() { End(); }

void HungMount::End() {
  if (helper_ > 0) {
    told_.Reset();
    int status = 0;
    waitpid(helper_, &status, 0);
    helper_ = 0;
  }
}

std::string HungMount::Start(const std::string& dir, int deadline_ms) {
  if (mkdir(dir.c_str(), 0755) != 0) {
    ADD_FAILURE() << "mkdir " << dir << ": " << strerror(errno);
    return "no directory for the mount";
  }
  UniqueFd fuse(open("/dev/fuse", O_RDWR | O_CLOEXEC));
  if (!fuse) return "no /dev/fuse";
  const std::string options =
      absl::StrCat("fd=", fuse.get(), ",rootmode=40000,user_id=0,group_id=0");
  if (mount("faultinit-test", dir.c_str(), "fuse", MS_NOSUID | MS_NODEV,
            options.c_str()) != 0) {
    return absl::StrCat("unable to mount FUSE: ", strerror(errno));
  }
  int told[2], answer[2];
  if (pipe2(told, O_CLOEXEC) != 0 || pipe2(answer, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << strerror(errno);
    return "no pipe to the helper";
  }
  helper_ = fork();
  if (helper_ < 0) {
    ADD_FAILURE() << "fork: " << strerror(errno);
    return "no helper";
  }
  if (helper_ == 0) {
    // Holds the device (inherited) until told or the deadline.
    close(told[1]);
    close(answer[0]);
    struct pollfd go = {told[0], POLLIN, 0};
    const char said = poll(&go, 1, deadline_ms) > 0 ? 't' : 'x';
    (void)!write(answer[1], &said, 1);
    _exit(0);
  }
  close(told[0]);
  close(answer[1]);
  told_ = UniqueFd(told[1]);
  answer_ = UniqueFd(answer[0]);
  // `fuse` closes here: the helper holds the only reference, so no child
  // of the test keeps the connection alive.
  return "";
}

bool HungMount::ToldInTime() {
  // EPIPE when the helper is gone already (its deadline passed).
  (void)!write(told_.get(), "g", 1);
  char said = 0;
  EXPECT_EQ(read(answer_.get(), &said, 1), 1);
  int status = 0;
  EXPECT_EQ(waitpid(helper_, &status, 0), helper_);
  helper_ = 0;
  return said == 't';
}

}  // namespace fault::testing
