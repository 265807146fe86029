// How the Supervisor reaps orphans on the real runtime (issue #26): the
// kernel reaps them (Scheduler's kByKernel, where ReapedExitsAvailable)
// while no service holds a group or session whose leader is gone, and
// they are reported while one does (supervisor_processes.cc). A stop
// that waits for a process its main process left behind ends when that
// process ends, in either mode; a restart of a service costs no
// waitid(P_ALL) sweep (the kernel's walk of every child) while the
// kernel reaps, nor while orphans are reported lazily (where it cannot).
// Real processes; every wait is on an event of the loop,
// or a FIFO's open, bounded by the fixture's deadline.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/supervisor/supervisor_runtime_fixture.h"
#include "runtime/fd.h"
#include "runtime/pidfd.h"
#include "runtime/scheduler.h"

namespace faultinit {
namespace {

using Reaping = fault::Scheduler::OrphanReaping;

// The runtime's world, with kernel reaping allowed or not (`kernel`),
// recording each orphan reaping asked for and counting exit reports.
class ReapingWorld final : public RuntimeForwardingWorld {
 public:
  using RuntimeForwardingWorld::RuntimeForwardingWorld;

  bool KernelCanReapOrphans() override {
    return kernel && ForwardingWorld::KernelCanReapOrphans();
  }
  fault::Status WatchOrphans(fault::Scheduler::ExitCallback fn,
                             Reaping how) override {
    if (fn != nullptr) modes.push_back(how);
    return ForwardingWorld::WatchOrphans(std::move(fn), how);
  }
  fault::StatusOr<WatchId> WatchExit(
      pid_t pid, fault::UniqueFd pidfd,
      fault::Scheduler::ExitCallback fn) override {
    return ForwardingWorld::WatchExit(
        pid, std::move(pidfd),
        [this, fn = std::move(fn)](const fault::ExitStatus& status) {
          ++exits;
          fn(status);
        });
  }

  bool kernel = true;
  std::vector<Reaping> modes;
  int exits = 0;
};

class OrphanReaping : public SupervisorOnRuntime<ReapingWorld>,
                      public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    // As system mode is when it is not PID 1: what a service leaves
    // behind is re-parented to us, and reaped here.
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    SupervisorOnRuntime::SetUp();
    world_->kernel = GetParam();
    // Both FIFOs held open for reading and writing: no open of theirs
    // waits. A leftover writes a line to `ready` once it has set itself
    // up, then reads a line from `go`.
    for (const char* name : {"ready", "go"}) {
      const std::string path = absl::StrCat(dir_, "/", name);
      ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
      fault::UniqueFd fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
      ASSERT_TRUE(fd.valid());
      (name[0] == 'r' ? ready_ : go_) = std::move(fd);
    }
  }

