#include "runtime/fork.h"

#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"
#include "runtime/testing/child.h"

namespace fault {
namespace {

using testing::RunInChild;

// Records its destruction, to observe unwinding.
struct Witness {
  std::vector<std::string>* log;
  std::string name;
  ~Witness() { log->push_back("~" + name); }
};

[[noreturn]] void DeepSubstitute(int depth, std::vector<std::string>* log) {
  Witness w{log, "frame" + std::to_string(depth)};
  if (depth == 0) {
    Fork::Substitute([log] {
      log->push_back("replacement");
      return 5;
    });
  }
  DeepSubstitute(depth - 1, log);
}

// Trap returns main's result when nothing is substituted.
TEST(Fork, TrapReturnsResult) {
  EXPECT_EQ(Fork::Trap([] { return 3; }), 3);
  EXPECT_EQ(Fork::Depth(), 0);
}

// A substitution deep inside nested calls unwinds them (destructors run, in
// order) and runs the replacement in main's place.
TEST(Fork, SubstituteUnwindsNestedCalls) {
  std::vector<std::string> log;
  int result = Fork::Trap([&] {
    Witness outer{&log, "main"};
    DeepSubstitute(2, &log);
    return 0;
  });
  EXPECT_EQ(result, 5);
  EXPECT_EQ(log, (std::vector<std::string>{"~frame0", "~frame1", "~frame2",
                                           "~main", "replacement"}));
}

// A replacement may itself substitute; the innermost trap catches it.
TEST(Fork, SubstitutionChainsAndNests) {
  int result = Fork::Trap([] {
    Fork::Substitute([] {
      int inner =
          Fork::Trap([]() -> int { Fork::Substitute([] { return 2; }); });
      Fork::Substitute([inner] { return inner * 10; });
      return -1;
    });
    return -1;
  });
  EXPECT_EQ(result, 20);
}

// Dispatch outside a trap is refused before forking.
TEST(Fork, DispatchNeedsTrap) {
  StatusOr<pid_t> pid = Fork::Dispatch([] { return 0; });
  EXPECT_EQ(pid.status().code(), StatusCode::kFailedPrecondition);
}

// The dispatched child unwinds the parent's frames back to the trap, runs
// the callable there and exits with its result; it never continues the
// parent's code path. The parent gets the child's pid.
TEST(Fork, DispatchRunsCallableAtTrap) {
  testing::ChildResult r = RunInChild([] {
    StatusOr<Pipe> pipe = MakePipe();
    int result = Fork::Trap([&] {
      struct Reporter {
        int fd;
        ~Reporter() { WriteString(fd, "unwound;"); }
      } reporter{pipe->write.get()};
      StatusOr<pid_t> pid = Fork::Dispatch([&] {
        WriteString(pipe->write.get(), "child ran;");
        return 42;
      });
      if (!pid.ok()) return 1;
      int status = 0;
      waitpid(*pid, &status, 0);
      // Only the parent reaches this line.
      WriteString(pipe->write.get(), "parent continued;");
      return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
    });
    pipe->write.Reset();
    StatusOr<std::string> log = ReadAll(pipe->read.get(), 1024);
    WriteString(STDOUT_FILENO, *log);
    _exit(result);
  });
  // The child's "unwound;" comes before it ran; the parent's reporter runs
  // when its trap returns.
  EXPECT_EQ(r.status.ToString(), "exit 42");
  EXPECT_EQ(r.out, "unwound;child ran;parent continued;unwound;");
}

// An exception in the dispatched child ends the child, not the parent.
TEST(Fork, DispatchedChildExceptionEndsChild) {
  testing::ChildResult r = RunInChild([] {
    int result = Fork::Trap([] {
      StatusOr<pid_t> pid = Fork::Dispatch([]() -> int { throw Exit(9); });
      siginfo_t info = {};
      waitid(P_PID, *pid, &info, WEXITED);
      return ExitStatus::FromSiginfo(info).exit_code();
    });
    _exit(result);
  });
  EXPECT_EQ(r.status.ToString(), "exit 9");
}

}  // namespace
}  // namespace fault
