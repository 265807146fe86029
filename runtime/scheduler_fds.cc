#include "runtime/scheduler_fds.h"

#include <errno.h>
#include <sys/epoll.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace fault {
namespace scheduler_internal {

uint32_t Fds::Interest(int fd) const {
  uint32_t events = 0;
  if (const uint64_t first = FirstOf(fd); first != 0) {
    events |= (first & kWriter) ? EPOLLOUT : EPOLLIN;
    for (const FdWatch& w : more_) {
      if (w.fd == fd) events |= w.writer ? EPOLLOUT : EPOLLIN;
    }
  }
  return events;
}

StatusOr<WatchId> Fds::AddWatch(int fd, Watch::Kind kind,
                                Scheduler::Callback fn) {
  if (fd < 0) {
    return ErrnoToStatus(EBADF, absl::StrCat("unable to watch fd ", fd));
  }
  const WatchId id = watches_.NextId();
  const bool writer = kind == Watch::Kind::kWritable;
  const bool first_watch = FirstOf(fd) == 0;
  const uint64_t key = EpollKey(Source::kFd, static_cast<uint64_t>(fd));
  const uint32_t events = Interest(fd) | (writer ? EPOLLOUT : EPOLLIN);
  // The fd's first watch adds its epoll entry with one call (Set would try
  // a modification first): a start wave adds two new fds per service. An
  // entry a failed removal left behind: Set modifies it.
  Status status =
      first_watch ? epoll_.Add(fd, key, events) : epoll_.Set(fd, key, events);
  if (first_watch && !status.ok() && status.error_number() == EEXIST) {
    status = epoll_.Set(fd, key, events);
  }
  if (!status.ok()) return status;
  // Grown only once the fd is known to be open: its number is below the
  // descriptor limit.
  if (first_watch) {
    if (static_cast<size_t>(fd) >= first_.size()) first_.resize(fd + 1);
    first_[fd] = id | (writer ? kWriter : 0);
  } else {
    more_.push_back(FdWatch{fd, writer, id});
  }
  ++count_;
  auto watch = WatchPtr::Make();
  watch->kind = kind;
  watch->SetCallback(std::move(fn));
  watch->fd = fd;
  watches_.Insert(std::move(watch));
  return id;
}

void Fds::Remove(WatchId id, const Watch& watch) {
  const int fd = watch.fd;
  auto of_fd = [fd](const FdWatch& w) { return w.fd == fd; };
  if ((FirstOf(fd) & ~kWriter) == id) {
    // The fd's next watch, if any, becomes its first.
    auto next = std::find_if(more_.begin(), more_.end(), of_fd);
    if (next == more_.end()) {
      first_[fd] = 0;
    } else {
      first_[fd] = next->id | (next->writer ? kWriter : 0);
      moves_ += static_cast<uint64_t>(more_.end() - next - 1);
      more_.erase(next);
    }
  } else {
    auto it = std::find_if(more_.begin(), more_.end(),
                           [id](const FdWatch& w) { return w.id == id; });
    if (it == more_.end()) return;
    moves_ += static_cast<uint64_t>(more_.end() - it - 1);
    more_.erase(it);
  }
  --count_;
  // Failure leaves the fd in the epoll set with a stale mask; its events
  // find no watch and are ignored.
  UpdateInterest(fd).IgnoreError();
}

// UpdateInterest makes the epoll entry of `fd` match its watches:
// modified, or removed when none is left.
Status Fds::UpdateInterest(int fd) {
  return epoll_.Set(fd, EpollKey(Source::kFd, static_cast<uint64_t>(fd)),
                    Interest(fd));
}

void Fds::Dispatch(int fd, uint32_t events) {
  // Copies: the callbacks may change the interest of this fd.
  const uint64_t first = FirstOf(fd);
  if (first == 0) return;
  std::vector<WatchId> readers;
  std::vector<WatchId> writers;
  ((first & kWriter) ? writers : readers).push_back(first & ~kWriter);
  for (const FdWatch& w : more_) {
    if (w.fd == fd) (w.writer ? writers : readers).push_back(w.id);
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Run(readers);
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) Run(writers);
}

void Fds::Run(const std::vector<WatchId>& ids) {
  for (WatchId id : ids) {
    if (watches_.AddedDuringBatch(id)) continue;  // the event is not for it
    WatchPtr watch = watches_.Find(id);
    if (watch != nullptr) watches_.Run(watch);
  }
}

}  // namespace scheduler_internal
}  // namespace fault
