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

// InSessionsOrGroups finds a session's members in groups of their own,
// and the members of a group, and nothing else.
TEST(Processes, InSessionsOrGroups) {
  fault::StatusOr<fault::Pipe> ready = fault::MakePipe();
  fault::StatusOr<fault::Pipe> hold = fault::MakePipe();
  ASSERT_TRUE(ready.ok() && hold.ok());
  // A leads a session; B, its child, leads a group of its own in it.
  pid_t leader = fork();
  if (leader == 0) {
    if (setsid() < 0) _exit(1);
    pid_t member = fork();
    if (member == 0) {
      if (setpgid(0, 0) != 0) _exit(1);
      pid_t self = getpid();
      (void)fault::WriteAll(ready->write.get(), &self, sizeof self);
      hold->write.Reset();
      char c;
      (void)read(hold->read.get(), &c, 1);  // until the test closes
      _exit(0);
    }
    hold->write.Reset();
    char c;
    (void)read(hold->read.get(), &c, 1);
    waitpid(member, nullptr, 0);
    _exit(0);
  }
  ready->write.Reset();
  pid_t member = 0;
  ASSERT_EQ(fault::ReadFull(ready->read.get(), &member, sizeof member),
            static_cast<ssize_t>(sizeof member));

  std::vector<pid_t> found = InSessionsOrGroups({leader});
  std::sort(found.begin(), found.end());
  std::vector<pid_t> both = {leader, member};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(found, both);
  EXPECT_EQ(InSessionsOrGroups({member}), std::vector<pid_t>{member});
  EXPECT_EQ(InSessionsOrGroups({}), std::vector<pid_t>{});

  hold->write.Reset();
  ASSERT_EQ(waitpid(leader, nullptr, 0), leader);
}

}  // namespace
}  // namespace faultinit
