// A pidfd is a descriptor too: where pidfd_open fails for want of them
// (EMFILE, forced with seccomp), Spawn still starts the child, its pidfd
// left empty, and the Scheduler watches its exit through SIGCHLD.

#include <errno.h>
#include <signal.h>
#include <sys/types.h>

#include <optional>

#include "gtest/gtest.h"
#include "runtime/exit_status.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/spawn.h"
#include "runtime/testing/scheduler_testing.h"

namespace fault {
namespace {

void SpawnAndWatchWithoutPidfds() {
  auto scheduler = MakeScheduler();
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "exit 7"};
  UniqueFd pidfd;
  options.pidfd = &pidfd;
  StatusOr<pid_t> pid = Spawn(options);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  EXPECT_FALSE(pidfd.valid());
  std::optional<ExitStatus> report;
  StatusOr<Scheduler::WatchId> watch = scheduler->OnExit(
      *pid, std::move(pidfd), [&](const ExitStatus& s) { report = s; });
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  ASSERT_NO_FATAL_FAILURE(
      RunUntil(*scheduler, [&] { return report.has_value(); }));
  EXPECT_EQ(report->pid, *pid);
  EXPECT_EQ(report->exit_code(), 7);
}

TEST(SpawnPidfd, OutOfDescriptorsTheExitComesThroughSigchld) {
  RunWithPidfdOpenFailing(EMFILE, SpawnAndWatchWithoutPidfds);
}

TEST(SpawnPidfd, SystemWideOutOfDescriptorsTheExitComesThroughSigchld) {
  RunWithPidfdOpenFailing(ENFILE, SpawnAndWatchWithoutPidfds);
}

}  // namespace
}  // namespace fault
