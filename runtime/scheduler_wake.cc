#include "runtime/scheduler_wake.h"

#include <errno.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utility>

namespace fault {
namespace scheduler_internal {

// Wake and Stop touch only these atomics, write(2) and tgkill: the atomics
// must not hide a lock.
static_assert(std::atomic<bool>::is_always_lock_free &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "Wake and Stop must be async-signal-safe");

Status Wakeups::Init(Epoll& epoll) {
  fd_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd_) return ErrnoToStatus(errno, "unable to create eventfd");
  return epoll.Add(fd_.get(), EpollKey(Source::kWake, 0), EPOLLIN);
}

void Wakeups::Wake() {
  // A raw write: Wake must stay async-signal-safe. EAGAIN (counter full)
  // still leaves the eventfd readable, which is all that matters.
  const int saved_errno = errno;
  wakes_.fetch_add(1);
  const uint64_t one = 1;
  ssize_t ignored = write(fd_.get(), &one, sizeof one);
  (void)ignored;
  if (waiting_on_signals_.load()) {
    syscall(SYS_tgkill, getpid(), loop_tid_, SIGCHLD);
  }
  errno = saved_errno;
}

void Wakeups::Interject(Scheduler::Callback fn) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    queue_.push_back(std::move(fn));
  }
  Wake();
}

void Wakeups::Stop() {
  stop_.store(true);
  stops_.fetch_add(1);
  Wake();
}

void Wakeups::Acknowledge() {
  wakes_seen_ = wakes_.load();
  uint64_t count;  // one read(2) takes the whole count; EAGAIN if none
  while (read(fd_.get(), &count, sizeof count) < 0 && errno == EINTR) {
  }
}

std::vector<Scheduler::Callback> Wakeups::TakeQueued() {
  std::vector<Scheduler::Callback> queued;
  std::lock_guard<std::mutex> lock(queue_mutex_);
  queued.swap(queue_);
  return queued;
}

size_t Wakeups::QueuedCount() const {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  return queue_.size();
}

void Wakeups::EnterSignalWait() {
  if (loop_tid_ == 0 || !pthread_equal(loop_thread_, pthread_self())) {
    loop_thread_ = pthread_self();
    loop_tid_ = static_cast<pid_t>(syscall(SYS_gettid));
  }
  waiting_on_signals_.store(true);
}

}  // namespace scheduler_internal
}  // namespace fault
