// File: runtime/scheduler_watches.h
//
// Internal to the Scheduler (scheduler.h has the contract callers see).
// What every watcher piece shares:
//   - Epoll: the one epoll instance, and the keys of its entries (a Source
//     tag in the top byte; below it the watched fd, or the WatchId of an
//     exit watch). It owns its fd; the watched fds belong to the pieces.
//   - Watch: one registered watch of any kind, owned by the WatchTable
//     through a WatchPtr (a count in the Watch itself).
//   - WatchTable: every watch by id (ordered by id, that is by
//     registration: a vector sorted by id, 24 bytes a watch, not a tree
//     node each, since PID 1 keeps a watch per service process and per
//     output pipe; ids only grow, so an insertion appends, and a removal
//     leaves a hole until a quarter are holes), the id counter, and
//     the count of callbacks run (RunOnce returns once it moved). Dispatch
//     looks a watch up again right before running it, so a watch cancelled
//     earlier in the same batch never runs; callbacks run from a WatchPtr
//     copy (or, for one-shot watches, a moved-out std::function), so Cancel
//     from inside a callback never destroys the running function.
//
// Threading: loop thread only; nothing here is async-signal-safe.
// Fork: unusable in a child (the fds are O_CLOEXEC).
// Errors: Epoll's calls return Status ("unable to watch fd N: cause").

#ifndef FAULT_RUNTIME_SCHEDULER_WATCHES_H_
#define FAULT_RUNTIME_SCHEDULER_WATCHES_H_

#include <sys/epoll.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "runtime/duration.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"
#include "runtime/status.h"

namespace fault {
namespace scheduler_internal {

using WatchId = Scheduler::WatchId;

// What an epoll entry stands for: the top byte of its key.
enum class Source : uint64_t { kTimer = 1, kWake, kSignal, kFd, kExit };

uint64_t EpollKey(Source source, uint64_t value);
Source KeySource(uint64_t key);
uint64_t KeyValue(uint64_t key);

class Epoll {
 public:
  Status Init();
  int fd() const { return fd_.get(); }
  Status Add(int fd, uint64_t key, uint32_t events);
  // Remove: EPOLL_CTL_DEL. Returns the errno value (0 on success).
  int Remove(int fd);
  // Set makes the entry of `fd` carry `events` (adding it if absent), or
  // removes it when `events` is 0.
  Status Set(int fd, uint64_t key, uint32_t events);

 private:
  UniqueFd fd_;
};

// 56 bytes on LP64, in musl's 64-byte size class (PID 1 keeps a watch per
// service process and per output pipe): the callback of its kind in one
// storage, tagged by a byte of its own (not a std::variant, whose index
// took 8 bytes); the fields of different kinds share their storage; its
// reference count (WatchPtr) in what would be padding.
struct Watch {
  enum class Kind : uint8_t {
    kTimer,
    kSignal,
    kRelay,
    kExit,
    kReadable,
    kWritable,
    kBeforeWait
  };
  Watch() {}
  ~Watch() { ResetCallback(); }
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // The callback of the watch's kind: a Callback (timers, fd watches,
  // BeforeWait hooks), a SignalCallback (signal watches) or an
  // ExitCallback (exit watches). Set once, after `kind`; the accessor of
  // another type than the one set must not be called.
  void SetCallback(Scheduler::Callback fn) {
    ResetCallback();
    new (&fn_.callback) Scheduler::Callback(std::move(fn));
    fn_type_ = FnType::kCallback;
  }
  void SetCallback(Scheduler::SignalCallback fn) {
    ResetCallback();
    new (&fn_.signal) Scheduler::SignalCallback(std::move(fn));
    fn_type_ = FnType::kSignal;
  }
  void SetCallback(Scheduler::ExitCallback fn) {
    ResetCallback();
    new (&fn_.exit) Scheduler::ExitCallback(std::move(fn));
    fn_type_ = FnType::kExit;
  }
  Scheduler::Callback& callback() { return fn_.callback; }
  Scheduler::SignalCallback& signal_callback() { return fn_.signal; }
  Scheduler::ExitCallback& exit_callback() { return fn_.exit; }

  Duration deadline;  // timers: when next due (monotonic)
  union {
    Duration period{};  // timers: zero for a one-shot timer
    int fd;             // fd watches
    pid_t pid;          // exit watches
  };
  UniqueFd pidfd;  // exit watches; invalid when SIGCHLD is used instead
  Kind kind = Kind::kTimer;

