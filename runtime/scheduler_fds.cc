#include "runtime/scheduler_fds.h"

#include <sys/epoll.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace fault {
namespace scheduler_internal {

StatusOr<WatchId> Fds::AddWatch(int fd, Watch::Kind kind,
                                Scheduler::Callback fn) {
  Interest& interest = fds_[fd];
  auto& ids =
      kind == Watch::Kind::kReadable ? interest.readers : interest.writers;
  const WatchId id = watches_.NextId();
  ids.push_back(id);
  Status status = UpdateInterest(fd);
  if (!status.ok()) {
    ids.pop_back();
    UpdateInterest(fd).IgnoreError();
    return status;
  }
  auto watch = std::make_shared<Watch>();
  watch->kind = kind;
  watch->fn.emplace<Scheduler::Callback>(std::move(fn));
  watch->fd = fd;
  watches_.Insert(std::move(watch));
  return id;
}

void Fds::Remove(WatchId id, const Watch& watch) {
  Interest& interest = fds_[watch.fd];
  auto& ids = watch.kind == Watch::Kind::kReadable ? interest.readers
                                                   : interest.writers;
  ids.erase(std::find(ids.begin(), ids.end(), id));
  // Failure leaves the fd in the epoll set with a stale mask; its events
  // find no watch and are ignored.
  UpdateInterest(watch.fd).IgnoreError();
}

// UpdateInterest makes the epoll entry of `fd` match its watches: added,
// modified, or removed when none is left.
Status Fds::UpdateInterest(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return OkStatus();
  uint32_t events = 0;
  if (!it->second.readers.empty()) events |= EPOLLIN;
  if (!it->second.writers.empty()) events |= EPOLLOUT;
  if (events == 0) fds_.erase(it);
  return epoll_.Set(fd, EpollKey(Source::kFd, static_cast<uint64_t>(fd)),
                    events);
}

void Fds::Dispatch(int fd, uint32_t events) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  // Copies: the callbacks may change the interest of this fd.
  const std::vector<WatchId> readers = it->second.readers;
  const std::vector<WatchId> writers = it->second.writers;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Run(readers);
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) Run(writers);
}

void Fds::Run(const std::vector<WatchId>& ids) {
  for (WatchId id : ids) {
    if (watches_.AddedDuringBatch(id)) continue;  // the event is not for it
    std::shared_ptr<Watch> watch = watches_.Find(id);
    if (watch != nullptr) watches_.Run(watch);
  }
}

}  // namespace scheduler_internal
}  // namespace fault