  // A service whose main process (sleep) leaves behind a process of its
  // group: a shell that runs `leftover`, tells it is there (WaitReady),
  // and ends once told to (Release).
  void LeavingUnit(const std::string& name, const std::string& leftover,
                   const std::string& extra) {
    const std::string script = absl::StrCat(dir_, "/", name, ".sh");
    const std::string text =
        absl::StrCat("(", leftover, "; echo > ", dir_, "/ready; read x < ",
                     dir_, "/go) &\nexec /bin/sleep 1000\n");
    fault::UniqueFd fd(
        open(script.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(fault::WriteAll(fd.get(), text.data(), text.size()), 0);
    Unit(name, absl::StrCat("[Service]\nType=exec\nExecStart=/bin/sh ", script,
                            "\nTimeoutStopSec=300\n", extra));
  }

  // Waits (30 s at most) for a leftover's line on `ready`.
  void WaitReady() {
    struct pollfd p = {ready_.get(), POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 30000), 1);
    char line;
    ASSERT_EQ(read(ready_.get(), &line, 1), 1);
  }
  // Ends one leftover.
  void Release() { ASSERT_EQ(write(go_.get(), "\n", 1), 1); }

  bool Running(const std::string& name) {
    return RunUntil([&] {
      ServiceView row = Row(name);
      return row.state == ServiceState::kRunning && row.pid != 0;
    });
  }
  bool Inactive(const std::string& name) {
    return RunUntil([&] { return Row(name).state == ServiceState::kInactive; });
  }

  fault::UniqueFd ready_;
  fault::UniqueFd go_;
};

// The stop's SIGTERM ends the main process; the process it left behind
// ignores SIGTERM, and the stop waits for it: its exit, later, as an
// orphan's, ends the stop (with the kernel reaping, the leftover's group
// made the service a host: orphans are reported until it is gone).
TEST_P(OrphanReaping, ALeftoverEndingLaterEndsTheStop) {
  LeavingUnit("later", "trap '' TERM", "");
  Boot();
  ASSERT_TRUE(Running("later"));
  WaitReady();
  const int exits = world_->exits;
  ASSERT_TRUE(supervisor_->StopService("later").ok());
  ASSERT_TRUE(RunUntil([&] { return world_->exits > exits; }));
  ASSERT_EQ(Row("later").state, ServiceState::kStopping);
  if (GetParam() && fault::ReapedExitsAvailable()) {
    EXPECT_EQ(world_->modes.back(), Reaping::kReport);
  }
  Release();
  EXPECT_TRUE(Inactive("later"));
}

// The stop's SIGTERM ends the main process and what it left behind at
// once: the leftover may end before or after the main process's exit is
// taken, and reaped by the kernel before any report was asked for; the
// stop ends either way.
TEST_P(OrphanReaping, ALeftoverEndingWithTheMainProcessEndsTheStop) {
  LeavingUnit("together", "true", "");
  Boot();
  ASSERT_TRUE(Running("together"));
  WaitReady();
  ASSERT_TRUE(supervisor_->StopService("together").ok());
  EXPECT_TRUE(Inactive("together"));
}

// KillMode=process: the stop ends with the main process and leaves the
// rest running; once that ends, the service has nothing left, and where
// the kernel can reap orphans it does again. The service starts again.
TEST_P(OrphanReaping, ALeftoverOfKillModeProcessEndsUnwaitedFor) {
  LeavingUnit("kept", "true", "KillMode=process\n");
  Boot();
  ASSERT_TRUE(Running("kept"));
  WaitReady();
  ASSERT_TRUE(supervisor_->StopService("kept").ok());
  ASSERT_TRUE(Inactive("kept"));
  Release();
  if (GetParam() && fault::ReapedExitsAvailable()) {
    EXPECT_TRUE(
        RunUntil([&] { return world_->modes.back() == Reaping::kByKernel; }));
  }
  ASSERT_TRUE(supervisor_->StartService("kept").ok());
  EXPECT_TRUE(Running("kept"));
  WaitReady();
  Release();  // the new leftover
}

INSTANTIATE_TEST_SUITE_P(Modes, OrphanReaping, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "KernelWhereItCan" : "Reported";
                         });

// With 200 services idle and the kernel reaping orphans, a restart (the
// main process killed, the service running again) makes no waitid(P_ALL)
// sweep: its exit comes through its pidfd.
class RestartSweeps : public SupervisorOnRuntime<ReapingWorld> {
 protected:
  // Boots 200 services that restart at once (and the units written
  // before), and waits for 200 to run.
  void BootIdleServices() {
    constexpr int kServices = 200;
    for (int i = 0; i < kServices; ++i) {
      Unit(absl::StrCat("s", i),
           "[Unit]\nStartLimitBurst=0\n[Service]\nType=exec\n"
           "ExecStart=/bin/sleep 1000\nRestart=always\nRestartSec=0\n");
    }
    Boot();
    ASSERT_TRUE(RunUntil([&] {
      int running = 0;
      for (const ServiceView& row : supervisor_->Status()) {
        running += row.state == ServiceState::kRunning && row.pid != 0;
      }
      return running >= kServices;
    }));
  }