 private:
  enum class FnType : uint8_t { kNone, kCallback, kSignal, kExit };
  FnType fn_type_ = FnType::kNone;  // beside `kind`: no padding

 public:
  // WatchPtrs to it: the table's, and a dispatch's while a callback runs
  // (a handful at most: one loop thread).
  uint16_t refs = 0;

 private:
  union Fn {
    Fn() {}
    ~Fn() {}
    Scheduler::Callback callback;
    Scheduler::SignalCallback signal;
    Scheduler::ExitCallback exit;
  };
  void ResetCallback() {
    switch (fn_type_) {
      case FnType::kNone:
        break;
      case FnType::kCallback:
        std::destroy_at(&fn_.callback);
        break;
      case FnType::kSignal:
        std::destroy_at(&fn_.signal);
        break;
      case FnType::kExit:
        std::destroy_at(&fn_.exit);
        break;
    }
    fn_type_ = FnType::kNone;
  }

  Fn fn_;
};

// WatchPtr: shared ownership of a Watch, counted in the Watch (refs), so a
// watch is one block of its own size: std::make_shared's control block
// (16 bytes) put a watch in musl's 96-byte size class, not the 80-byte
// one. As with a shared_ptr, a dispatch's copy keeps the running callback
// alive when it cancels its own watch. Loop thread only.
class WatchPtr {
 public:
  WatchPtr() = default;
  WatchPtr(std::nullptr_t) {}  // NOLINT: as a shared_ptr converts
  WatchPtr(const WatchPtr& other) : watch_(other.watch_) {
    if (watch_ != nullptr) ++watch_->refs;
  }
  WatchPtr(WatchPtr&& other) noexcept
      : watch_(std::exchange(other.watch_, nullptr)) {}
  WatchPtr& operator=(WatchPtr other) noexcept {
    std::swap(watch_, other.watch_);
    return *this;
  }
  ~WatchPtr() {
    if (watch_ != nullptr && --watch_->refs == 0) delete watch_;
  }

  // Make: a new Watch, default-initialized.
  static WatchPtr Make() { return WatchPtr(new Watch()); }

  Watch* get() const { return watch_; }
  Watch* operator->() const { return watch_; }
  Watch& operator*() const { return *watch_; }
  explicit operator bool() const { return watch_ != nullptr; }
  friend bool operator==(const WatchPtr& p, std::nullptr_t) {
    return p.watch_ == nullptr;
  }
  friend bool operator!=(const WatchPtr& p, std::nullptr_t) {
    return p.watch_ != nullptr;
  }

 private:
  explicit WatchPtr(Watch* watch) : watch_(watch) { ++watch_->refs; }

  Watch* watch_ = nullptr;
};

class WatchTable {
 public:
  // NextId: the id the next Insert returns.
  WatchId NextId() const { return next_id_; }
  WatchId Insert(WatchPtr watch);
  // Find: the watch, or nullptr once it was cancelled or finished.
  WatchPtr Find(WatchId id) const;
  // Take removes the watch and returns it (nullptr if there is none).
  WatchPtr Take(WatchId id);
  size_t size() const { return watches_.size() - holes_; }

  // A batch is what one epoll_wait returned: fd events go only to watches
  // that existed then (a callback may close an fd and reuse its number).
  void BeginBatch() { batch_first_new_id_ = next_id_; }
  bool AddedDuringBatch(WatchId id) const { return id >= batch_first_new_id_; }

  // Counts a callback about to run; RunOnce compares Dispatched() before
  // and after a wake-up to tell events from wake-ups that ran nothing.
  void CountDispatch() { ++dispatched_; }
  uint64_t Dispatched() const { return dispatched_; }
  // Run counts and runs a watch's `callback`.
  void Run(const WatchPtr& watch) {
    ++dispatched_;
    watch->callback()();
  }

 private:
  WatchId next_id_ = 1;
  WatchId batch_first_new_id_ = 1;
  uint64_t dispatched_ = 0;
  // Sorted by id. Take leaves a hole (a null WatchPtr), not an erase,
  // which would move every later watch (PID 1 keeps a few per service);
  // the holes go together once they are a quarter of the table.
  std::vector<std::pair<WatchId, WatchPtr>> watches_;
  size_t holes_ = 0;
};

}  // namespace scheduler_internal
}  // namespace fault

#endif  // FAULT_RUNTIME_SCHEDULER_WATCHES_H_
