// A spawn costs the parent no copy of its memory or of its descriptor
// table (issue #26): the child is made by clone(CLONE_VM | CLONE_VFORK),
// and, with close_other_fds, takes a table of its own holding only the
// descriptors it starts from. Both were copied by fork, in each spawn, in
// proportion to the parent's size: PID 1 with a descriptor per service.
// Observed through counts the kernel keeps, not through time: the
// parent's copy-on-write faults (a fork write-protects every private page
// of the parent) and the child's FDSize (the size of the descriptor table
// it was given, which exec does not shrink).

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/spawn.h"

namespace fault {
namespace {

// Sanitized builds fork (spawn.cc: the sanitizers' run-time cannot follow
// a child onto a stack of its own in the parent's memory).
#if defined(FAULT_SANITIZED) || defined(__SANITIZE_ADDRESS__)
#define SKIP_IF_SANITIZED() GTEST_SKIP() << "sanitized builds fork"
#else
#define SKIP_IF_SANITIZED() (void)0
#endif

long MinorFaults() {
  struct rusage usage = {};
  EXPECT_EQ(getrusage(RUSAGE_SELF, &usage), 0);
  return usage.ru_minflt;
}

void Reap(pid_t pid) {
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
}

// A fork leaves every private page of the parent write-protected, so the
// parent's next write to its stack or heap faults: at least one fault a
// spawn. A child sharing the memory leaves the parent's pages alone.
TEST(SpawnSharing, TheParentTakesNoCopyOnWriteFaults) {
  SKIP_IF_SANITIZED();
  constexpr int kSpawns = 64;
  SpawnOptions options;
  options.argv = {"/bin/true"};
  options.close_other_fds = true;
  // Once first: the allocations a spawn makes are reused after it.
  StatusOr<pid_t> first = Spawn(options);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Reap(*first);
  const long before = MinorFaults();
  for (int i = 0; i < kSpawns; ++i) {
    StatusOr<pid_t> pid = Spawn(options);
    ASSERT_TRUE(pid.ok()) << pid.status().ToString();
    Reap(*pid);
  }
  // One a spawn is the clone: the C library writes the child's function
  // on its new stack, a page the parent has not touched yet.
  EXPECT_LE(MinorFaults() - before, kSpawns);
}

// FDSize: the number of descriptors the process's table has room for.
int FdSize(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("FDSize:", 0) == 0) return std::stoi(line.substr(7));
  }
  return -1;
}

// The parent holds a descriptor at 900: a child given only 0-2
// (close_other_fds) gets a table of the smallest size, not a copy of the
// parent's, which it would have to close again at exec.
TEST(SpawnSharing, TheChildGetsNoCopyOfTheDescriptorTable) {
  SKIP_IF_SANITIZED();
  struct rlimit limit = {};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur <= 1000) {
    limit.rlim_cur = limit.rlim_max > 1024 ? 1024 : limit.rlim_max;
    if (limit.rlim_cur <= 1000 || setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      GTEST_SKIP() << "RLIMIT_NOFILE too low for a descriptor at 900";
    }
  }
  UniqueFd high(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 900));
  ASSERT_GE(high.get(), 900);
  ASSERT_GT(FdSize(getpid()), 900);
  StatusOr<Pipe> out = MakePipe();
  ASSERT_TRUE(out.ok());
  SpawnOptions options;
  options.argv = {"/bin/sleep", "60"};
  options.close_other_fds = true;
  options.stdout_fd = out->write.get();
  StatusOr<pid_t> pid = Spawn(options);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  EXPECT_LT(FdSize(*pid), 900);
  kill(*pid, SIGKILL);
  Reap(*pid);
}

// The field `key` of /proc/PID/status ("SigBlk:"), as written.
std::string StatusField(pid_t pid, const std::string& key) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  }
  return "";
}

// The parent blocks every signal across the clone (no handler of its own
// may run in a child on its memory); the child still starts from the
// parent's mask, as a forked one does (outside Control, with no callsets:
// exactly the parent's), and execs with it.
TEST(SpawnSharing, TheChildExecsWithTheParentsMask) {
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigset_t old;
  ASSERT_EQ(sigprocmask(SIG_SETMASK, &usr2, &old), 0);
  SpawnOptions options;
  options.argv = {"/bin/sleep", "60"};
  StatusOr<pid_t> pid = Spawn(options);
  ASSERT_EQ(sigprocmask(SIG_SETMASK, &old, nullptr), 0);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  // SIGUSR2 (12) alone: bit 11.
  EXPECT_EQ(StatusField(*pid, "SigBlk:"), "\t0000000000000800");
  kill(*pid, SIGKILL);
  Reap(*pid);
}

}  // namespace
}  // namespace fault
