#include "runtime/testing/scheduler_testing.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iterator>
#include <utility>

#include "gtest/gtest.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace fault {

std::unique_ptr<Scheduler> MakeScheduler() {
  StatusOr<std::unique_ptr<Scheduler>> scheduler = Scheduler::Create();
  EXPECT_TRUE(scheduler.ok()) << scheduler.status().ToString();
  return std::move(scheduler).value();
}

// RunUntil runs the loop until `done()`; fails after a limit that only a
// broken scheduler reaches.
void RunUntil(Scheduler& scheduler, const std::function<bool()>& done) {
  const fault::Duration limit = fault::MonotonicNow() + fault::Seconds(20);
  while (!done()) {
    ASSERT_LT(fault::MonotonicNow(), limit)
        << "timed out waiting for callbacks";
    Status status = scheduler.RunOnce(limit);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
}

// RunBriefly runs the loop for `duration`, to show that nothing more runs.
void RunBriefly(Scheduler& scheduler, fault::Duration duration) {
  const fault::Duration deadline = fault::MonotonicNow() + duration;
  while (fault::MonotonicNow() < deadline) {
    Status status = scheduler.RunOnce(deadline);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
}

bool IsBlocked(int signo) {
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, signo) == 1;
}

// ForkExiting forks a child that exits with `code` at once.
pid_t ForkExiting(int code) {
  pid_t pid = fork();
  if (pid == 0) _exit(code);
  EXPECT_GT(pid, 0) << "fork: " << strerror(errno);
  return pid;
}

// ForkWaiting forks a child that exits 0 when `pipe`'s write end is closed
// (by the parent and every other child).
pid_t ForkWaiting(const Pipe& pipe) {
  pid_t pid = fork();
  if (pid == 0) {
    close(pipe.write.get());
    char byte;
    while (read(pipe.read.get(), &byte, 1) != 0 && errno == EINTR) {
    }
    _exit(0);
  }
  EXPECT_GT(pid, 0) << "fork: " << strerror(errno);
  return pid;
}

// WaitUntilExited returns once `pid` has exited, leaving it unreaped.
void WaitUntilExited(pid_t pid) {
  siginfo_t info = {};
  int result;
  do {
    result = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
  } while (result != 0 && errno == EINTR);
  ASSERT_EQ(result, 0) << strerror(errno);
}

void Reap(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

namespace {

// --- The SIGCHLD fallback, forced with seccomp ------------------------------

constexpr int kSeccompUnavailable = 77;

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#elif defined(__arm__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_ARM;
#else
constexpr uint32_t kAuditArch = 0;
#endif

// DenyPidfdOpen makes pidfd_open fail with `error` in this process (ENOSYS:
// as on a kernel older than 5.3), and clone(2) asked for a pidfd
// (CLONE_PIDFD, how Spawn gets one) with `error` too, or EINVAL for ENOSYS
// (a kernel that does not know the flag). Returns false if seccomp is
// unavailable.
bool DenyPidfdOpen(int error) {
  if (kAuditArch == 0) return false;
  constexpr uint32_t kClonePidfd = 0x00001000;  // CLONE_PIDFD
  const uint32_t clone_error = error == ENOSYS ? EINVAL : error;
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 0, 1),
      BPF_STMT(BPF_RET | BPF_K,
               SECCOMP_RET_ERRNO | static_cast<uint32_t>(error)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3),
      // The flags' low word (little-endian: the first of args[0]).
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kClonePidfd, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | clone_error),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program = {static_cast<unsigned short>(std::size(filter)), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) return false;
  return syscall(SYS_pidfd_open, getpid(), 0) < 0 && errno == error;
}

}  // namespace

void RunWithoutPidfds(void (*scenario)()) {
  RunWithPidfdOpenFailing(ENOSYS, scenario);
}

void RunWithPidfdOpenFailing(int error, void (*scenario)()) {
  fflush(stdout);
  pid_t pid = fork();
  ASSERT_GE(pid, 0) << strerror(errno);
  if (pid == 0) {
    if (!DenyPidfdOpen(error)) _exit(kSeccompUnavailable);
    scenario();
    fflush(stdout);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "scenario crashed: " << status;
  if (WEXITSTATUS(status) == kSeccompUnavailable) {
    GTEST_SKIP() << "seccomp filters unavailable (qemu-user refuses them)";
  }
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the scenario failed (see above)";
}

}  // namespace fault
