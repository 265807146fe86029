#include "init/processes.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "gtest/gtest.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

// ChildrenOf finds running children and not zombies; HasChildren sees both
// without reaping.
TEST(Processes, ChildrenAndZombies) {
  EXPECT_FALSE(HasChildren());
  fault::StatusOr<fault::Pipe> hold = fault::MakePipe();
  ASSERT_TRUE(hold.ok());
  pid_t running = fork();
  if (running == 0) {
    hold->write.Reset();
    char c;
    (void)read(hold->read.get(), &c, 1);  // until the parent closes
    _exit(0);
  }
  pid_t zombie = fork();
  if (zombie == 0) _exit(0);
  // Wait until the second child is a zombie, without reaping it.
  siginfo_t info = {};
  ASSERT_EQ(waitid(P_PID, zombie, &info, WEXITED | WNOWAIT), 0);

  std::vector<pid_t> children = ChildrenOf(getpid());
  EXPECT_NE(std::find(children.begin(), children.end(), running),
            children.end());
  EXPECT_EQ(std::find(children.begin(), children.end(), zombie),
            children.end());
  EXPECT_TRUE(HasChildren());

  hold->write.Reset();
  ASSERT_EQ(waitpid(running, nullptr, 0), running);
  EXPECT_TRUE(HasChildren());  // the zombie is still there
  ASSERT_EQ(waitpid(zombie, nullptr, 0), zombie);
  EXPECT_FALSE(HasChildren());
}

}  // namespace
}  // namespace faultinit
