#include "runtime/terminate.h"

#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "gtest/gtest.h"
#include "runtime/testing/child.h"

namespace fault {
namespace {

std::string FirstLine(const std::string& text) {
  return text.substr(0, text.find('\n') + 1);
}

void BlockAbrt() {
  sigset_t abrt;
  sigemptyset(&abrt);
  sigaddset(&abrt, SIGABRT);
  sigprocmask(SIG_BLOCK, &abrt, nullptr);
}

// Abort's own case (SIGABRT blocked for a signalfd, a handler that must
// run) differs only under musl: tests/crash_test.cc's PowerOffAndReboot
// aborts the shipped binary with SIGABRT held by container mode.
TEST(Terminate, NamesTheUncaughtExceptionAndAborts) {
  testing::ChildResult r = testing::RunInChild([] {
    InstallTerminateHandler();
    BlockAbrt();
    try {
      throw std::runtime_error("boom");
    } catch (...) {
      std::terminate();
    }
  });
  // Its first line (qemu-user adds one of its own after an abort).
  EXPECT_EQ(FirstLine(r.err), "terminate: uncaught exception: boom\n");
  EXPECT_TRUE(r.status.signaled());
  EXPECT_EQ(r.status.signal(), SIGABRT);
}

TEST(Terminate, WithoutAnException) {
  testing::ChildResult r = testing::RunInChild([] {
    InstallTerminateHandler();
    std::terminate();
  });
  EXPECT_EQ(FirstLine(r.err), "terminate: called without an exception\n");
  EXPECT_EQ(r.status.signal(), SIGABRT);
}

}  // namespace
}  // namespace fault
