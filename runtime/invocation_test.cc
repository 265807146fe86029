#include "runtime/invocation.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/fs.h"

namespace fault {
namespace {

// A fake main() argument set.
const char* const kArgv[] = {"/sbin/faultinit", "--verbose", "service", "",
                             nullptr};
constexpr int kArgc = 4;
const char* const kEnvp[] = {
    "HOME=/home/fault", "HOMEX=not-home",   "TERM=vt100",         "EMPTY=",
    "DUPLICATE=first",  "DUPLICATE=second", "NOT_IMPORTED=value", nullptr};

// ChildResult: how a forked child left and what it wrote to stdout.
struct ChildResult {
  int status = -1;
  std::string output;
};

// RunInChild runs `body` in a forked child whose stdout is a pipe. `body`
// must leave the process itself; if it returns, the child leaves with
// _exit(99).
ChildResult RunInChild(const std::function<void()>& body) {
  ChildResult result;
  StatusOr<Pipe> pipe = MakePipe();
  if (!pipe.ok()) {
    ADD_FAILURE() << pipe.status().ToString();
    return result;
  }
  fflush(stdout);  // Nothing of the parent's may be flushed by the child.
  pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return result;
  }
  if (pid == 0) {
    if (dup2(pipe->write.get(), STDOUT_FILENO) < 0) _exit(98);
    body();
    _exit(99);
  }
  pipe->write.Reset();
  StatusOr<std::string> output = ReadAll(pipe->read.get(), 1 << 16);
  EXPECT_TRUE(output.ok()) << output.status().ToString();
  if (output.ok()) result.output = *output;
  EXPECT_EQ(waitpid(pid, &result.status, 0), pid);
  return result;
}

// System splits argv into the command name and the arguments after it.
TEST(Invocation, SystemSplitsCommandNameAndArguments) {
  Invocation invocation = Invocation::System(kArgc, kArgv, kEnvp, {});
  EXPECT_EQ(invocation.command_name(), "/sbin/faultinit");
  EXPECT_EQ(invocation.argv(),
            (std::vector<std::string>{"--verbose", "service", ""}));
}

// With no arguments at all, the command name and argv are empty.
TEST(Invocation, SystemAcceptsEmptyArgv) {
  char* argv[] = {nullptr};  // main()'s own types convert implicitly.
  char** envp = nullptr;
  Invocation invocation = Invocation::System(0, argv, envp, {"HOME"});
  EXPECT_EQ(invocation.command_name(), "");
  EXPECT_TRUE(invocation.argv().empty());
  EXPECT_TRUE(invocation.environ().empty());
}

// Only the imported names that are present in envp are snapshotted; a
// duplicated name gives its first value, as getenv does.
TEST(Invocation, SystemSnapshotsOnlyPresentImports) {
  static constexpr absl::string_view kImports[] = {"HOME", "MISSING", "EMPTY",
                                                   "DUPLICATE", "HOM"};
  Invocation invocation = Invocation::System(kArgc, kArgv, kEnvp, kImports);
  EXPECT_EQ(
      invocation.environ(),
      (Invocation::Environment{
          {"HOME", "/home/fault"}, {"EMPTY", ""}, {"DUPLICATE", "first"}}));
}

// The snapshot is taken from the given envp, not from the process
// environment.
TEST(Invocation, SystemReadsGivenEnvpNotProcessEnvironment) {
  ASSERT_EQ(setenv("FAULT_INVOCATION_ONLY_IN_PROCESS", "x", 1), 0);
  static constexpr absl::string_view kImports[] = {
      "FAULT_INVOCATION_ONLY_IN_PROCESS"};
  Invocation invocation = Invocation::System(kArgc, kArgv, kEnvp, kImports);
  EXPECT_TRUE(invocation.environ().empty());
  unsetenv("FAULT_INVOCATION_ONLY_IN_PROCESS");
}

// Imports adds present variables from the current environment, skips unset
// ones, and keeps the first value of a name already imported.
TEST(Invocation, ImportsReadsCurrentEnvironment) {
  static constexpr absl::string_view kImports[] = {"HOME"};
  Invocation invocation = Invocation::System(kArgc, kArgv, kEnvp, kImports);
  ASSERT_EQ(setenv("FAULT_INVOCATION_LATE", "late value", 1), 0);
  ASSERT_EQ(setenv("HOME", "/changed/home", 1), 0);
  ASSERT_EQ(unsetenv("FAULT_INVOCATION_UNSET"), 0);

  static constexpr absl::string_view kLater[] = {
      "FAULT_INVOCATION_LATE", "FAULT_INVOCATION_UNSET", "HOME"};
  invocation.Imports(kLater);
  EXPECT_EQ(invocation.environ(),
            (Invocation::Environment{{"HOME", "/home/fault"},
                                     {"FAULT_INVOCATION_LATE", "late value"}}));
  unsetenv("FAULT_INVOCATION_LATE");
}

// fs_pwd is the working directory as FsPwd saw it at creation, and does not
// follow later changes.
TEST(Invocation, SystemCapturesWorkingDirectory) {
  const char* saved = getenv("PWD");
  const std::string saved_pwd = saved != nullptr ? saved : "";
  ASSERT_EQ(setenv("PWD", "/pwd/at/creation", 1), 0);
  Invocation invocation = Invocation::System(kArgc, kArgv, kEnvp, {});
  ASSERT_EQ(setenv("PWD", "/pwd/after", 1), 0);
  EXPECT_EQ(invocation.fs_pwd(), "/pwd/at/creation");

  ASSERT_EQ(unsetenv("PWD"), 0);
  Invocation from_getcwd = Invocation::System(kArgc, kArgv, kEnvp, {});
  EXPECT_EQ(from_getcwd.fs_pwd(), FsPwd().value());
  EXPECT_FALSE(from_getcwd.fs_pwd().empty());
  if (saved != nullptr) setenv("PWD", saved_pwd.c_str(), 1);
}

// The system invocation has no context and the seed's "type" and "system"
// parameters.
TEST(Invocation, SystemHasNoContextAndSystemParameters) {
  Invocation invocation = Invocation::System(kArgc, kArgv, kEnvp, {});
  EXPECT_EQ(invocation.context(), nullptr);
  const Invocation::Parameters& parameters = invocation.parameters();
  EXPECT_EQ(parameters.size(), 2u);
  EXPECT_EQ(std::get<std::string>(parameters.at("type")), "system");
  EXPECT_EQ(std::get<std::vector<std::string>>(parameters.at("system")),
            (std::vector<std::string>{"/sbin/faultinit", "--verbose", "service",
                                      ""}));
}

// An Invocation made by another names it as its context and starts empty.
TEST(Invocation, ContextNamesTheCausingInvocation) {
  Invocation system = Invocation::System(kArgc, kArgv, kEnvp, {});
  Invocation derived(&Invocation::ImmediateExit, &system);
  EXPECT_EQ(derived.context(), &system);
  EXPECT_TRUE(derived.argv().empty());
  EXPECT_TRUE(derived.environ().empty());
  EXPECT_TRUE(derived.parameters().empty());
  EXPECT_EQ(derived.fs_pwd(), "");

  Invocation chained = Invocation::System(kArgc, kArgv, kEnvp, {},
                                          &Invocation::ProcessExit, &derived);
  EXPECT_EQ(chained.context(), &derived);
  EXPECT_EQ(chained.context()->context(), &system);
}

// parameters() stores typed values of every kind.
TEST(Invocation, ParametersAreTyped) {
  Invocation invocation(&Invocation::ImmediateExit);
  invocation.parameters()["structured"] = true;
  invocation.parameters()["count"] = int64_t{42};
  invocation.parameters()["names"] = std::vector<std::string>{"a", "b"};
  EXPECT_TRUE(std::get<bool>(invocation.parameters().at("structured")));
  EXPECT_EQ(std::get<int64_t>(invocation.parameters().at("count")), 42);
  EXPECT_EQ(
      std::get<std::vector<std::string>>(invocation.parameters().at("names")),
      (std::vector<std::string>{"a", "b"}));
}

// By default System's Exit leaves by exit(3): the status is the result and
// stdio buffers are flushed.
TEST(Invocation, DefaultExitIsProcessExit) {
  ChildResult child = RunInChild([] {
    Invocation invocation = Invocation::System(kArgc, kArgv, kEnvp, {});
    printf("buffered, no newline");
    invocation.Exit(7);
  });
  ASSERT_TRUE(WIFEXITED(child.status)) << child.status;
  EXPECT_EQ(WEXITSTATUS(child.status), 7);
  EXPECT_EQ(child.output, "buffered, no newline");
}

// ImmediateExit leaves by _exit(2): the status is the result and stdio
// buffers are not flushed.
TEST(Invocation, ImmediateExitSkipsStdioFlush) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer's _exit interceptor flushes stdio, which "
                  "is what this test checks does not happen";
#endif

