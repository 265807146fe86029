// The Scheduler's core: the epoll wait and the dispatch of what it
// returns (see scheduler.h for the contract).
//
// Impl owns one of each watcher piece, each behind its own header with its
// own contract:
//   scheduler_watches.h   the epoll instance, the watch table
//   scheduler_timers.h    timerfd and ordered deadlines
//   scheduler_signals.h   signalfd, signal watches, the relay, the wait on
//                         signals alone
//   scheduler_children.h  pidfd exit watches, SIGCHLD + waitid, orphans
//   scheduler_fds.h       fd watches
//   scheduler_wake.h      eventfd wake-ups: Interject, Stop
// and routes the public calls to them; it keeps the BeforeWait hooks and
// the scheduler's part of the fork child callset itself. RunOnce is the loop's
// one wait and dispatch: each turn it picks the wait (epoll_wait, or
// rt_sigtimedwait when nothing but a signal can end it), dispatches what it
// returned, and returns once a callback ran, Stop was called or the deadline
// passed.

#include "runtime/scheduler.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/abort.h"
#include "runtime/callsets.h"
#include "runtime/scheduler_children.h"
#include "runtime/scheduler_fds.h"
#include "runtime/scheduler_signals.h"
#include "runtime/scheduler_timers.h"
#include "runtime/scheduler_wake.h"
#include "runtime/scheduler_watches.h"

namespace fault {

using scheduler_internal::Children;
using scheduler_internal::Epoll;
using scheduler_internal::Fds;
using scheduler_internal::KeySource;
using scheduler_internal::KeyValue;
using scheduler_internal::Signals;
using scheduler_internal::Source;
using scheduler_internal::Timers;
using scheduler_internal::Wakeups;
using scheduler_internal::Watch;
using scheduler_internal::WatchPtr;
using scheduler_internal::WatchTable;

namespace {

// Events taken per epoll_wait: level-triggered, any left over are reported
// by the next one; more would only deepen the stack PID 1 sleeps on.
constexpr int kEpollBatch = 16;

// EpollTimeout: milliseconds until `deadline`, rounded up so that the wait
// never ends before it; -1 for no deadline.
int EpollTimeout(Duration deadline) {
  if (deadline == InfiniteDuration()) return -1;
  const Duration left = deadline - MonotonicNow();
  if (left <= ZeroDuration()) return 0;
  const int64_t ms = (left.nanoseconds() - 1) / 1000000 + 1;  // rounded up
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

}  // namespace

class Scheduler::Impl {
 public:
  Impl()
      : timers_(watches_),
        signals_(watches_, epoll_),
        children_(watches_, epoll_, signals_, wakeups_, timers_),
        fds_(watches_, epoll_) {}

  Status Init() {
    FAULT_RETURN_IF_ERROR(epoll_.Init());
    FAULT_RETURN_IF_ERROR(timers_.Init(epoll_));
    FAULT_RETURN_IF_ERROR(wakeups_.Init(epoll_));
    // The signalfd joins the epoll set before the first epoll_wait.
    FAULT_RETURN_IF_ERROR(signals_.Init());
    // Also in a vfork child (VforkCallsets): InChild only makes system
    // calls, and SIGCHLD is marked changed already when it restores it.
    in_child_ = RegisterForkCallback(
        ForkPhase::kChild, [this] { InChild(); }, VforkSafety::kAlsoVfork);
    return OkStatus();
  }
  ~Impl() { in_child_.Reset(); }

  WatchId BeforeWait(Callback fn);
  void Cancel(WatchId id);
  Status RunOnce(Duration deadline);
  size_t Pending() const { return watches_.size() + wakeups_.QueuedCount(); }

  // Declaration order is construction order: the pieces refer to the
  // table, the epoll instance and each other, and are destroyed first
  // (children_ restores SIGCHLD's disposition, signals_ the mask).
  Epoll epoll_;
  WatchTable watches_;
  Wakeups wakeups_;
  Timers timers_;
  Signals signals_;
  Children children_;
  Fds fds_;

 private:
  // InChild is the scheduler's part of the fork child callset: a child does
  // not run this loop (scheduler.h, "Fork"), so what the scheduler did to
  // the process's signal state for it is undone there: SIGCHLD's
  // disposition while the kernel reaps orphans, and the mask bits its
  // watches hold. Between fork and exec: sigaction and sigprocmask only.
  void InChild() const {
    children_.UndoInChild();
    signals_.UndoInChild();
  }
  void RunBeforeWait();

