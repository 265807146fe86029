#include "runtime/concurrently.h"

#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "gtest/gtest.h"
#include "runtime/fork.h"

namespace fault {
namespace {

// The tests run in a trap, as a program under Control does.
template <typename Body>
void InTrap(Body body) {
  Fork::Trap([&] {
    body();
    return 0;
  });
}

// The child's return value reaches the parent through Get.
TEST(Concurrently, DeliversResult) {
  InTrap([] {
    pid_t parent = getpid();
    StatusOr<ConcurrentResult> r = Concurrently([parent] {
      return std::to_string(getppid() == parent) + ":" +
             std::string(100000, 'z');
    });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_NE(r->pid(), getpid());
    StatusOr<std::string> got = r->Get();
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, "1:" + std::string(100000, 'z'));
    EXPECT_EQ(r->Get().status().code(), StatusCode::kFailedPrecondition);
  });
}

// A child that crashes yields an error naming the signal, not a hang.
TEST(Concurrently, CrashingChildIsAnError) {
  InTrap([] {
    StatusOr<ConcurrentResult> r = Concurrently([]() -> std::string {
      signal(SIGSEGV, SIG_DFL);  // sanitizers install their own handler
      raise(SIGSEGV);
      return "unreachable";
    });
    ASSERT_TRUE(r.ok());
    StatusOr<std::string> got = r->Get();
    EXPECT_EQ(got.status().code(), StatusCode::kAborted);
    EXPECT_EQ(got.status().message(),
              "child " + std::to_string(r->pid()) +
                  " ended with signal SEGV before delivering its result");
  });
}

// A child that throws or exits early is an error naming how it ended.
TEST(Concurrently, ThrowingOrExitingChildIsAnError) {
  InTrap([] {
    StatusOr<ConcurrentResult> exits =
        Concurrently([]() -> std::string { throw Exit(3); });
    ASSERT_TRUE(exits.ok());
    EXPECT_NE(exits->Get().status().message().find("ended with exit 3 before"),
              absl::string_view::npos);
    StatusOr<ConcurrentResult> throws =
        Concurrently([]() -> std::string { throw std::runtime_error("x"); });
    ASSERT_TRUE(throws.ok());
    EXPECT_NE(throws->Get().status().message().find("signal ABRT"),
              absl::string_view::npos);
  });
}

// Destroying an uncollected result kills and reaps the child.
TEST(Concurrently, DestructorKillsChild) {
  InTrap([] {
    pid_t pid = 0;
    {
      StatusOr<ConcurrentResult> r = Concurrently([]() -> std::string {
        for (;;) pause();
      });
      ASSERT_TRUE(r.ok());
      pid = r->pid();
    }
    EXPECT_EQ(kill(pid, 0), -1);
    EXPECT_EQ(errno, ESRCH);
  });
}

// Outside a trap there is no child to unwind to: refused.
TEST(Concurrently, NeedsTrap) {
  StatusOr<ConcurrentResult> r = Concurrently([] { return std::string(); });
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fault
