#include "runtime/callsets.h"

#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/fd.h"

namespace fault {
namespace {

// Trace: an async-signal-safe record of callback runs, one character each.
char g_trace[128];
std::atomic<int> g_trace_length{0};

void ClearTrace() { g_trace_length.store(0); }

void Append(char c) {
  int at = g_trace_length.fetch_add(1);
  if (at < static_cast<int>(sizeof g_trace)) g_trace[at] = c;
}

std::string Trace() {
  int length = g_trace_length.load();
  if (length > static_cast<int>(sizeof g_trace)) length = sizeof g_trace;
  return std::string(g_trace, static_cast<size_t>(length));
}

std::function<void()> Appender(char c) {
  return [c] { Append(c); };
}

// ForkResult: the parent's trace after a fork and what the child reported.
struct ForkResult {
  std::string parent_trace;
  std::string child_trace;
  int child_status = -1;
};

// ForkAndTrace clears the trace, forks, and has the child send its trace to
// the parent through a pipe and leave with _exit.
ForkResult ForkAndTrace() {
  ForkResult result;
  StatusOr<Pipe> pipe = MakePipe();
  if (!pipe.ok()) {
    ADD_FAILURE() << pipe.status().ToString();
    return result;
  }
  ClearTrace();
  pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return result;
  }
  if (pid == 0) {
    std::string trace = Trace();
    ChildExit(WriteAll(pipe->write.get(), trace.data(), trace.size()) == 0 ? 0
                                                                           : 1);
  }
  result.parent_trace = Trace();
  pipe->write.Reset();
  StatusOr<std::string> child_trace = ReadAll(pipe->read.get(), 4096);
  EXPECT_TRUE(child_trace.ok()) << child_trace.status().ToString();
  if (child_trace.ok()) result.child_trace = *child_trace;
  EXPECT_EQ(waitpid(pid, &result.child_status, 0), pid);
  EXPECT_TRUE(WIFEXITED(result.child_status) &&
              WEXITSTATUS(result.child_status) == 0)
      << result.child_status;
  return result;
}

// Prepare callbacks run in reverse registration order, then parent callbacks
// in the parent and child callbacks followed by child-cleanup callbacks in
// the child, each in registration order.
TEST(ForkCallsets, RunInPhaseOrder) {
  // Cleanup is registered first to show it still runs after the child set.
  CallsetHandle x =
      RegisterForkCallback(ForkPhase::kChildCleanup, Appender('x'));
  CallsetHandle a = RegisterForkCallback(ForkPhase::kPrepare, Appender('a'));
  CallsetHandle p = RegisterForkCallback(ForkPhase::kParent, Appender('p'));
  CallsetHandle c = RegisterForkCallback(ForkPhase::kChild, Appender('c'));
  CallsetHandle b = RegisterForkCallback(ForkPhase::kPrepare, Appender('b'));
  CallsetHandle q = RegisterForkCallback(ForkPhase::kParent, Appender('q'));
  CallsetHandle d = RegisterForkCallback(ForkPhase::kChild, Appender('d'));
  CallsetHandle y =
      RegisterForkCallback(ForkPhase::kChildCleanup, Appender('y'));

  ForkResult result = ForkAndTrace();
  EXPECT_EQ(result.parent_trace, "bapq");
  EXPECT_EQ(result.child_trace, "bacdxy");
}

// Destroying or resetting a handle unregisters its callback.
TEST(CallsetHandle, DestructionUnregisters) {
  {
    CallsetHandle p = RegisterForkCallback(ForkPhase::kParent, Appender('p'));
    CallsetHandle c = RegisterForkCallback(ForkPhase::kChild, Appender('c'));
    EXPECT_TRUE(p.registered());
  }
  CallsetHandle prepare =
      RegisterForkCallback(ForkPhase::kPrepare, Appender('r'));
  prepare.Reset();
  EXPECT_FALSE(prepare.registered());
  CallsetHandle kept = RegisterForkCallback(ForkPhase::kParent, Appender('k'));

  ForkResult result = ForkAndTrace();
  EXPECT_EQ(result.parent_trace, "k");
  EXPECT_EQ(result.child_trace, "");
}

// Moving a handle moves the registration; assigning over a handle
// unregisters what it held.
TEST(CallsetHandle, MoveTransfersRegistration) {
  CallsetHandle first = RegisterForkCallback(ForkPhase::kParent, Appender('1'));
  CallsetHandle moved = std::move(first);
  EXPECT_FALSE(first.registered());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(moved.registered());
  CallsetHandle second =
      RegisterForkCallback(ForkPhase::kParent, Appender('2'));
  second = std::move(moved);  // '2' is unregistered, '1' is kept.

  ForkResult result = ForkAndTrace();
  EXPECT_EQ(result.parent_trace, "1");
}

// An empty callback registers nothing.
TEST(CallsetHandle, EmptyCallbackGivesEmptyHandle) {
  CallsetHandle handle =
      RegisterForkCallback(ForkPhase::kParent, std::function<void()>());
  EXPECT_FALSE(handle.registered());
}

// Release keeps the callback registered after the handle is gone.
TEST(CallsetHandle, ReleaseKeepsCallback) {
  // Leaked on purpose: the released callback refers to it forever.
  std::atomic<int>* runs = new std::atomic<int>(0);
  {
    CallsetHandle handle = RegisterForkCallback(ForkPhase::kParent,
                                                [runs] { runs->fetch_add(1); });
    handle.Release();
    EXPECT_FALSE(handle.registered());
  }
  ForkAndTrace();
  EXPECT_EQ(runs->load(), 1);
}

std::optional<CallsetHandle> g_victim;
std::optional<CallsetHandle> g_added;
std::optional<CallsetHandle> g_self;

// Callbacks may unregister later callbacks of the same fork (which then do
// not run), unregister themselves, and register new callbacks (which first
// run at the next fork).
TEST(ForkCallsets, CallbacksMayRegisterAndUnregister) {
  // Prepare runs in reverse: 's' (registered last) runs first and removes
  // itself; 'm' then removes 'v' before its turn.
  g_victim = RegisterForkCallback(ForkPhase::kPrepare, Appender('v'));
  CallsetHandle mutator = RegisterForkCallback(ForkPhase::kPrepare, [] {
    Append('m');
    g_victim.reset();
    if (!g_added) {
      g_added = RegisterForkCallback(ForkPhase::kParent, Appender('n'));
    }
  });
  g_self = RegisterForkCallback(ForkPhase::kPrepare, [] {
    Append('s');
    g_self.reset();
  });
  // In the child, 'c' removes 'e' before its turn.
  std::optional<CallsetHandle> later;
  CallsetHandle child = RegisterForkCallback(ForkPhase::kChild, [&later] {
    Append('c');
    later.reset();
  });
  later = RegisterForkCallback(ForkPhase::kChild, Appender('e'));

  ForkResult first = ForkAndTrace();
  EXPECT_EQ(first.parent_trace, "sm");
  EXPECT_EQ(first.child_trace, "smc");
  EXPECT_TRUE(later.has_value());  // Only the child's copy was reset.

  later.reset();
  ForkResult second = ForkAndTrace();
  EXPECT_EQ(second.parent_trace, "mn");
  EXPECT_EQ(second.child_trace, "mc");
  g_added.reset();
}

// ClearAtexitCallbacks marks only the child, which then reports
// InForkedChild; a child leaving by ChildExit does not flush the stdio
// buffer it inherited, so output buffered before fork appears once.
TEST(ChildExit, DoesNotFlushInheritedStdio) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer's _exit interceptor flushes stdio, which "
                  "is what this test checks does not happen";
#endif

  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok()) << pipe.status().ToString();
  fflush(stdout);
  pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    // The helper's stdout is the pipe; this write stays in stdio's buffer.
    if (dup2(pipe->write.get(), STDOUT_FILENO) < 0) _exit(10);
    printf("once");
    CallsetHandle clear =
        RegisterForkCallback(ForkPhase::kChild, &ClearAtexitCallbacks);
    pid_t child = fork();
    if (child < 0) _exit(11);
    if (child == 0) ChildExit(InForkedChild() ? 0 : 12);
    int status;
    if (waitpid(child, &status, 0) != child) _exit(13);
    if (!WIFEXITED(status)) _exit(14);
    if (WEXITSTATUS(status) != 0) _exit(WEXITSTATUS(status));
    if (InForkedChild()) _exit(15);
    fflush(stdout);
    _exit(0);
  }
  pipe->write.Reset();
  StatusOr<std::string> output = ReadAll(pipe->read.get(), 4096);
  int status;
  ASSERT_EQ(waitpid(helper, &status, 0), helper);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_TRUE(output.ok()) << output.status().ToString();
  EXPECT_EQ(*output, "once");
  EXPECT_FALSE(InForkedChild());
}