  // Whether only a signal can end the wait: orphans reaped (SIGCHLD held),
  // and no fd watch, timer, pidfd, reap request or deadline.
  bool OnlySignalsCanEndWait(Duration deadline) const {
    return deadline == InfiniteDuration() && children_.OnlySignalsCanEnd() &&
           fds_.empty() && timers_.empty();
  }
  Status Dispatch(const epoll_event* events, int count);
  Status DispatchSignals(StatusOr<bool> child_exited);
  void HandleWake();

  std::vector<WatchId> before_wait_;  // BeforeWait hooks, in order added
  // InChild in the fork child callset, from Init to the destructor.
  CallsetHandle in_child_;
};

Scheduler::WatchId Scheduler::Impl::BeforeWait(Callback fn) {
  auto watch = WatchPtr::Make();
  watch->kind = Watch::Kind::kBeforeWait;
  watch->SetCallback(std::move(fn));
  const WatchId id = watches_.Insert(std::move(watch));
  before_wait_.push_back(id);
  return id;
}

// RunBeforeWait runs the hooks present when it starts, each looked up
// again first (one may cancel another). Not counted as a dispatch: a hook
// is not an event.
void Scheduler::Impl::RunBeforeWait() {
  if (before_wait_.empty()) return;
  const std::vector<WatchId> ids = before_wait_;
  for (WatchId id : ids) {
    if (WatchPtr watch = watches_.Find(id)) watch->callback()();
  }
}

void Scheduler::Impl::Cancel(WatchId id) {
  WatchPtr watch = watches_.Take(id);
  if (watch == nullptr) return;
  switch (watch->kind) {
    case Watch::Kind::kTimer:
      timers_.Remove(id, *watch);
      break;
    case Watch::Kind::kSignal:
      signals_.RemoveWatch(id);
      break;
    case Watch::Kind::kRelay:
      signals_.EndRelay();
      break;
    case Watch::Kind::kExit:
      children_.Remove(id, *watch);
      break;
    case Watch::Kind::kReadable:
    case Watch::Kind::kWritable:
      fds_.Remove(id, *watch);
      break;
    case Watch::Kind::kBeforeWait:
      before_wait_.erase(
          std::find(before_wait_.begin(), before_wait_.end(), id));
      break;
  }
}

// HandleWake runs a requested reap, then the interjections queued so far.
void Scheduler::Impl::HandleWake() {
  wakeups_.Acknowledge();
  children_.ReapIfRequested();
  for (Callback& fn : wakeups_.TakeQueued()) {
    watches_.CountDispatch();
    fn();
  }
}

// DispatchSignals finishes a take of signals: reaps after a SIGCHLD.
Status Scheduler::Impl::DispatchSignals(StatusOr<bool> child_exited) {
  if (!child_exited.ok()) return child_exited.status();
  if (*child_exited) children_.Reap(signals_.TakeExitedPids());
  return OkStatus();
}

Status Scheduler::Impl::Dispatch(const epoll_event* events, int count) {
  for (int i = 0; i < count; ++i) {
    const uint64_t key = events[i].data.u64;
    switch (KeySource(key)) {
      case Source::kTimer:
        timers_.Fired();  // the timers run after the batch
        break;
      case Source::kWake:
        HandleWake();
        break;
      case Source::kSignal:
        FAULT_RETURN_IF_ERROR(DispatchSignals(signals_.ReadAndDispatch()));
        break;
      case Source::kFd:
        fds_.Dispatch(static_cast<int>(KeyValue(key)), events[i].events);
        break;
      case Source::kExit:
        children_.OnPidfdReadable(KeyValue(key));
        break;
    }
  }
  return OkStatus();
}

// RunOnce: the loop's wait and dispatch.
Status Scheduler::Impl::RunOnce(Duration deadline) {
  const uint64_t dispatched_before = watches_.Dispatched();
  const uint32_t stops_before = wakeups_.Stops();
  epoll_event events[kEpollBatch];
  for (;;) {
    RunBeforeWait();
    // A timer due already runs without the timerfd, after an epoll_wait
    // that does not block takes what else is ready.
    const bool timer_due = timers_.Due();
    if (!timer_due) FAULT_RETURN_IF_ERROR(timers_.Arm());
    if (!timer_due && OnlySignalsCanEndWait(deadline)) {
      // Waits on signals alone: nothing else can end the wait.
      FAULT_RETURN_IF_ERROR(signals_.SetPolled(false));
      FAULT_RETURN_IF_ERROR(DispatchSignals(signals_.WaitAlone(wakeups_)));
      if (wakeups_.Unseen()) HandleWake();
      if (watches_.Dispatched() != dispatched_before ||
          wakeups_.Stops() != stops_before) {
        return OkStatus();
      }
      continue;
    }
    FAULT_RETURN_IF_ERROR(signals_.SetPolled(true));
    const int count = epoll_wait(epoll_.fd(), events, kEpollBatch,
                                 timer_due ? 0 : EpollTimeout(deadline));
    if (count < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "unable to wait for events");
    }
    watches_.BeginBatch();
    FAULT_RETURN_IF_ERROR(Dispatch(events, count));
    if (timers_.TakeFired() || timer_due) timers_.RunDue();
    // Wake-ups that ran nothing (a Stop, a timer cancelled meanwhile) do
    // not count as events.
    if (watches_.Dispatched() != dispatched_before ||
        wakeups_.Stops() != stops_before || MonotonicNow() >= deadline) {
      return OkStatus();
    }
  }
}

// ---------------------------------------------------------------------------
// Scheduler: forwards to the pieces.

Scheduler::Scheduler() = default;
Scheduler::~Scheduler() = default;

StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create() {
  auto impl = std::make_unique<Impl>();
  FAULT_RETURN_IF_ERROR(impl->Init());
  std::unique_ptr<Scheduler> scheduler(new Scheduler());
  scheduler->impl_ = std::move(impl);
  return scheduler;
}

Scheduler::WatchId Scheduler::After(Duration delay, Callback fn) {
  return impl_->timers_.Add(delay, ZeroDuration(), std::move(fn));
}

Scheduler::WatchId Scheduler::Every(Duration period, Callback fn) {
  period = std::max(period, Nanoseconds(1));
  return impl_->timers_.Add(period, period, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::OnSignal(int signo, SignalCallback fn) {
  return impl_->signals_.AddWatch({signo}, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::OnSignals(
    const std::vector<int>& signos, SignalCallback fn) {
  return impl_->signals_.AddWatch(signos, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::RelaySignals(const SignalRelay& relay,
                                                     pid_t target) {
  return impl_->signals_.StartRelay(relay, target);
}

StatusOr<Scheduler::WatchId> Scheduler::OnExit(pid_t pid, ExitCallback fn) {
  return impl_->children_.AddWatch(pid, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::OnExit(pid_t pid, UniqueFd pidfd,
                                               ExitCallback fn) {
  return impl_->children_.AddWatch(pid, std::move(pidfd), std::move(fn));
}

Status Scheduler::ReapOrphans(ExitCallback fn, OrphanReaping how) {
  return impl_->children_.ReapOrphans(std::move(fn), how);
}

bool Scheduler::KernelReapsOrphans() const {
  return impl_->children_.KernelReapsOrphans();
}

uint64_t Scheduler::Sweeps() const { return impl_->children_.Sweeps(); }

Duration Scheduler::SweepDue() const { return impl_->children_.SweepDue(); }

uint64_t Scheduler::FdWatchMoves() const { return impl_->fds_.Moves(); }

StatusOr<Scheduler::WatchId> Scheduler::OnReadable(int fd, Callback fn) {
  return impl_->fds_.AddWatch(fd, Watch::Kind::kReadable, std::move(fn));
}

StatusOr<Scheduler::WatchId> Scheduler::OnWritable(int fd, Callback fn) {
  return impl_->fds_.AddWatch(fd, Watch::Kind::kWritable, std::move(fn));
}

Scheduler::WatchId Scheduler::BeforeWait(Callback fn) {
  return impl_->BeforeWait(std::move(fn));
}
void Scheduler::Cancel(WatchId id) { impl_->Cancel(id); }
void Scheduler::Interject(Callback fn) {
  impl_->wakeups_.Interject(std::move(fn));
}
Status Scheduler::RunOnce(Duration deadline) {
  return impl_->RunOnce(deadline);
}
Status Scheduler::Run() {
  while (!impl_->wakeups_.TakeStop()) {
    FAULT_RETURN_IF_ERROR(impl_->RunOnce(InfiniteDuration()));
  }
  return OkStatus();
}
void Scheduler::Stop() { impl_->wakeups_.Stop(); }
size_t Scheduler::Pending() const { return impl_->Pending(); }

size_t Scheduler::WatchBytes() {
  // WatchPtr::Make's block: the Watch alone (its count is inside).
  return sizeof(scheduler_internal::Watch);
}

Scheduler& Scheduling() {
  static std::unique_ptr<Scheduler> scheduler = [] {
    StatusOr<std::unique_ptr<Scheduler>> created = Scheduler::Create();
    if (!created.ok()) {
      WriteString(STDERR_FILENO,
                  absl::StrCat("fault: fatal: unable to create the scheduler: ",
                               created.status().message(), "\n"));
      Abort();
    }
    return std::move(created).value();
  }();
  return *scheduler;
}

}  // namespace fault
