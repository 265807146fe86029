// File: runtime/spawn.cc
//
// Spawn's entry points (spawn.h): the parent's side of a spawn. The plan
// (spawn_plan.h), then a child cloned sharing memory (spawn_clone.h) or
// else forked with a report pipe, the child prepared by RunChild
// (spawn_child.h), its failure read back and worded (spawn_report.h).

#include "runtime/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"
#include "runtime/signal_state.h"
#include "runtime/spawn_child.h"
#include "runtime/spawn_child_fds.h"
#include "runtime/spawn_clone.h"
#include "runtime/spawn_plan.h"
#include "runtime/spawn_report.h"

namespace fault {

using spawn_internal::CloneSharingMemory;
using spawn_internal::FailedSpawn;
using spawn_internal::Failure;
using spawn_internal::LookupPath;
using spawn_internal::MemoryReport;
using spawn_internal::OptionsFds;
using spawn_internal::Prepare;
using spawn_internal::Prepared;
using spawn_internal::Program;
using spawn_internal::RunChild;

namespace {

// Reap waits for a child that failed or was killed before exec. With
// SIGCHLD ignored the kernel reaps it, and waitpid fails with ECHILD once
// it has exited.
void Reap(pid_t pid) {
  int ignored = 0;
  while (waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
  }
}

// Started: StartSpawn's answer for `pid`.
StartedSpawn Started(pid_t pid, UniqueFd report, const std::string& program,
                     const SpawnOptions& options) {
  StartedSpawn started;
  started.pid = pid;
  started.report = std::move(report);
  started.program = program;
  if (program.find('/') == std::string::npos) {
    started.path = LookupPath(options);
  }
  return started;
}

}  // namespace

StatusOr<StartedSpawn> StartSpawn(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return InvalidArgumentError("unable to spawn: no command given");
  }
  const std::string& program = Program(options);
  Prepared prepared = Prepare(options);

  // The child reads the initial signal state: captured here if not yet,
  // not in the child (a function-local static, whose first use is not
  // async-signal-safe).
  (void)InitialSignalState();
  // Sharing memory where it can, the report in memory (no pipe: issue
  // #26, a pipe, its watch and three closes per spawn); else fork, below.
  if (options.pidfd != nullptr) options.pidfd->Reset();
  MemoryReport memory;
  const pid_t cloned =
      CloneSharingMemory(options, prepared, -1, &memory, options.pidfd);
  if (cloned < 0) {
    return ErrnoToStatus(
        -cloned, absl::StrCat("unable to spawn ", program, ": unable to fork"));
  }
  if (cloned > 0) {
    StartedSpawn started = Started(cloned, UniqueFd(), program, options);
    if (memory.failed) {
      started.reported =
          FailedSpawn(started.program, started.path, memory.failure);
    }
    return started;
  }
  // Non-blocking at both ends: the parent reads it when the loop says it
  // is readable; the child's one write of 8 bytes into an empty pipe
  // cannot block anyway.
  FAULT_ASSIGN_OR_RETURN(Pipe report, MakePipe(O_NONBLOCK));
  // With a pidfd asked for, the child waits for the end of `go`.
  Pipe go;
  if (options.pidfd != nullptr) {
    FAULT_ASSIGN_OR_RETURN(go, MakePipe());
  }
  (void)fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    return ErrnoToStatus(
        errno, absl::StrCat("unable to spawn ", program, ": unable to fork"));
  }
  if (pid == 0) {
    report.read.Reset();
    go.write.Reset();
    RunChild(options, prepared, OptionsFds(options, report.write.get()),
             go.read.get());
  }
  report.write.Reset();
  if (go.read) {
    UniqueFd pidfd = OpenPidfd(pid);
    // Out of descriptors (or no pidfd_open): the caller watches the child
    // through SIGCHLD instead (see spawn.h).
    if (!pidfd && errno != ENOSYS && errno != EMFILE && errno != ENFILE) {
      const int error = errno;
      kill(pid, SIGKILL);
      Reap(pid);
      return ErrnoToStatus(error, absl::StrCat("unable to spawn ", program,
                                               ": unable to open its pidfd"));
    }
    go.write.Reset();  // the child goes on
    *options.pidfd = std::move(pidfd);
  }
  return Started(pid, std::move(report.read), program, options);
}

std::optional<Status> ReadSpawnReport(StartedSpawn& spawn) {
  if (!spawn.report) {
    Status known = std::move(spawn.reported);
    spawn.reported = OkStatus();
    return known;
  }
  Failure failure;
  ssize_t n = ReadFull(spawn.report.get(), &failure, sizeof failure);
  if (n == -EAGAIN) return std::nullopt;
  spawn.report.Reset();
  if (n == 0) return OkStatus();  // exec'd: the pipe closed on exec
  if (n != static_cast<ssize_t>(sizeof failure)) {
    return InternalError(absl::StrCat("unable to spawn ", spawn.program,
                                      ": the child failed without a report"));
  }
  return FailedSpawn(spawn.program, spawn.path, failure);
}

StatusOr<pid_t> Spawn(const SpawnOptions& options) {
  FAULT_ASSIGN_OR_RETURN(StartedSpawn started, StartSpawn(options));
  // Wait in the read itself, as a blocking descriptor does; poll only if
  // the descriptor could not be made blocking.
  const int fd = started.report.get();  // -1: the answer is known
  const int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
  if (flags >= 0) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  std::optional<Status> report;
  while (!(report = ReadSpawnReport(started))) {
    struct pollfd readable = {fd, POLLIN, 0};
    (void)poll(&readable, 1, -1);  // EINTR: read again
  }
  if (report->ok()) return started.pid;
  // The child failed before exec and is exiting: reap it.
  if (options.pidfd != nullptr) options.pidfd->Reset();
  Reap(started.pid);
  return *report;
}

}  // namespace fault
