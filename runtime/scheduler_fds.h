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
// The watches are indexed by fd: a vector with a slot per fd number (8
// bytes: the id of the fd's first watch, and whether it writes), so that
// adding or removing the watch of one fd touches that fd's slot alone,
// whatever else is watched (issue #26: PID 1 watches an output pipe per
// service, and a restarted service's new pipe takes whatever number is
// free; a vector sorted by fd moved every watch after it). Fd numbers are
// dense (the kernel gives the lowest free one), so the vector is as long
// as the highest fd watched so far; it does not shrink. The rare further
// watches of an fd already watched (a control client both read and
// written) are kept in a short list of their own, in registration order.
//
// Ownership: the fds stay the caller's; the caller cancels a watch before
// closing its fd. Threading: loop thread only; not async-signal-safe.
// Errors: AddWatch returns Status ("unable to watch fd N: cause").

#ifndef FAULT_RUNTIME_SCHEDULER_FDS_H_
#define FAULT_RUNTIME_SCHEDULER_FDS_H_

#include <cstdint>
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
  bool empty() const { return count_ == 0; }
  // Moves: the watches moved within these tables to add or remove others
  // (only in the list of further watches).
  uint64_t Moves() const { return moves_; }

 private:
  // One further watch of an fd.
  struct FdWatch {
    int fd;
    bool writer;  // OnWritable; else OnReadable
    WatchId id;
  };

  // A slot: a watch's id with kWriter set for OnWritable; 0 for none.
  static constexpr uint64_t kWriter = uint64_t{1} << 63;
  uint64_t FirstOf(int fd) const {
    return static_cast<size_t>(fd) < first_.size() ? first_[fd] : 0;
  }
  // Interest: the epoll events the watches of `fd` ask for.
  uint32_t Interest(int fd) const;
  Status UpdateInterest(int fd);
  void Run(const std::vector<WatchId>& ids);

  WatchTable& watches_;
  Epoll& epoll_;
  std::vector<uint64_t> first_;  // by fd: its first watch
  std::vector<FdWatch> more_;    // further watches, in registration order
  size_t count_ = 0;             // watches in all
  uint64_t moves_ = 0;
};

}  // namespace scheduler_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SCHEDULER_FDS_H_