  ChildResult child = RunInChild([] {
    Invocation invocation =
        Invocation::System(kArgc, kArgv, kEnvp, {}, &Invocation::ImmediateExit);
    printf("never flushed");
    invocation.Exit(9);
  });
  ASSERT_TRUE(WIFEXITED(child.status)) << child.status;
  EXPECT_EQ(WEXITSTATUS(child.status), 9);
  EXPECT_EQ(child.output, "");
}

// The chosen exit method is called with the result; when it returns, Exit
// still leaves the process with that result.
TEST(Invocation, ExitLeavesWhenMethodReturns) {
  ChildResult child = RunInChild([] {
    Invocation invocation(
        [](int result) { WriteString(STDOUT_FILENO, std::to_string(result)); });
    invocation.Exit(5);
  });
  ASSERT_TRUE(WIFEXITED(child.status)) << child.status;
  EXPECT_EQ(WEXITSTATUS(child.status), 5);
  EXPECT_EQ(child.output, "5");
}

// An empty exit method leaves by _exit with the result.
TEST(Invocation, EmptyExitMethodLeavesImmediately) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer's _exit interceptor flushes stdio, which "
                  "is what this test checks does not happen";
#endif

  ChildResult child = RunInChild([] {
    Invocation invocation{Invocation::ExitMethod()};
    printf("never flushed");
    invocation.Exit(3);
  });
  ASSERT_TRUE(WIFEXITED(child.status)) << child.status;
  EXPECT_EQ(WEXITSTATUS(child.status), 3);
  EXPECT_EQ(child.output, "");
}

}  // namespace
}  // namespace fault
