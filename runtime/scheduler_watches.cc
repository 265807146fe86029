#include "runtime/scheduler_watches.h"

#include <errno.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace fault {
namespace scheduler_internal {

// The size scheduler_watches.h states (LP64).
static_assert(sizeof(void*) != 8 || sizeof(Watch) == 56,
              "Watch has grown out of musl's 64-byte size class");

constexpr int kSourceShift = 56;
constexpr uint64_t kValueMask = (uint64_t{1} << kSourceShift) - 1;

uint64_t EpollKey(Source source, uint64_t value) {
  return (static_cast<uint64_t>(source) << kSourceShift) | value;
}
Source KeySource(uint64_t key) { return Source(key >> kSourceShift); }
uint64_t KeyValue(uint64_t key) { return key & kValueMask; }

Status Epoll::Init() {
  fd_.Reset(epoll_create1(EPOLL_CLOEXEC));
  if (!fd_) return ErrnoToStatus(errno, "unable to create epoll instance");
  return OkStatus();
}

Status Epoll::Add(int fd, uint64_t key, uint32_t events) {
  epoll_event event = {};
  event.events = events;
  event.data.u64 = key;
  if (epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("unable to watch fd ", fd));
  }
  return OkStatus();
}

int Epoll::Remove(int fd) {
  return epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, nullptr) == 0 ? 0 : errno;
}

Status Epoll::Set(int fd, uint64_t key, uint32_t events) {
  epoll_event event = {};
  event.events = events;
  event.data.u64 = key;
  const int op = events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  if (epoll_ctl(fd_.get(), op, fd, &event) == 0) return OkStatus();
  if (op == EPOLL_CTL_MOD && errno == ENOENT &&
      epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &event) == 0) {
    return OkStatus();
  }
  return ErrnoToStatus(errno, absl::StrCat("unable to watch fd ", fd));
}

namespace {

template <typename Watches>
auto Lookup(Watches& watches, WatchId id) {
  auto it = std::lower_bound(
      watches.begin(), watches.end(), id,
      [](const auto& entry, WatchId key) { return entry.first < key; });
  return it != watches.end() && it->first == id ? it : watches.end();
}

}  // namespace

WatchId WatchTable::Insert(WatchPtr watch) {
  const WatchId id = next_id_++;  // above every id in the table
  watches_.emplace_back(id, std::move(watch));
  return id;
}

WatchPtr WatchTable::Find(WatchId id) const {
  auto it = Lookup(watches_, id);
  return it == watches_.end() ? nullptr : it->second;  // null: a hole
}

WatchPtr WatchTable::Take(WatchId id) {
  auto it = Lookup(watches_, id);
  if (it == watches_.end() || it->second == nullptr) return nullptr;
  WatchPtr watch = std::move(it->second);  // leaves a hole (null)
  if (++holes_ > 16 && holes_ * 4 > watches_.size()) {
    watches_.erase(std::remove_if(watches_.begin(), watches_.end(),
                                  [](const auto& entry) {
                                    return entry.second == nullptr;
                                  }),
                   watches_.end());
    holes_ = 0;
  }
  return watch;
}

}  // namespace scheduler_internal
}  // namespace fault