// The hazard ChildExit avoids: a child that flushes the inherited stdio
// buffer writes the parent's pending output a second time.
TEST(ChildExit, FlushingInheritedStdioDuplicatesOutput) {
  StatusOr<Pipe> pipe = MakePipe();
  ASSERT_TRUE(pipe.ok()) << pipe.status().ToString();
  fflush(stdout);
  pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    if (dup2(pipe->write.get(), STDOUT_FILENO) < 0) _exit(10);
    printf("once");
    pid_t child = fork();
    if (child < 0) _exit(11);
    if (child == 0) {
      fflush(stdout);  // What exit(3) would do.
      _exit(0);
    }
    int status;
    if (waitpid(child, &status, 0) != child) _exit(13);
    fflush(stdout);
    _exit(0);
  }
  pipe->write.Reset();
  StatusOr<std::string> output = ReadAll(pipe->read.get(), 4096);
  int status;
  ASSERT_EQ(waitpid(helper, &status, 0), helper);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE(output.ok()) << output.status().ToString();
  EXPECT_EQ(*output, "onceonce");
}

// Two threads may register and unregister at once, while a third forks;
// every registration is kept, every unregistration takes effect, and the
// child never inherits the registry locked.
TEST(ForkCallsets, RegistrationIsThreadSafe) {
  constexpr int kPerThread = 2000;
  constexpr int kForks = 20;
  std::atomic<int> runs{0};
  // A handle the children reset: it needs the registry's lock and, because
  // the fork's snapshot still holds the entry, frees nothing in the child.
  CallsetHandle probe = RegisterForkCallback(ForkPhase::kChildCleanup, [] {});
  std::vector<CallsetHandle> handles[2];

  // RunWhileForking runs work(0) and work(1) on two threads while this
  // thread forks (at least kForks times, and until both are done). The
  // threads start before the first fork and are completely gone before the
  // next fork after the last, so the forks race registration, not thread
  // creation or exit: under qemu-user (7.2), a guest thread's join returns
  // while the host thread still runs qemu's exit path, which takes a lock
  // of the GLib GSlice allocator linked into qemu; a fork at that moment
  // gives a child that deadlocks inside qemu, whatever the guest code does.
  auto run_while_forking = [&probe](const std::function<void(int)>& work) {
    std::atomic<int> started{0};
    std::atomic<int> working{2};
    std::atomic<bool> go{false};
    std::atomic<bool> forking{true};
    std::atomic<pid_t> tids[2] = {{0}, {0}};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back(
          [t, &work, &started, &working, &go, &forking, &tids] {
            tids[t].store(static_cast<pid_t>(syscall(SYS_gettid)));
            started.fetch_add(1);
            while (!go.load()) std::this_thread::yield();
            work(t);
            working.fetch_sub(1);
            while (forking.load()) std::this_thread::yield();
          });
    }
    while (started.load() < 2) std::this_thread::yield();
    go.store(true);
    for (int forks = 0; working.load() > 0 || forks < kForks; ++forks) {
      pid_t pid = fork();
      if (pid == 0) {
        probe.Reset();
        ChildExit(0);
      }
      int status = -1;
      EXPECT_GT(pid, 0);
      if (pid < 0) break;
      EXPECT_EQ(waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    }
    forking.store(false);
    for (std::thread& thread : threads) thread.join();
    for (const std::atomic<pid_t>& tid : tids) {
      const std::string task = "/proc/self/task/" + std::to_string(tid.load());
      while (access(task.c_str(), F_OK) == 0) std::this_thread::yield();
    }
  };

  run_while_forking([&handles, &runs](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      handles[t].push_back(RegisterForkCallback(
          i % 2 == 0 ? ForkPhase::kParent : ForkPhase::kChild,
          [&runs] { runs.fetch_add(1); }));
    }
  });
  runs.store(0);
  ForkAndTrace();
  EXPECT_EQ(runs.load(), kPerThread);  // The parent halves of both threads.

  run_while_forking([&handles](int t) { handles[t].clear(); });
  runs.store(0);
  ForkAndTrace();
  EXPECT_EQ(runs.load(), 0);
}