  // Restarts s7 (its main process killed, the replacement awaited) once
  // the loop has settled: the sweep Begin asked for and one left due by
  // the start-up, if any, run first. `sweeps`: the count before the kill;
  // `killed`: when it was sent.
  void RestartS7(uint64_t* sweeps, fault::Duration* killed) {
    const pid_t old = Row("s7").pid;
    for (int i = 0; i < 8; ++i) {
      ASSERT_TRUE(scheduler_->RunOnce(fault::MonotonicNow()).ok());
    }
    ASSERT_TRUE(RunUntil(
        [&] { return scheduler_->SweepDue() == fault::InfiniteDuration(); }));
    *sweeps = scheduler_->Sweeps();
    *killed = fault::MonotonicNow();
    ASSERT_EQ(kill(old, SIGKILL), 0);
    ASSERT_TRUE(RunUntil([&] {
      ServiceView row = Row("s7");
      return row.state == ServiceState::kRunning && row.pid != 0 &&
             row.pid != old;
    }));
  }
};

TEST_F(RestartSweeps, ARestartMakesNoSweepWhileTheKernelReaps) {
  if (!fault::ReapedExitsAvailable()) {
    GTEST_SKIP() << "the kernel keeps no reaped exits (Linux < 6.15): "
                    "orphans are reported, with sweeps";
  }
  ASSERT_NO_FATAL_FAILURE(BootIdleServices());
  ASSERT_TRUE(scheduler_->KernelReapsOrphans());
  uint64_t sweeps = 0;
  fault::Duration killed;
  ASSERT_NO_FATAL_FAILURE(RestartS7(&sweeps, &killed));
  EXPECT_EQ(scheduler_->Sweeps(), sweeps);
  EXPECT_TRUE(scheduler_->KernelReapsOrphans());
}

// Where the kernel keeps no reaped exits (Linux < 6.15; here: the world
// says it cannot), orphans are reported lazily while no service holds an
// orphan: a restart makes no sweep either (its exit comes through its
// pidfd; a lazy sweep is left due, for an orphan whose SIGCHLD may have
// merged). A shutdown has them reported promptly.
TEST_F(RestartSweeps, ARestartMakesNoSweepWhileOrphansAreReportedLazily) {
  world_->kernel = false;
  ASSERT_NO_FATAL_FAILURE(BootIdleServices());
  ASSERT_FALSE(world_->modes.empty());
  EXPECT_EQ(world_->modes.back(), Reaping::kReportLazily);
  uint64_t sweeps = 0;
  fault::Duration killed;
  ASSERT_NO_FATAL_FAILURE(RestartS7(&sweeps, &killed));
  EXPECT_EQ(scheduler_->Sweeps(), sweeps);
  EXPECT_GE(scheduler_->SweepDue(), killed + fault::Seconds(10));
  EXPECT_NE(scheduler_->SweepDue(), fault::InfiniteDuration());
  supervisor_->Shutdown();
  EXPECT_EQ(world_->modes.back(), Reaping::kReport);
  ASSERT_TRUE(RunUntil([&] { return supervisor_->AllStopped(); }));
}

// A Type=forking daemon is watched by its pid (its PID file names it): with
// orphans reported lazily its watch holds a pidfd too, so a restart of
// another service makes no sweep beside it either. The daemon leads a
// session of its own, as a daemon does (setsid): none it left is
// leaderless, so no orphan needs a prompt report.
TEST_F(RestartSweeps, ARestartMakesNoSweepBesideAForkingDaemon) {
  // The daemon's launcher exits: the daemon is re-parented to us.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  world_->kernel = false;
  const std::string pid_file = absl::StrCat(dir_, "/forky.pid");
  Unit("forky",
       absl::StrCat("[Service]\nType=forking\nPIDFile=", pid_file,
                    "\nExecStart=/bin/sh -c 'setsid sleep 1000 & echo $! > ",
                    pid_file, "'\n"));
  ASSERT_NO_FATAL_FAILURE(BootIdleServices());
  ASSERT_TRUE(RunUntil([&] {
    ServiceView row = Row("forky");
    return row.state == ServiceState::kRunning && row.pid != 0;
  }));
  EXPECT_EQ(world_->modes.back(), Reaping::kReportLazily);
  uint64_t sweeps = 0;
  fault::Duration killed;
  ASSERT_NO_FATAL_FAILURE(RestartS7(&sweeps, &killed));
  EXPECT_EQ(scheduler_->Sweeps(), sweeps);
  EXPECT_GE(scheduler_->SweepDue(), killed + fault::Seconds(10));
  EXPECT_EQ(Row("forky").state, ServiceState::kRunning);
}

}  // namespace
}  // namespace faultinit
