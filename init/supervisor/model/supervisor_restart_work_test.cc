// The work of one restart (a service's main process exits, Restart=always
// with RestartSec=0, until its next process runs) does not grow with the
// number of units (issue #26): the entries Reconcile decides for
// (Supervisor::Decisions) and those the jobs across units look at
// (Supervisor::JobVisits), counted on a FakeWorld over the same shape of
// graph at N = 20 and N = 2,000, are the same at both. Counts, not times.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
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

constexpr int kSmall = 20;
constexpr int kLarge = 2000;
// A bound on the decisions of one restart, whatever N: the unit and what
// is ordered after it or requires it (9 here), once in each of the
// restart's dispatches (its exit, its restart timer, its exec report).
constexpr size_t kFewDecisions = 32;

// N units s0..s(N-1): s_i is ordered after s_((i-1)/8), and one in eight
// also Requires= it (as supervisor_cost's layout): every unit but the
// leaves has 8 followers, whatever N.
LoadedUnits Layers(int n) {
  std::vector<ParsedUnit> units;
  for (int i = 0; i < n; ++i) {
    const std::string name = absl::StrCat("s", i);
    std::string unit_section;
    if (i > 0) {
      const std::string up = absl::StrCat("s", (i - 1) / 8);
      absl::StrAppend(&unit_section, "After=", up, "\n");
      if (i % 8 == 0) absl::StrAppend(&unit_section, "Requires=", up, "\n");
    }
    const std::string text = absl::StrCat(
        "[Unit]\n", unit_section, "[Service]\nExecStart=/m/", name,
        "/1/main0\nRestart=always\nRestartSec=0\nStandardOutput=inherit\n");
    ParsedUnit parsed = ParseUnit(UnitPath(name), text);
    parsed.source = text;
    units.push_back(std::move(parsed));
  }
  return LinkUnits("/m/units", std::move(units));
}

// One supervisor of `n` units, all running.
class System {
 public:
  explicit System(int n) {
    scheduler_ = std::move(fault::Scheduler::Create().value());
    supervisor_ = std::make_unique<Supervisor>(
        *scheduler_, log_, SupervisorOptions{"", "/"}, &world_);
    supervisor_->Load(Layers(n));
    supervisor_->Begin();
    supervisor_->StartAll();
    Turn();
  }

  // The work of one restart of `name`: {decisions, job visits}.
  std::pair<size_t, size_t> Restart(const std::string& name) {
    const pid_t pid = supervisor_->View(name)->pid;
    EXPECT_GT(pid, 0) << name;
    const size_t decisions = supervisor_->Decisions();
    const size_t visits = supervisor_->JobVisits();
    world_.Exit(pid, 1);
    Turn();
    EXPECT_EQ(supervisor_->View(name)->state, ServiceState::kRunning) << name;
    EXPECT_NE(supervisor_->View(name)->pid, pid) << name;
    return {supervisor_->Decisions() - decisions,
            supervisor_->JobVisits() - visits};
  }

  int Running() {
    int n = 0;
    for (const ServiceView& row : supervisor_->Status()) {
      n += row.state == ServiceState::kRunning;
    }
    return n;
  }
  std::string CheckIndexes() const { return supervisor_->CheckIndexes(); }

 private:
  // Runs the loop as SystemMode does until nothing is left to do now:
  // exits, due timers (RestartSec=0), exec reports.
  void Turn() {
    for (int i = 0; i < 500; ++i) {
      world_.DeliverExits(world_.pending_exits());
      supervisor_->Reconcile();
      world_.Advance(fault::Milliseconds(1));
      supervisor_->Reconcile();
      ASSERT_TRUE(scheduler_->RunOnce(fault::MonotonicNow()).ok());
      supervisor_->Reconcile();
      if (world_.pending_exits() == 0 && Settled()) return;
    }
    ADD_FAILURE() << "not settled";
  }
  bool Settled() {
    for (const ServiceView& row : supervisor_->Status()) {
      if (supervisor_->Busy(row.name)) return false;
    }
    return true;
  }

  FakeWorld world_{fault::Seconds(1000)};
  std::unique_ptr<fault::Scheduler> scheduler_;
  Logger log_{0};
  std::unique_ptr<Supervisor> supervisor_;
};

TEST(RestartWork, SameAtTwentyAndTwoThousandUnits) {
  System small(kSmall);
  System large(kLarge);
  ASSERT_EQ(small.Running(), kSmall);
  ASSERT_EQ(large.Running(), kLarge);
  // The root (8 followers, one requiring it), a unit in the middle (the
  // same), and a leaf (none); each twice, the second restart of a unit
  // costing what the first did.
  const std::vector<std::pair<std::string, std::string>> victims = {
      {"s0", "s0"},
      {"s1", "s1"},
      {absl::StrCat("s", kSmall - 1), absl::StrCat("s", kLarge - 1)},
  };
  for (int round = 0; round < 2; ++round) {
    for (const auto& [in_small, in_large] : victims) {
      const auto [small_decisions, small_visits] = small.Restart(in_small);
      const auto [large_decisions, large_visits] = large.Restart(in_large);
      EXPECT_GT(small_decisions, 0u) << in_small;
      EXPECT_LE(small_decisions, kFewDecisions) << in_small;
      EXPECT_EQ(large_decisions, small_decisions) << in_large;
      EXPECT_EQ(large_visits, small_visits) << in_large;
    }
  }
  EXPECT_EQ(small.CheckIndexes(), "");
  EXPECT_EQ(large.CheckIndexes(), "");
}

}  // namespace
}  // namespace faultinit::model
