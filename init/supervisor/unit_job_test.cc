// Drives every cell of UnitJob's table (unit_job.h): each state x event
// against the rules the design note states, written here as rules per
// event (not as a second table), and the invariants every cell keeps.

#include "init/supervisor/unit_job.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace faultinit {
namespace {

using J = UnitJob;
using E = UnitJobEvent;

UnitJob JobAt(int i) { return static_cast<UnitJob>(i); }
UnitJobEvent EventAt(int i) { return static_cast<UnitJobEvent>(i); }

// The rules, event by event.
UnitJobCell Expected(UnitJob job, UnitJobEvent event) {
  const bool waits = ReloadWaits(job);
  switch (event) {
    case E::kStartRequested:  // queued, unless the unit is being forgotten
      if (job == J::kForget) return {J::kForget, false};
      if (Replacing(job)) return {J::kReplaceThenStart, false};
      return {J::kStart, false};
    case E::kStartCancelled:  // the queued start only
      if (job == J::kStart) return {J::kNone, false};
      if (job == J::kReplaceThenStart) return {J::kReplace, false};
      return {job, false};
    case E::kStartTaken:
      return {job == J::kStart ? J::kNone : job, false};
    case E::kFileSame:  // nothing to do, unless a reload's wait is on
      if (waits) return {J::kReplace, true};
      return {job, false};
    case E::kFileChanged:  // stopped for the new definition, start dropped
      return {J::kReplace, true};
    case E::kFileGone:  // stopped once
      return {J::kForget, job != J::kForget};
    case E::kRunOver:
      return {J::kForget, false};
    case E::kDown:  // a reload's wait ends
      return {waits ? J::kNone : job, false};
    case E::kShutdown:  // nothing queued, no swap; forgetting goes on
      return {job == J::kForget ? J::kForget : J::kNone, false};
    case E::kFileGoneKept:  // forgotten once down, never stopped for it
      return {J::kForget, false};
    case E::kFileBack:  // a unit being forgotten is kept
      return {job == J::kForget ? J::kNone : job, false};
  }
  ADD_FAILURE() << "no rule";
  return {job, false};
}

TEST(UnitJobTableTest, EveryCellFollowsTheRules) {
  int cells = 0;
  for (int j = 0; j < kUnitJobs; ++j) {
    for (int e = 0; e < kUnitJobEvents; ++e) {
      const UnitJobCell got = UnitJobTransition(JobAt(j), EventAt(e));
      const UnitJobCell want = Expected(JobAt(j), EventAt(e));
      const std::string cell = absl::StrCat(UnitJobName(JobAt(j)), " x ",
                                            UnitJobEventName(EventAt(e)));
      EXPECT_EQ(got.next, want.next) << cell << ": " << UnitJobName(got.next)
                                     << ", want " << UnitJobName(want.next);
      EXPECT_EQ(got.stop, want.stop) << cell;
      EXPECT_EQ(NextUnitJob(JobAt(j), EventAt(e)), got.next) << cell;
      ++cells;
    }
  }
  EXPECT_EQ(cells, 55);
}

TEST(UnitJobTableTest, InvariantsOfEveryCell) {
  for (int j = 0; j < kUnitJobs; ++j) {
    for (int e = 0; e < kUnitJobEvents; ++e) {
      const UnitJob job = JobAt(j);
      const UnitJobEvent event = EventAt(e);
      const UnitJobCell cell = UnitJobTransition(job, event);
      const std::string name =
          absl::StrCat(UnitJobName(job), " x ", UnitJobEventName(event));
      // A stop is a reload's, and leaves the unit waiting for it.
      if (cell.stop) {
        EXPECT_TRUE(ReloadWaits(cell.next)) << name;
        EXPECT_TRUE(event == E::kFileSame || event == E::kFileChanged ||
                    event == E::kFileGone)
            << name;
      }
      // Only a start request queues a start; a reload's change, a run
      // over, a shutdown and a cancel leave none queued.
      if (StartQueued(cell.next) && !StartQueued(job)) {
        EXPECT_EQ(event, E::kStartRequested) << name;
      }
      if (event == E::kFileChanged || event == E::kFileGone ||
          event == E::kRunOver || event == E::kShutdown ||
          event == E::kStartCancelled || event == E::kFileGoneKept) {
        EXPECT_FALSE(StartQueued(cell.next)) << name;
      }
      // A unit being forgotten is never started, and leaves that state
      // only when down, or when its file is back.
      if (job == J::kForget && cell.next != J::kForget) {
        EXPECT_TRUE(event == E::kDown || event == E::kFileSame ||
                    event == E::kFileChanged || event == E::kFileBack)
            << name;
      }
      // After a shutdown, no swap waits and no start is queued.
      if (event == E::kShutdown) {
        EXPECT_FALSE(Replacing(cell.next) || StartQueued(cell.next)) << name;
      }
    }
  }
}

TEST(UnitJobTableTest, NamesAreDistinct) {
  std::set<std::string> jobs, events;
  for (int j = 0; j < kUnitJobs; ++j) {
    jobs.insert(std::string(UnitJobName(JobAt(j))));
  }
  for (int e = 0; e < kUnitJobEvents; ++e) {
    events.insert(std::string(UnitJobEventName(EventAt(e))));
  }
  EXPECT_EQ(jobs.size(), static_cast<size_t>(kUnitJobs));
  EXPECT_EQ(events.size(), static_cast<size_t>(kUnitJobEvents));
  EXPECT_EQ(jobs.count("unknown"), 0u);
  EXPECT_EQ(events.count("unknown"), 0u);
}

}  // namespace
}  // namespace faultinit
