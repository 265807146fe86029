// File: runtime/scheduler_fds.h
//
// Internal to the Scheduler: fd watches (OnReadable, OnWritable).
//
// Each watched fd has one epoll entry (Source::kFd, keyed by the fd) whose
// events are the union of its watches' (EPOLLIN for readers, EPOLLOUT for
// writers; level-triggered), removed with the last watch. An event runs
// the readers (EPOLLIN, EPOLLHUP, EPOLLERR) then the writers (EPOLLOUT,
// EPOLLHUP, EPOLLERR) that existed when epoll_wait returned: a watch added
// during the batch may be for a new fd that reuses the number.
//
// The watches are kept in one vector sorted by fd, then by id (16 bytes a
// watch, not a tree node of 88 and a vector per fd: PID 1 watches an
// output pipe per service). A removed watch leaves a hole (id 0), which a
// watch added at its place takes (fd numbers are reused), until a quarter
// are holes: so an add or removal moves no other watch (issue #26).
//
// Ownership: the fds stay the caller's; the caller cancels a watch before
// closing its fd. Threading: loop thread only; not async-signal-safe.
// Errors: AddWatch returns Status ("unable to watch fd N: cause").

#ifndef FAULT_RUNTIME_SCHEDULER_FDS_H_
#define FAULT_RUNTIME_SCHEDULER_FDS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "runtime/scheduler.h"
#include "runtime/scheduler_watches.h"
#include "runtime/status.h"

namespace fault {
namespace scheduler_internal {

class Fds {
 public:
  Fds(WatchTable& watches, Epoll& epoll) : watches_(watches), epoll_(epoll) {}

  // `kind` is kReadable or kWritable.
  StatusOr<WatchId> AddWatch(int fd, Watch::Kind kind, Scheduler::Callback fn);
  // Remove: for Cancel, after the watch left the table.
  void Remove(WatchId id, const Watch& watch);
  // Dispatch: epoll reported `events` for `fd`.
  void Dispatch(int fd, uint32_t events);
  bool empty() const { return fds_.size() == holes_; }

 private:
  // One watch of an fd.
  struct FdWatch {
    int fd;
    bool writer;  // OnWritable; else OnReadable
    WatchId id;
  };
  using FdWatches = std::vector<FdWatch>;

  // The watches of `fd`, in registration order.
  std::pair<FdWatches::iterator, FdWatches::iterator> Of(int fd);
  Status UpdateInterest(int fd);
  void Erase(int fd, WatchId id);
  void Run(const std::vector<WatchId>& ids);

  WatchTable& watches_;
  Epoll& epoll_;
  FdWatches fds_;  // sorted by fd, then id; holes have id 0
  size_t holes_ = 0;
};

}  // namespace scheduler_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SCHEDULER_FDS_H_
