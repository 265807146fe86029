// The start path on the real runtime (issue #26): a start wave forks every
// service before it reads the first exec report; the reports come through
// the loop; a failed exec fails its service as a failed spawn did; a stop
// while a report is pending stops the service. Real processes (fork, exec,
// kill, reaping) through a SupervisorWorld that counts what the supervisor
// asks of the runtime. Every wait is on an event, bounded by a generous
// deadline; nothing is timed.

#include <fcntl.h>
#include <stdlib.h>
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
#include "init/supervisor/supervisor.h"
#include "init/system/unit_directory.h"
#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {

void PrintTo(ServiceState state, std::ostream* os) {
  *os << ServiceStateName(state);
}

namespace {

constexpr int kServices = 24;

// The runtime's world, counting spawns and exec report reads, and how many
// spawns there had been when the first report was read.
class CountingWorld final : public SupervisorWorld {
 public:
  explicit CountingWorld(fault::Scheduler& scheduler) : real_(scheduler) {}

  fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) override {
    ++spawns;
    return real_.Spawn(options);
  }
  std::optional<fault::Status> ReadSpawnReport(
      fault::StartedSpawn& spawn) override {
    if (!spawns_at_first_read) spawns_at_first_read = spawns;
    ++reads;
    return real_.ReadSpawnReport(spawn);
  }
  int Kill(pid_t target, int signo) override {
    return real_.Kill(target, signo);
  }
  std::vector<Member> Processes() override { return real_.Processes(); }
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

  int spawns = 0;
  int reads = 0;
  std::optional<int> spawns_at_first_read;

 private:
  RuntimeWorld real_;
};

class SupervisorStart : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(
        getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
    fault::StatusOr<std::unique_ptr<fault::Scheduler>> scheduler =
        fault::Scheduler::Create();
    ASSERT_TRUE(scheduler.ok());
    scheduler_ = std::move(*scheduler);
    world_ = std::make_unique<CountingWorld>(*scheduler_);
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
  int Count(ServiceState state) {
    int n = 0;
    for (const ServiceView& row : supervisor_->Status())
      n += row.state == state;
    return n;
  }
  // The program the process runs now (its comm).
  static std::string Comm(pid_t pid) {
    fault::UniqueFd fd(open(absl::StrCat("/proc/", pid, "/comm").c_str(),
                            O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return "";
    fault::StatusOr<std::string> text = fault::ReadAll(fd.get(), 64);
    return text.value_or("");
  }

  std::string dir_;
  Logger log_{0};
  std::unique_ptr<fault::Scheduler> scheduler_;
  std::unique_ptr<CountingWorld> world_;
  std::unique_ptr<Supervisor> supervisor_;
};

// StandardInput=file: makes a spawn fork (its open may wait: spawn.h), so
// its exec report comes through the loop; without it, a child cloned
// sharing memory has its report known when the spawn returns, told by the
// next Reconcile pass (sanitized builds fork every spawn).
constexpr char kForked[] = "StandardInput=file:/dev/null\n";

// A start wave forks every service before the first exec report is read
// (before, each spawn waited for its child's exec), whichever way each
// child is made; each Type=exec service is starting until its report says
// exec'd, then running its program; a missing executable fails its
// service, once, with Spawn's message (with Restart=no: Restart=always
// restarts it, as systemd's result exit-code, 203/EXEC).
TEST_F(SupervisorStart, AWaveForksAllBeforeTheFirstReport) {
  for (int i = 0; i < kServices; ++i) {
    Unit(absl::StrCat("s", i),
         absl::StrCat("[Service]\nType=exec\nExecStart=/bin/sleep 1000\n",
                      i % 2 == 0 ? kForked : ""));
  }
  Unit("ghost", "[Service]\nExecStart=/nonexistent/daemon\nRestart=no\n");
  supervisor_->Load(LoadUnitDirectory(dir_));
  supervisor_->Begin();
  supervisor_->StartAll();
  supervisor_->Reconcile();  // starts the wave; the loop has not run yet
  EXPECT_EQ(world_->spawns, kServices + 1);
  // The forked half waits for the loop to read its reports.
  EXPECT_GE(Count(ServiceState::kStarting), kServices / 2);
  if (world_->spawns_at_first_read) {
    EXPECT_EQ(*world_->spawns_at_first_read, kServices + 1);
  }

  ASSERT_TRUE(RunUntil([&] {
    return Count(ServiceState::kRunning) == kServices &&
           Row("ghost").state == ServiceState::kFailed;
  }));
  ASSERT_TRUE(world_->spawns_at_first_read.has_value());
  EXPECT_EQ(*world_->spawns_at_first_read, kServices + 1);
  EXPECT_EQ(world_->spawns, kServices + 1);  // the ghost was not restarted
  for (int i = 0; i < kServices; ++i) {
    ServiceView row = Row(absl::StrCat("s", i));
    EXPECT_EQ(Comm(row.pid), "sleep\n") << row.name;
  }
  ServiceView ghost = Row("ghost");
  EXPECT_EQ(ghost.reason,
            "unable to execute /nonexistent/daemon: No such file or directory");
  EXPECT_EQ(ghost.pid, 0);
}

// A stop that comes while the exec reports are pending (the children may
// not even have made their sessions yet) stops every service: no stop
// timeout to fall back on, so a child the stop missed would hang it. The
// children fork (kForked): a report known at the spawn is told before
// Reconcile returns.
TEST_F(SupervisorStart, AStopWhileTheReportIsPending) {
  for (int i = 0; i < kServices; ++i) {
    Unit(absl::StrCat("s", i),
         absl::StrCat("[Service]\nType=exec\nExecStart=/bin/sleep 1000\n"
                      "TimeoutStopSec=infinity\n",
                      kForked));
  }
  supervisor_->Load(LoadUnitDirectory(dir_));
  supervisor_->Begin();
  supervisor_->StartAll();
  supervisor_->Reconcile();
  ASSERT_EQ(world_->reads, 0);
  for (int i = 0; i < kServices; ++i) {
    ASSERT_TRUE(supervisor_->StopService(absl::StrCat("s", i)).ok());
  }
  EXPECT_TRUE(
      RunUntil([&] { return Count(ServiceState::kInactive) == kServices; }));
  // Stopped on request: they stay stopped.
  EXPECT_EQ(world_->spawns, kServices);
}

}  // namespace
}  // namespace faultinit
