// supervisor_cost: how much of the loop thread's CPU the Supervisor spends
// per event, at several numbers of services, over a FakeWorld (no real
// processes: what is measured is the supervisor's own bookkeeping). Not a
// test: it prints figures, to compare a change against the code before it.
//
//   bazel run -c opt //init/supervisor/model:supervisor_cost -- [N...]
//
// For each N (default 10 1000 10000): N simple services, each ordered
// after a service of the layer before (s_i After=s_((i-1)/8)) and one in
// eight Requires= it too, Restart=always with RestartSec=0. Then
//   restart:  s(N-1) exits 400 times; each exit is one dispatch (the exit,
//             Reconcile), the restart timer another (FireNext, Reconcile),
//             the new process's exec report a third (the loop's wait);
//   reload:   Reload of the same directory (nothing changed), 5 times;
//   shutdown: Shutdown, then each exit delivered as its own dispatch
//             (the exit, Reconcile) until everything is down, as the loop
//             delivers them; skipped above --max-shutdown (default 10000).
// CPU time of the process (CLOCK_PROCESS_CPUTIME_ID), per event: in all,
// and the supervisor's own, without the time spent inside the world's
// calls (the fake's Kill of a group and its Processes walk every process
// it ever made; on the runtime those are kill(2) and a scan of /proc).
// Also how many times per restart the supervisor asked for the process
// table (a /proc scan on the runtime).

#include <stdlib.h>
#include <time.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "init/log.h"
#include "init/supervisor/model/fake_world.h"
#include "init/supervisor/model/unit_specs.h"
#include "init/supervisor/supervisor.h"
#include "init/system/unit.h"
#include "init/system/unit_directory.h"
#include "runtime/duration.h"
#include "runtime/scheduler.h"

namespace faultinit::model {
namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// TimedWorld: `world`, with the CPU time spent in its calls added up.
class TimedWorld final : public SupervisorWorld {
 public:
  explicit TimedWorld(FakeWorld& world) : world_(world) {}
  double seconds() const { return seconds_; }
  size_t scans() const { return scans_; }

  // Exec reports not read yet (the fake world's processes exec at once).
  size_t unreported() const { return spawned_ - reported_; }

  fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) override {
    Timed t(*this);
    fault::StatusOr<fault::StartedSpawn> started = world_.Spawn(options);
    if (started.ok()) ++spawned_;
    return started;
  }
  std::optional<fault::Status> ReadSpawnReport(
      fault::StartedSpawn& spawn) override {
    Timed t(*this);
    std::optional<fault::Status> report = world_.ReadSpawnReport(spawn);
    if (report) ++reported_;
    return report;
  }
  int Kill(pid_t target, int signo) override {
    Timed t(*this);
    return world_.Kill(target, signo);
  }
  std::vector<Member> Processes() override {
    Timed t(*this);
    ++scans_;
    return world_.Processes();
  }
  fault::StatusOr<WatchId> WatchExit(
      pid_t pid, fault::UniqueFd pidfd,
      fault::Scheduler::ExitCallback fn) override {
    Timed t(*this);
    return world_.WatchExit(pid, std::move(pidfd), std::move(fn));
  }
  fault::Status WatchOrphans(fault::Scheduler::ExitCallback fn,
                             fault::Scheduler::OrphanReaping how) override {
    return world_.WatchOrphans(std::move(fn), how);
  }
  bool KernelCanReapOrphans() override { return world_.KernelCanReapOrphans(); }
  fault::Duration Now() override { return world_.Now(); }
  TimerId After(fault::Duration delay, fault::Scheduler::Callback fn) override {
    Timed t(*this);
    return world_.After(delay, std::move(fn));
  }
  void Cancel(TimerId id) override {
    Timed t(*this);
    world_.Cancel(id);
  }

 private:
  struct Timed {
    explicit Timed(TimedWorld& w) : world(w), start(CpuSeconds()) {}
    ~Timed() { world.seconds_ += CpuSeconds() - start; }
    TimedWorld& world;
    double start;
  };
  FakeWorld& world_;
  double seconds_ = 0;
  size_t scans_ = 0;
  size_t spawned_ = 0;
  size_t reported_ = 0;
};

