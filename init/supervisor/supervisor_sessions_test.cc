// A service's sessions on the real runtime (issue #26): a restart of a
// service whose process forked nothing drops its session with no scan of
// the processes (Supervisor::AloneInSession: no process was created in
// the PID namespace since its leader but by the supervisor's own spawns);
// once another process was created, the scan finds a member the session
// kept in a group of its own, and the main process's exit stops it.
// Real processes through a SupervisorWorld that counts the scans and
// tells, in place of ns_last_pid, what each test's world is. Every wait
// is on an event, or a poll of /proc against a generous deadline (a
// process that is not our child gives no event).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/log.h"
#include "init/processes.h"
#include "init/supervisor/supervisor.h"
#include "init/system/unit_directory.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {
namespace {

// The runtime's world, counting the scans of the processes; LastPid is
// the last pid Spawn returned plus `foreign` (0: nothing else created a
// process since, as in a PID namespace where only the supervisor forks).
class ScanCountingWorld final : public SupervisorWorld {
 public:
  explicit ScanCountingWorld(fault::Scheduler& scheduler) : real_(scheduler) {}

  fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) override {
    fault::StatusOr<fault::StartedSpawn> started = real_.Spawn(options);
    if (started.ok()) last_spawned = started->pid;
    return started;
  }
  std::optional<fault::Status> ReadSpawnReport(
      fault::StartedSpawn& spawn) override {
    return real_.ReadSpawnReport(spawn);
  }
  int Kill(pid_t target, int signo) override {
    return real_.Kill(target, signo);
  }
  std::vector<Member> Processes() override {
    ++scans;
    return real_.Processes();
  }
  pid_t LastPid() override { return last_spawned + foreign; }
  fault::StatusOr<WatchId> WatchExit(
      pid_t pid, fault::UniqueFd pidfd,
      fault::Scheduler::ExitCallback fn) override {
    return real_.WatchExit(pid, std::move(pidfd), std::move(fn));
  }
  fault::Status WatchOrphans(fault::Scheduler::ExitCallback fn) override {
    return real_.WatchOrphans(std::move(fn));
  }
  fault::Duration Now() override { return real_.Now(); }
  TimerId After(fault::Duration delay, fault::Scheduler::Callback fn) override {
    return real_.After(delay, std::move(fn));
  }
  void Cancel(TimerId id) override { real_.Cancel(id); }

  int scans = 0;
  pid_t last_spawned = 0;
  pid_t foreign = 0;

 private:
  RuntimeWorld real_;
};

