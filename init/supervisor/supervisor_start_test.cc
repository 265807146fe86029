// The start path on the real runtime (issue #26): a start wave forks every
// service before it reads the first exec report; the reports come through
// the loop; a failed exec fails its service as a failed spawn did; a stop
// while a report is pending stops the service. Real processes (fork, exec,
// kill, reaping) through a SupervisorWorld that counts what the supervisor
// asks of the runtime. Every wait is on an event, bounded by a generous
// deadline; nothing is timed.

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "init/supervisor/supervisor_runtime_fixture.h"
#include "runtime/fd.h"

namespace faultinit {
namespace {

constexpr int kServices = 24;

// The runtime's world, counting spawns and exec report reads, and how many
// spawns there had been when the first report was read.
class CountingWorld final : public RuntimeForwardingWorld {
 public:
  using RuntimeForwardingWorld::RuntimeForwardingWorld;

  fault::StatusOr<fault::StartedSpawn> Spawn(
      const fault::SpawnOptions& options) override {
    ++spawns;
    return ForwardingWorld::Spawn(options);
  }
  std::optional<fault::Status> ReadSpawnReport(
      fault::StartedSpawn& spawn) override {
    if (!spawns_at_first_read) spawns_at_first_read = spawns;
    ++reads;
    return ForwardingWorld::ReadSpawnReport(spawn);
  }

  int spawns = 0;
  int reads = 0;
  std::optional<int> spawns_at_first_read;
};

class SupervisorStart : public SupervisorOnRuntime<CountingWorld> {
 protected:
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
  Boot();
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
  Boot();
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