// Runs the loop as SystemMode does (Reconcile, then one wait's events)
// until every exec report is read.
void Pump(Supervisor& supervisor, fault::Scheduler& scheduler,
          const TimedWorld& timed) {
  for (int i = 0; i < 1000000; ++i) {
    supervisor.Reconcile();
    if (timed.unreported() == 0) return;
    if (!scheduler.RunOnce(fault::MonotonicNow()).ok()) std::abort();
  }
  std::abort();
}

LoadedUnits Directory(int n) {
  UnitTexts units;
  for (int i = 0; i < n; ++i) {
    const std::string name = absl::StrCat("s", i);
    std::string unit_section = "StartLimitIntervalSec=0\n";
    if (i > 0) {
      const std::string up = absl::StrCat("s", (i - 1) / 8);
      absl::StrAppend(&unit_section, "After=", up, "\n");
      if (i % 8 == 0) absl::StrAppend(&unit_section, "Requires=", up, "\n");
    }
    units.emplace_back(
        name,
        absl::StrCat("[Unit]\n", unit_section, "[Service]\nExecStart=/m/", name,
                     "/1/main0\nRestart=always\nRestartSec=0\n"
                     "StandardOutput=inherit\n"));
  }
  return LoadTexts(units);
}

void Measure(int n, int max_shutdown) {
  FakeWorld world(fault::Seconds(1000));
  std::unique_ptr<fault::Scheduler> scheduler =
      std::move(fault::Scheduler::Create().value());
  Logger log(0);
  TimedWorld timed(world);
  Supervisor supervisor(*scheduler, log, SupervisorOptions{"", "/"}, &timed);
  double t0 = CpuSeconds();
  supervisor.Load(Directory(n));
  supervisor.Begin();
  supervisor.StartAll();
  Pump(supervisor, *scheduler, timed);
  double boot = CpuSeconds() - t0;

  const std::string victim = absl::StrCat("s", n - 1);
  constexpr int kRestarts = 400;
  t0 = CpuSeconds();
  double w0 = timed.seconds();
  const size_t s0 = timed.scans();
  for (int r = 0; r < kRestarts; ++r) {
    pid_t pid = supervisor.View(victim)->pid;
    world.Exit(pid, 1);
    world.DeliverExits(1);
    supervisor.Reconcile();
    if (!world.FireNext()) std::abort();
    supervisor.Reconcile();
    // The new process's exec report: one more dispatch.
    Pump(supervisor, *scheduler, timed);
    if (supervisor.View(victim)->state != ServiceState::kRunning) std::abort();
  }
  double restart = (CpuSeconds() - t0) / kRestarts;
  double restart_own = restart - (timed.seconds() - w0) / kRestarts;
  double scans = static_cast<double>(timed.scans() - s0) / kRestarts;

  LoadedUnits again = Directory(n);
  t0 = CpuSeconds();
  constexpr int kReloads = 5;
  for (int r = 0; r < kReloads; ++r) supervisor.Reload(again);
  double reload = (CpuSeconds() - t0) / kReloads;

  double shutdown = -1;
  double shutdown_own = -1;
  if (n <= max_shutdown) {
    t0 = CpuSeconds();
    w0 = timed.seconds();
    supervisor.Shutdown();
    while (world.pending_exits() > 0) {
      world.DeliverExits(1);
      supervisor.Reconcile();
    }
    shutdown = CpuSeconds() - t0;
    shutdown_own = shutdown - (timed.seconds() - w0);
    if (!supervisor.AllStopped()) std::abort();
  }
  std::printf(
      "N=%-6d boot %8.1f ms | restart %8.2f us, own %8.2f us, %.1f scans | "
      "reload %8.2f ms | shutdown %9.2f ms, own %9.2f ms\n",
      n, boot * 1e3, restart * 1e6, restart_own * 1e6, scans, reload * 1e3,
      shutdown * 1e3, shutdown_own * 1e3);
  std::fflush(stdout);
}

}  // namespace
}  // namespace faultinit::model

int main(int argc, char** argv) {
  std::vector<int> sizes;
  int max_shutdown = 10000;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--max-shutdown=", 0) == 0) {
      max_shutdown = std::atoi(arg.c_str() + 15);
    } else {
      sizes.push_back(std::atoi(arg.c_str()));
    }
  }
  if (sizes.empty()) sizes = {10, 1000, 10000};
  for (int n : sizes) faultinit::model::Measure(n, max_shutdown);
  return 0;
}
