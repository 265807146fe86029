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

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "gtest/gtest.h"
#include "init/processes.h"
#include "init/supervisor/supervisor_runtime_fixture.h"
#include "runtime/duration.h"

namespace faultinit {
namespace {

// The runtime's world, counting the scans of the processes; LastPid is
// the last pid Spawn returned plus `foreign` (0: nothing else created a
// process since, as in a PID namespace where only the supervisor forks).
class ScanCountingWorld final : public RuntimeForwardingWorld {
 public:
  using RuntimeForwardingWorld::RuntimeForwardingWorld;

  fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) override {
    fault::StatusOr<fault::StartedSpawn> started =
        ForwardingWorld::Spawn(options);
    if (started.ok()) last_spawned = started->pid;
    return started;
  }
  std::vector<Member> Processes() override {
    ++scans;
    return ForwardingWorld::Processes();
  }
  pid_t LastPid() override { return last_spawned + foreign; }

  int scans = 0;
  pid_t last_spawned = 0;
  pid_t foreign = 0;
};

class SupervisorSessions : public SupervisorOnRuntime<ScanCountingWorld> {
 protected:
  void SetUp() override {
    // As system mode is when it is not PID 1: the service's children
    // outlive it as ours, and their end is an event (WatchOrphans). Else a
    // member that outlived its parent would end with no event, and the
    // stop would wait for TimeoutStopSec= to look again.
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    SupervisorOnRuntime::SetUp();
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
};

// A restart after its process was killed: the session it made had no
// other member (nothing else was created since it was spawned), so it is
// dropped at the exit with no scan, and the service runs again (before,
// each such exit scanned /proc: a cost that grew with the processes).
TEST_F(SupervisorSessions, ARestartOfALoneProcessScansNothing) {
  Unit("lone",
       "[Unit]\nStartLimitBurst=0\n[Service]\nType=exec\n"
       "ExecStart=/bin/sleep 1000\nRestart=always\nRestartSec=0\n");
  Boot();
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
  Boot();
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
