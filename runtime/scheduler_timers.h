// File: runtime/scheduler_timers.h
//
// Internal to the Scheduler: its timers (After, Every).
//
// Timers: the pending timers ordered by (deadline, id), so timers due at
// the same instant run in the order they were added, and one
// CLOCK_MONOTONIC timerfd in the epoll set, armed (absolute) for the
// earliest of them and disarmed when none is left. A timer due already
// when the loop is about to wait runs without the timerfd: the loop then
// makes an epoll_wait that does not block (so a chain of zero-delay timers
// starves no fd) and runs the due timers after the batch, instead of
// arming the timerfd, waiting for it and reading it.
//
// Ownership: owns the timerfd; the watches are the WatchTable's.
// Threading: loop thread only. Not async-signal-safe.
// Errors: Init and Arm return Status on a failing timerfd call.

#ifndef FAULT_RUNTIME_SCHEDULER_TIMERS_H_
#define FAULT_RUNTIME_SCHEDULER_TIMERS_H_

#include <optional>
#include <set>
#include <utility>

#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/scheduler_watches.h"
#include "runtime/status.h"

namespace fault {
namespace scheduler_internal {

class Timers {
 public:
  explicit Timers(WatchTable& watches) : watches_(watches) {}

  // Init creates the timerfd and adds it to `epoll` (Source::kTimer).
  Status Init(Epoll& epoll);

  // Add: a timer due `delay` from now (never before now), then every
  // `period` (zero: once).
  WatchId Add(Duration delay, Duration period, Scheduler::Callback fn);
  // Remove: for Cancel, after the watch left the table.
  void Remove(WatchId id, const Watch& watch);
  bool empty() const { return queue_.empty(); }

  // Due: whether the earliest timer is due already (After with no delay,
  // or a deadline passed during callbacks).
  bool Due() const;
  // Arm points the timerfd at the earliest timer, or disarms it.
  Status Arm();
  // Fired: the timerfd was in the batch; drains it (an absolute one-shot
  // timerfd disarms itself). TakeFired reports it once, after the batch.
  void Fired();
  bool TakeFired() { return std::exchange(fired_, false); }

  // RunDue runs the timers due now, by (deadline, id). A repeating timer is
  // requeued before it runs (so it may cancel itself), at most once per
  // call: one that has fallen behind skips the missed periods.
  void RunDue();

 private:
  WatchTable& watches_;
  UniqueFd fd_;
  std::set<std::pair<Duration, WatchId>> queue_;
  std::optional<Duration> armed_;  // what the timerfd is set to
  bool fired_ = false;
};

}  // namespace scheduler_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SCHEDULER_TIMERS_H_