// VforkCallsets: a vfork child runs the child phases only when every
// callback in them may run on the parent's memory; the parent phases run
// around the clone, as around a fork.
TEST(VforkCallsets, RunsEachPhaseWhenEveryChildCallbackIsVforkSafe) {
  CallsetHandle prepare =
      RegisterForkCallback(ForkPhase::kPrepare, Appender('p'));
  CallsetHandle parent =
      RegisterForkCallback(ForkPhase::kParent, Appender('P'));
  CallsetHandle child = RegisterForkCallback(ForkPhase::kChild, Appender('c'),
                                             VforkSafety::kAlsoVfork);
  CallsetHandle cleanup = RegisterForkCallback(
      ForkPhase::kChildCleanup, Appender('k'), VforkSafety::kAlsoVfork);
  ClearTrace();
  VforkCallsets callsets;
  ASSERT_TRUE(callsets.Begin());
  EXPECT_EQ(Trace(), "p");
  callsets.RunInChild();  // as the child would, here
  EXPECT_EQ(Trace(), "pck");
  callsets.End();
  EXPECT_EQ(Trace(), "pckP");
  callsets.End();  // once only
  EXPECT_EQ(Trace(), "pckP");
}

TEST(VforkCallsets, RefusedWhileAChildCallbackIsForkOnly) {
  CallsetHandle safe = RegisterForkCallback(ForkPhase::kChild, Appender('c'),
                                            VforkSafety::kAlsoVfork);
  CallsetHandle prepare =
      RegisterForkCallback(ForkPhase::kPrepare, Appender('p'));
  {
    CallsetHandle fork_only =
        RegisterForkCallback(ForkPhase::kChildCleanup, Appender('x'));
    ClearTrace();
    VforkCallsets callsets;
    EXPECT_FALSE(callsets.Begin());
    callsets.RunInChild();
    callsets.End();
    EXPECT_EQ(Trace(), "");  // nothing ran
  }
  ClearTrace();
  VforkCallsets callsets;
  EXPECT_TRUE(callsets.Begin());  // the fork-only one is gone
  callsets.RunInChild();
  EXPECT_EQ(Trace(), "pc");
}

}  // namespace
}  // namespace fault
