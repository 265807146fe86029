// File: runtime/scheduler_wake.h
//
// Internal to the Scheduler: waking the loop from outside it (Interject,
// Stop, and the pieces' own requests).
//
// Wakeups owns an eventfd in the epoll set; Wake writes to it. The loop's
// wait on signals alone (scheduler_signals.h) does not watch the eventfd,
// so Wake also sends SIGCHLD to the loop thread while the loop may be in
// that wait. The handshake: the loop sets waiting_on_signals_, then checks
// for unseen wakes before each rt_sigtimedwait; Wake counts itself in
// wakes_, then reads the flag (both sequentially consistent): either the
// loop sees the wake and does not block, or Wake sees the flag and sends
// the signal. That SIGCHLD (SI_TKILL from our own pid) is a wake-up, not a
// signal to dispatch; a spare one costs one waitid.
//
// Threading and signal safety:
//   Wake, Stop: any thread, and async-signal-safe (lock-free atomics, one
//     write(2), one tgkill; errno preserved).
//   Interject, QueuedCount: any thread, NOT async-signal-safe (a mutex, and
//     the queue allocates).
//   Everything else: loop thread only.
// Ownership: owns the eventfd and the queued functions.
// Errors: Init returns Status when the eventfd cannot be made or watched.

#ifndef FAULT_RUNTIME_SCHEDULER_WAKE_H_
#define FAULT_RUNTIME_SCHEDULER_WAKE_H_

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/scheduler_watches.h"
#include "runtime/status.h"

namespace fault {
namespace scheduler_internal {

class Wakeups {
 public:
  // Init creates the eventfd and adds it to `epoll` (Source::kWake).
  Status Init(Epoll& epoll);

  // Wake makes the loop's current or next wait return.
  void Wake();
  // Interject queues `fn` for the loop thread, then wakes it.
  void Interject(Scheduler::Callback fn);
  // Stop asks Run to return (TakeStop), and RunOnce to return after the
  // current dispatch (Stops changes), then wakes the loop.
  void Stop();
  bool TakeStop() { return stop_.exchange(false); }
  uint32_t Stops() const { return stops_.load(); }

  // Unseen: a Wake the loop has not acknowledged yet.
  bool Unseen() const { return wakes_.load() != wakes_seen_; }
  // Acknowledge marks every Wake so far as seen and empties the eventfd.
  void Acknowledge();
  // TakeQueued: the functions queued so far, in order; those queued later
  // wait for the next wake-up (the eventfd is set again).
  std::vector<Scheduler::Callback> TakeQueued();
  size_t QueuedCount() const;

  // The wait on signals alone brackets itself with these (loop thread).
  void EnterSignalWait();
  void LeaveSignalWait() { waiting_on_signals_.store(false); }

 private:
  UniqueFd fd_;
  std::atomic<bool> waiting_on_signals_{false};
  std::atomic<uint32_t> wakes_{0};
  uint32_t wakes_seen_ = 0;  // loop thread only
  pid_t loop_tid_ = 0;
  pthread_t loop_thread_{};

  mutable std::mutex queue_mutex_;
  // Guarded by queue_mutex_. A vector, not a deque: an empty deque
  // allocates.
  std::vector<Scheduler::Callback> queue_;
  // stop_ is consumed by Run; stops_ counts, so that a RunOnce during
  // which Stop was called returns.
  std::atomic<bool> stop_{false};
  std::atomic<uint32_t> stops_{0};
};

}  // namespace scheduler_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SCHEDULER_WAKE_H_
