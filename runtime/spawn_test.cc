#include "runtime/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "runtime/control.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"
#include "runtime/scheduler.h"
#include "runtime/signal_state.h"
#include "runtime/testing/child.h"

namespace fault {
namespace {

ExitStatus Wait(pid_t pid) {
  siginfo_t info = {};
  EXPECT_EQ(waitid(P_PID, pid, &info, WEXITED), 0);
  return ExitStatus::FromSiginfo(info);
}

// Runs `script` under /bin/sh with stdout to a pipe; returns its output.
std::string Output(SpawnOptions options, const std::string& script,
                   ExitStatus* status = nullptr) {
  StatusOr<Pipe> out = MakePipe();
  options.argv = {"sh", "-c", script};
  options.stdout_fd = out->write.get();
  StatusOr<pid_t> pid = Spawn(options);
  EXPECT_TRUE(pid.ok()) << pid.status().ToString();
  out->write.Reset();
  StatusOr<std::string> text = ReadAll(out->read.get(), 1 << 16);
  ExitStatus ended = Wait(*pid);
  if (status != nullptr) *status = ended;
  return text.value_or("");
}

// A program found in PATH runs with its arguments and exit status.
TEST(Spawn, RunsFromPath) {
  ExitStatus status;
  EXPECT_EQ(Output({}, "echo hello; exit 3", &status), "hello\n");
  EXPECT_EQ(status.exit_code(), 3);
}

// `program` runs instead of argv[0], which the program sees as given.
TEST(Spawn, ProgramDiffersFromArgv0) {
  StatusOr<Pipe> out = MakePipe();
  SpawnOptions options;
  options.program = "sh";
  options.argv = {"custom-name", "-c", "echo $0"};
  options.stdout_fd = out->write.get();
  StatusOr<pid_t> pid = Spawn(options);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  out->write.Reset();
  EXPECT_EQ(ReadAll(out->read.get(), 100).value_or(""), "custom-name\n");
  Wait(*pid);
}

// A missing command is kNotFound with ENOENT, naming it; the child is
// already reaped.
TEST(Spawn, MissingCommand) {
  SpawnOptions options;
  options.argv = {"faultinit-no-such-command"};
  StatusOr<pid_t> pid = Spawn(options);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(pid.status().error_number(), ENOENT);
  EXPECT_NE(pid.status().message().find(
                "unable to execute faultinit-no-such-command: command not "
                "found in PATH ("),
            absl::string_view::npos);
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);

