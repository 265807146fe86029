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

// LiveProcesses gives each process's group and session: a session's
// member in a group of its own is seen as in the session.
TEST(Processes, LiveProcessesGivesGroupsAndSessions) {
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

  int seen = 0;
  for (const ProcessIds& p : LiveProcesses()) {
    if (p.pid == leader) {
      EXPECT_EQ(p.group, leader);
      EXPECT_EQ(p.session, leader);
      ++seen;
    } else if (p.pid == member) {
      EXPECT_EQ(p.group, member);
      EXPECT_EQ(p.session, leader);
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2);

  hold->write.Reset();
  ASSERT_EQ(waitpid(leader, nullptr, 0), leader);
}

}  // namespace
}  // namespace faultinit