class SupervisorSessions : public ::testing::Test {
 protected:
  void SetUp() override {
    // As system mode is when it is not PID 1: the service's children
    // outlive it as ours, and their end is an event (WatchOrphans). Else a
    // member that outlived its parent would end with no event, and the
    // stop would wait for TimeoutStopSec= to look again.
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    dir_ = absl::StrCat(
        getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
    fault::StatusOr<std::unique_ptr<fault::Scheduler>> scheduler =
        fault::Scheduler::Create();
    ASSERT_TRUE(scheduler.ok());
    scheduler_ = std::move(*scheduler);
    world_ = std::make_unique<ScanCountingWorld>(*scheduler_);
    supervisor_ = std::make_unique<Supervisor>(*scheduler_, log_,
                                               SupervisorOptions{}, &*world_);
  }
  void TearDown() override {
    if (supervisor_) {
      supervisor_->Shutdown();
      EXPECT_TRUE(RunUntil([&] { return supervisor_->AllStopped(); }));
      supervisor_.reset();
    }
  }

  void Unit(const std::string& name, const std::string& text) {
    fault::UniqueFd fd(open(absl::StrCat(dir_, "/", name, ".service").c_str(),
                            O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(fault::WriteAll(fd.get(), text.data(), text.size()), 0);
  }

  // Runs the loop as system mode does until `done`; false after 30 s.
  bool RunUntil(const std::function<bool()>& done) {
    const fault::Duration deadline = fault::MonotonicNow() + fault::Seconds(30);
    for (;;) {
      supervisor_->Reconcile();
      if (done()) return true;
      if (fault::MonotonicNow() >= deadline) return false;
      if (!scheduler_->RunOnce(deadline).ok()) return false;
    }
  }
  ServiceView Row(const std::string& name) {
    std::optional<ServiceView> row = supervisor_->View(name);
    EXPECT_TRUE(row.has_value()) << name;
    return row.value_or(ServiceView{});
  }
  // Runs `name` (started) until its main process is a new one, after
  // `old` (0: any); returns its pid, or 0.
  pid_t RunningAfter(const std::string& name, pid_t old) {
    pid_t pid = 0;
    EXPECT_TRUE(RunUntil([&] {
      ServiceView row = Row(name);
      pid = row.pid;
      return row.state == ServiceState::kRunning && pid != 0 && pid != old;
    }));
    return pid;
  }
  // The live processes of session `session` but its leader, by a poll of
  // /proc until `want(count)` holds; false after 30 s.
  static bool PollSession(pid_t session, const std::function<bool(int)>& want) {
    const fault::Duration deadline = fault::MonotonicNow() + fault::Seconds(30);
    for (;;) {
      int members = 0;
      for (const ProcessIds& p : LiveProcesses()) {
        members +=
            p.session == session && p.pid != session && p.group != session;
      }
      if (want(members)) return true;
      if (fault::MonotonicNow() >= deadline) return false;
      poll(nullptr, 0, 20);  // no event exists for a process not ours
    }
  }

  std::string dir_;
  Logger log_{0};
  std::unique_ptr<fault::Scheduler> scheduler_;
  std::unique_ptr<ScanCountingWorld> world_;
  std::unique_ptr<Supervisor> supervisor_;
};

// A restart after its process was killed: the session it made had no
// other member (nothing else was created since it was spawned), so it is
// dropped at the exit with no scan, and the service runs again (before,
// each such exit scanned /proc: a cost that grew with the processes).
TEST_F(SupervisorSessions, ARestartOfALoneProcessScansNothing) {
  Unit("lone",
       "[Unit]\nStartLimitBurst=0\n[Service]\nType=exec\n"
       "ExecStart=/bin/sleep 1000\nRestart=always\nRestartSec=0\n");
  supervisor_->Load(LoadUnitDirectory(dir_));
  supervisor_->Begin();
  supervisor_->StartAll();
  pid_t pid = RunningAfter("lone", 0);
  ASSERT_NE(pid, 0);
  const int scans = world_->scans;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    const pid_t next = RunningAfter("lone", pid);
    ASSERT_NE(next, 0);
    pid = next;
  }
  EXPECT_EQ(world_->scans, scans);
}

// Once a process was created that the supervisor did not spawn (here the
// service's own child, in a group of its own in the service's session),
// nothing is proven: the scan finds the child, the session is kept, and
// the main process's exit sends it KillSignal= (as before).
TEST_F(SupervisorSessions, AMemberInAGroupOfItsOwnIsFoundAndStopped) {
  world_->foreign = 1;  // the child below
  Unit("parent",
       "[Unit]\nStartLimitBurst=0\n[Service]\nType=exec\n"
       "ExecStart=/usr/bin/python3 -c \"import os; "
       "os.execv('/bin/sleep', ['sleep', '1001']) if os.fork() else "
       "(os.setpgid(0, 0), os.execv('/bin/sleep', ['sleep', '1000']))\"\n"
       "Restart=always\nRestartSec=0\n");
  supervisor_->Load(LoadUnitDirectory(dir_));
  supervisor_->Begin();
  supervisor_->StartAll();
  const pid_t pid = RunningAfter("parent", 0);
  ASSERT_NE(pid, 0);
  ASSERT_TRUE(PollSession(pid, [](int n) { return n == 1; }));
  const int scans = world_->scans;
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_NE(RunningAfter("parent", pid), 0);
  EXPECT_GT(world_->scans, scans);
  EXPECT_TRUE(PollSession(pid, [](int n) { return n == 0; }));
}

}  // namespace
}  // namespace faultinit
