#include "runtime/scheduler_timers.h"

#include <errno.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace fault {
namespace scheduler_internal {

Status Timers::Init(Epoll& epoll) {
  fd_.Reset(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!fd_) return ErrnoToStatus(errno, "unable to create timerfd");
  return epoll.Add(fd_.get(), EpollKey(Source::kTimer, 0), EPOLLIN);
}

WatchId Timers::Add(Duration delay, Duration period, Scheduler::Callback fn) {
  auto watch = WatchPtr::Make();
  watch->kind = Watch::Kind::kTimer;
  watch->SetCallback(std::move(fn));
  watch->deadline = MonotonicNow() + std::max(delay, ZeroDuration());
  watch->period = period;
  const Duration deadline = watch->deadline;
  const WatchId id = watches_.Insert(std::move(watch));
  queue_.emplace(deadline, id);
  return id;
}

void Timers::Remove(WatchId id, const Watch& watch) {
  queue_.erase({watch.deadline, id});
}

bool Timers::Due() const {
  return !queue_.empty() && queue_.begin()->first <= MonotonicNow();
}

Status Timers::Arm() {
  std::optional<Duration> earliest;
  if (!queue_.empty()) earliest = queue_.begin()->first;
  if (earliest == armed_) return OkStatus();
  itimerspec spec = {};
  if (earliest) {
    // A zero it_value would disarm: the monotonic epoch is never due.
    spec.it_value = ToTimespec(std::max(*earliest, Nanoseconds(1)));
  }
  if (timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
    return ErrnoToStatus(errno, "unable to arm timerfd");
  }
  armed_ = earliest;
  return OkStatus();
}

void Timers::Fired() {
  uint64_t count;  // one read(2) takes the whole count; EAGAIN if none
  while (read(fd_.get(), &count, sizeof count) < 0 && errno == EINTR) {
  }
  armed_.reset();
  fired_ = true;
}

void Timers::RunDue() {
  const Duration now = MonotonicNow();
  std::vector<WatchId> due;
  while (!queue_.empty() && queue_.begin()->first <= now) {
    due.push_back(queue_.begin()->second);
    queue_.erase(queue_.begin());
  }
  for (size_t i = 0; i < due.size(); ++i) {
    const WatchId id = due[i];
    WatchPtr watch = watches_.Find(id);
    if (watch == nullptr) continue;  // cancelled by an earlier callback
    if (watch->period == ZeroDuration()) {
      watches_.Take(id);
    } else {
      watch->deadline += watch->period;
      if (watch->deadline <= now) watch->deadline = now + watch->period;
      queue_.emplace(watch->deadline, id);
    }
    try {
      watches_.Run(watch);
    } catch (...) {
      // The timers taken with it and not run yet stay due: the next wait
      // runs them (a callback's exception loses no other timer).
      for (size_t j = i + 1; j < due.size(); ++j) {
        if (WatchPtr left = watches_.Find(due[j])) {
          queue_.emplace(left->deadline, due[j]);
        }
      }
      throw;
    }
  }
}

}  // namespace scheduler_internal
}  // namespace fault
