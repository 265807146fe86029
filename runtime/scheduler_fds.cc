#include "runtime/scheduler_fds.h"

#include <errno.h>
#include <sys/epoll.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <utility>

namespace fault {
namespace scheduler_internal {

std::pair<Fds::FdWatches::iterator, Fds::FdWatches::iterator> Fds::Of(int fd) {
  struct ByFd {
    bool operator()(const FdWatch& w, int f) const { return w.fd < f; }
    bool operator()(int f, const FdWatch& w) const { return f < w.fd; }
  };
  return std::equal_range(fds_.begin(), fds_.end(), fd, ByFd());
}

StatusOr<WatchId> Fds::AddWatch(int fd, Watch::Kind kind,
                                Scheduler::Callback fn) {
  const WatchId id = watches_.NextId();
  // After the fd's other watches: ids only grow. A hole right before or at
  // that place takes it (fd numbers are reused: a closed fd's hole is
  // there), with no move of the later watches.
  const FdWatch added{fd, kind == Watch::Kind::kWritable, id};
  auto [first, at] = Of(fd);
  // The fd's first watch adds its epoll entry with one call (Set would try
  // a modification first): a start wave adds two new fds per service.
  const bool first_watch =
      std::none_of(first, at, [](const FdWatch& w) { return w.id != 0; });
  if (at != fds_.begin() && std::prev(at)->id == 0) {
    *std::prev(at) = added;
    --holes_;
  } else if (at != fds_.end() && at->id == 0) {
    *at = added;
    --holes_;
  } else {
    fds_.insert(at, added);
  }
  // (An entry a failed removal left behind: Set modifies it.)
  Status status =
      first_watch
          ? epoll_.Add(fd, EpollKey(Source::kFd, static_cast<uint64_t>(fd)),
                       added.writer ? EPOLLOUT : EPOLLIN)
          : UpdateInterest(fd);
  if (first_watch && !status.ok() && status.error_number() == EEXIST) {
    status = UpdateInterest(fd);
  }
  if (!status.ok()) {
    Erase(fd, id);
    if (!first_watch) UpdateInterest(fd).IgnoreError();
    return status;
  }
  auto watch = WatchPtr::Make();
  watch->kind = kind;
  watch->SetCallback(std::move(fn));
  watch->fd = fd;
  watches_.Insert(std::move(watch));
  return id;
}

// Erase leaves a hole (id 0) where the watch was: an erase would move every
// later watch (PID 1 watches an output pipe per service). The holes go
// together once they are a quarter of the vector.
void Fds::Erase(int fd, WatchId id) {
  auto [first, last] = Of(fd);
  auto it =
      std::find_if(first, last, [id](const FdWatch& w) { return w.id == id; });
  if (it == last) return;
  it->id = 0;
  if (++holes_ > 16 && holes_ * 4 > fds_.size()) {
    fds_.erase(std::remove_if(fds_.begin(), fds_.end(),
                              [](const FdWatch& w) { return w.id == 0; }),
               fds_.end());
    holes_ = 0;
  }
}

void Fds::Remove(WatchId id, const Watch& watch) {
  Erase(watch.fd, id);
  // Failure leaves the fd in the epoll set with a stale mask; its events
  // find no watch and are ignored.
  UpdateInterest(watch.fd).IgnoreError();
}

// UpdateInterest makes the epoll entry of `fd` match its watches: added,
// modified, or removed when none is left.
Status Fds::UpdateInterest(int fd) {
  uint32_t events = 0;
  auto [first, last] = Of(fd);
  for (auto it = first; it != last; ++it) {
    if (it->id != 0) events |= it->writer ? EPOLLOUT : EPOLLIN;
  }
  return epoll_.Set(fd, EpollKey(Source::kFd, static_cast<uint64_t>(fd)),
                    events);
}

void Fds::Dispatch(int fd, uint32_t events) {
  // Copies: the callbacks may change the interest of this fd.
  std::vector<WatchId> readers;
  std::vector<WatchId> writers;
  auto [first, last] = Of(fd);
  for (auto it = first; it != last; ++it) {
    if (it->id != 0) (it->writer ? writers : readers).push_back(it->id);
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