  options.argv = {"/nonexistent/cmd"};
  EXPECT_EQ(Spawn(options).status().message(),
            "unable to execute /nonexistent/cmd: No such file or directory");
}

// A file that exists but is not executable is EACCES.
TEST(Spawn, NotExecutable) {
  std::string path = std::string(getenv("TEST_TMPDIR")) + "/not-executable";
  FILE* f = fopen(path.c_str(), "w");
  fputs("#!/bin/sh\n", f);
  fclose(f);
  chmod(path.c_str(), 0644);
  SpawnOptions options;
  options.argv = {path};
  StatusOr<pid_t> pid = Spawn(options);
  EXPECT_EQ(pid.status().error_number(), EACCES);
  EXPECT_EQ(pid.status().message(),
            "unable to execute " + path + ": Permission denied");
}

// With `pidfd` set, the child is named by a pidfd opened before it could
// exec: with SIGCHLD ignored, a program that exits at once is reaped by the
// kernel, and its status is read back from the pidfd. (The child's SIGCHLD
// disposition is the fork callsets' business: CleanSignalStateUnderControl.)
// A failed spawn leaves no pidfd.
TEST(Spawn, PidfdNamesAChildTheKernelReaps) {
  struct sigaction ignore = {}, saved;
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGCHLD, &ignore, &saved), 0);
  StatusOr<Pipe> out = MakePipe();
  ASSERT_TRUE(out.ok());
  SpawnOptions options;
  options.argv = {"sh", "-c", "echo started; exit 7"};
  options.stdout_fd = out->write.get();
  UniqueFd pidfd;
  options.pidfd = &pidfd;
  StatusOr<pid_t> pid = Spawn(options);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  ASSERT_TRUE(pidfd);
  EXPECT_EQ(fcntl(pidfd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  out->write.Reset();
  EXPECT_EQ(ReadAll(out->read.get(), 100).value_or(""), "started\n");
  pollfd p = {pidfd.get(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, -1), 1);
  if (ReapedExitsAvailable()) {
    int wait_status = 0;
    int error;
    while ((error = ReadReapedExit(pidfd.get(), &wait_status)) == EAGAIN) {
      sched_yield();  // exited, being released
    }
    ASSERT_EQ(error, 0);
    EXPECT_EQ(ExitStatus::FromWaitStatus(*pid, wait_status).exit_code(), 7);
  }

  options.argv = {"/nonexistent/cmd"};
  options.stdout_fd = -1;
  EXPECT_EQ(Spawn(options).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(pidfd);
  ASSERT_EQ(sigaction(SIGCHLD, &saved, nullptr), 0);
}

// A failing stage before exec is reported with the stage's name.
TEST(Spawn, StageFailureNamed) {
  SpawnOptions options;
  options.argv = {"true"};
  options.working_directory = "/nonexistent-directory";
  StatusOr<pid_t> pid = Spawn(options);
  EXPECT_EQ(pid.status().message(),
            "unable to spawn true: changing directory: No such file or "
            "directory");
}

// The environment given replaces the parent's; the process group is new.
TEST(Spawn, EnvironmentAndProcessGroup) {
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "GREETING=hi"};
  SpawnOptions options;
  options.environment = &env;
  options.new_process_group = true;
  std::string out = Output(options, "echo $GREETING; echo $HOME");
  EXPECT_EQ(out, "hi\n\n");
  std::string group = Output(options, "ps -o pgid= -p $$ | tr -d ' '; echo $$");
  size_t newline = group.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(group.substr(0, newline) + "\n", group.substr(newline + 1));
}

// Clean signals: nothing blocked or ignored in the child, whatever the
// program running under Control did to its own signal state: a disposition
// changed (as signal_state.h asks, through ChangeDisposition), signals
// blocked by hand and held by a Scheduler, SIGCHLD ignored for kernel
// reaping. The fork child callset makes the clean state (Control's and the
// Scheduler's parts); kInitial gives the launcher's instead.
// SignalLines runs grep on the child's own /proc status with `options`
// and returns its SigBlk and SigIgn lines; the kernel may reap the child
// (SIGCHLD ignored in the parent), so its exit is not waited for here.
std::string SignalLines(SpawnOptions options) {
  StatusOr<Pipe> out = MakePipe();
  if (!out.ok()) return "no pipe";
  options.argv = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"};
  options.stdout_fd = out->write.get();
  if (!Spawn(options).ok()) return "no spawn";
  out->write.Reset();
  return ReadAll(out->read.get(), 1 << 16).value_or("no output");
}

TEST(Spawn, CleanSignalStateUnderControl) {
  testing::ChildResult r = testing::RunInChild([] {
    Control([] {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGUSR1);
      pthread_sigmask(SIG_BLOCK, &set, nullptr);
      struct sigaction action = {};
      action.sa_handler = SIG_IGN;
      if (ChangeDisposition(SIGHUP, &action, nullptr) != 0) return 10;
      if (!Scheduling()
               .OnSignal(SIGUSR2, [](const signalfd_siginfo&) {})
               .ok()) {
        return 11;
      }
      if (!Scheduling()
               .ReapOrphans([](const ExitStatus&) {},
                            Scheduler::OrphanReaping::kByKernel)
               .ok()) {
        return 12;
      }
      SpawnOptions options;
      printf("clean %s", SignalLines(options).c_str());
      options.signals = SpawnOptions::Signals::kInitial;
      printf("initial %s", SignalLines(options).c_str());
      return 0;
    });
  });
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  // The child of RunInChild starts Control with the test's own state: a
  // clean one, so kInitial is clean too.
  EXPECT_EQ(r.out,
            "clean SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
            "initial SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

// kInitial gives the child the state its launcher gave the program, not
// the program's own.
TEST(Spawn, InitialSignalStateUnderControl) {
  testing::ChildResult r = testing::RunInChild([] {
    signal(SIGTERM, SIG_IGN);  // the launcher's state
    Control([] {
      struct sigaction action = {};
      action.sa_handler = SIG_IGN;
      if (ChangeDisposition(SIGHUP, &action, nullptr) != 0) return 10;
      SpawnOptions options;
      options.signals = SpawnOptions::Signals::kInitial;
      printf("%s",
             Output(options, "grep -E '^SigIgn' /proc/self/status").c_str());
      return 0;
    });
  });
  EXPECT_EQ(r.status.ToString(), "exit 0") << r.err;
  char expected[64];
  snprintf(expected, sizeof expected, "SigIgn:\t%016llx\n",
           1ull << (SIGTERM - 1));
  EXPECT_EQ(r.out, expected);
}

// The fds the parent opens are close-on-exec: the child sees only 0, 1, 2
// (and the fd `ls` itself opens for the directory).
TEST(Spawn, NoLeakedDescriptors) {
  StatusOr<Pipe> extra = MakePipe();
  std::string out = Output({}, "ls /proc/self/fd | tr '\\n' ' '");
  EXPECT_EQ(out, "0 1 2 3 ");
}

// close_other_fds: a descriptor the parent holds without O_CLOEXEC does not
// reach the child; without it, it does (as under tini).
TEST(Spawn, CloseOtherFds) {
  int stray = dup(STDERR_FILENO);  // no O_CLOEXEC
  ASSERT_GT(stray, 2);
  SpawnOptions options;
  std::string script = "test -e /proc/self/fd/" + std::to_string(stray) +
                       " && echo open || echo closed";
  EXPECT_EQ(Output(options, script), "open\n");
  options.close_other_fds = true;
  EXPECT_EQ(Output(options, script), "closed\n");
  close(stray);
}

// extra_fd: the parent's descriptor is the child's `to`, open across exec
// even with close_other_fds; whichever number that is (the child's report
// pipe among them), failures before exec are still reported.
TEST(Spawn, ExtraFdReachesTheChild) {
  for (int to = 3; to <= 9; ++to) {  // sh redirects 0 to 9 only
    StatusOr<Pipe> ready = MakePipe();
    ASSERT_TRUE(ready.ok());
    SpawnOptions options;
    options.close_other_fds = true;
    options.extra_fd = {ready->write.get(), to};
    const std::string fd = std::to_string(to);
    SpawnOptions missing = options;
    missing.argv = {"/nonexistent/faultinit-test"};
    EXPECT_EQ(Spawn(missing).status().code(), StatusCode::kNotFound)
        << "fd " << to;
    EXPECT_EQ(Output(options, "echo READY=1 >&" + fd + "; echo ran"), "ran\n")
        << "fd " << to;
    ready->write.Reset();
    StatusOr<std::string> got = ReadAll(ready->read.get(), 64);
    EXPECT_EQ(got.value_or(""), "READY=1\n") << "fd " << to;
  }
}

// ---- StartSpawn: the report read when the loop says it is readable. ----

// Waits (generously) for `spawn`'s report to be readable, then reads it;
// a report known at once (a child cloned sharing memory) is read at once.
std::optional<Status> ReportWhenReadable(StartedSpawn& spawn) {
  if (!spawn.report) return ReadSpawnReport(spawn);
  pollfd p = {spawn.report.get(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 60 * 1000), 1);
  return ReadSpawnReport(spawn);
}

// StartSpawn returns the pid, a pidfd and the report: a non-blocking,
// close-on-exec pipe from a forked child, none from a cloned one (known
// at once); once the program has exec'd, the report says so (end of file)
// and is closed, and the child is still to be reaped by the caller.
TEST(StartSpawn, ReportsExec) {
  SpawnOptions options;
  options.argv = {"sleep", "1000"};
  UniqueFd pidfd;
  options.pidfd = &pidfd;
  StatusOr<StartedSpawn> started = StartSpawn(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  ASSERT_GT(started->pid, 0);
  ASSERT_TRUE(pidfd);
  if (started->report) {
    const int flags = fcntl(started->report.get(), F_GETFL);
    EXPECT_EQ(flags & O_NONBLOCK, O_NONBLOCK);
    EXPECT_EQ(fcntl(started->report.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  }
  std::optional<Status> report = ReportWhenReadable(*started);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok()) << report->ToString();
  EXPECT_FALSE(started->report);  // closed once answered
  EXPECT_TRUE(ReadSpawnReport(*started)->ok());
  // Exec'd, and running: sleep is still there to be killed and reaped.
  ASSERT_EQ(kill(started->pid, SIGKILL), 0);
  EXPECT_EQ(Wait(started->pid).signal(), SIGKILL);
}

// A failed exec is reported with Spawn's wording, code and errno; the
// child (exit 127) is left for the caller to reap.
TEST(StartSpawn, ReportsExecFailure) {
  SpawnOptions options;
  options.argv = {"faultinit-no-such-command"};
  StatusOr<StartedSpawn> started = StartSpawn(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::optional<Status> report = ReportWhenReadable(*started);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->code(), StatusCode::kNotFound);
  EXPECT_EQ(report->error_number(), ENOENT);
  EXPECT_NE(report->message().find(
                "unable to execute faultinit-no-such-command: command not "
                "found in PATH ("),
            absl::string_view::npos)
      << report->message();
  EXPECT_EQ(Wait(started->pid).exit_code(), 127);

  options.argv = {"/nonexistent/cmd"};
  started = StartSpawn(options);
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(ReportWhenReadable(*started)->message(),
            "unable to execute /nonexistent/cmd: No such file or directory");
  Wait(started->pid);
}

// A stage before exec that fails is reported with the stage and errno.
TEST(StartSpawn, ReportsStageFailure) {
  SpawnOptions options;
  options.argv = {"true"};
  options.working_directory = "/nonexistent-directory";
  StatusOr<StartedSpawn> started = StartSpawn(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::optional<Status> report = ReportWhenReadable(*started);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->code(), StatusCode::kAborted);
  EXPECT_EQ(report->error_number(), ENOENT);
  EXPECT_EQ(report->message(),
            "unable to spawn true: changing directory: No such file or "
            "directory");
  EXPECT_EQ(Wait(started->pid).exit_code(), 127);
}

// The child's exit may be seen before its report is read (the loop takes
// the exit watch first): the report is then complete, never "not yet",
// and says what happened, a failure or an exec.
TEST(StartSpawn, ExitSeenBeforeTheReport) {
  for (const char* program : {"faultinit-no-such-command", "true"}) {
    SpawnOptions options;
    options.argv = {program};
    StatusOr<StartedSpawn> started = StartSpawn(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    siginfo_t info = {};
    ASSERT_EQ(waitid(P_PID, started->pid, &info, WEXITED | WNOWAIT), 0);
    std::optional<Status> report = ReadSpawnReport(*started);
    ASSERT_TRUE(report.has_value()) << program;
    if (std::string(program) == "true") {
      EXPECT_TRUE(report->ok()) << report->ToString();
      EXPECT_EQ(Wait(started->pid).exit_code(), 0);
    } else {
      EXPECT_EQ(report->code(), StatusCode::kNotFound);
      EXPECT_EQ(Wait(started->pid).exit_code(), 127);
    }
  }
}

}  // namespace
}  // namespace fault
