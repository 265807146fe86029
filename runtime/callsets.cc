#include "runtime/callsets.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "runtime/abort.h"

namespace fault {
namespace {

// Design:
//   * Registry::mu guards the four lists. The prepare handler takes it last
//     and holds it across fork(2); the parent and child handlers release
//     it first. So a fork never copies the lists mid-change, and the child
//     never inherits the mutex held by a thread it does not have.
//   * Callbacks never run under Registry::mu, so they may register and
//     unregister. Each fork runs a snapshot of the lists taken at the start
//     of its prepare phase; the snapshot is the forking thread's
//     (t_snapshot), which the child inherits because its only thread is
//     the copy of the forking thread.
//   * Entry::active is cleared on unregistration; a snapshot entry that is
//     no longer active is skipped. Entry::running counts parent-side runs
//     in progress so that unregistration can wait for them to finish.
//   * The child path neither allocates nor frees nor locks anything but
//     Registry::mu, which it releases: child callbacks get a chance to be
//     async-signal-safe in the child of a multi-threaded parent.

constexpr size_t kPhases = 4;

struct Entry {
  Entry(uint64_t entry_id, std::function<void()> fn, VforkSafety safety)
      : id(entry_id), callback(std::move(fn)), vfork(safety) {}
  const uint64_t id;
  const std::function<void()> callback;
  const VforkSafety vfork;
  std::atomic<bool> active{true};
  std::atomic<int> running{0};
};

using EntryList = std::vector<std::shared_ptr<Entry>>;
using Lists = std::array<EntryList, kPhases>;

struct Registry {
  std::mutex mu;
  uint64_t next_id = 1;  // Guarded by mu.
  Lists lists;           // Guarded by mu.
};

// Never destroyed: handles may be reset from static destructors, and fork
// handlers may run after exit() has started.
Registry& GetRegistry() {
  static Registry* const registry = new Registry;
  return *registry;
}

size_t Index(ForkPhase phase) { return static_cast<size_t>(phase); }

// The lists as they were when this thread's current fork started: made by
// the prepare handler, freed by the parent handler. In the child it is left
// as is (freeing is not async-signal-safe); a later fork there reuses it.
// A pointer, not a Lists: a thread_local with a destructor needs
// __cxa_thread_atexit_impl, which musl, for the static binaries, lacks.
thread_local Lists* t_snapshot = nullptr;

// The entry whose callback this thread is running, so that a callback may
// unregister itself without waiting for itself.
thread_local const Entry* t_running = nullptr;

// The "forked runtime child" mark ClearAtexitCallbacks sets and
// InForkedChild reads. Lock-free, hence usable from signal handlers and the
// child of a fork.
std::atomic<bool> g_runtime_child{false};
static_assert(std::atomic<bool>::is_always_lock_free,
              "ClearAtexitCallbacks must be async-signal-safe");

void RunInParent(const std::shared_ptr<Entry>& entry) {
  entry->running.fetch_add(1);
  if (entry->active.load()) {
    t_running = entry.get();
    entry->callback();
    t_running = nullptr;
  }
  entry->running.fetch_sub(1);
}

void RunInChild(const std::shared_ptr<Entry>& entry) {
  if (entry->active.load()) {
    t_running = entry.get();
    entry->callback();
    t_running = nullptr;
  }
}

void OnPrepare() {
  Registry& registry = GetRegistry();
  if (t_snapshot == nullptr) t_snapshot = new Lists;
  {
    std::lock_guard<std::mutex> lock(registry.mu);
    *t_snapshot = registry.lists;
  }
  const EntryList& prepare = (*t_snapshot)[Index(ForkPhase::kPrepare)];
  for (auto it = prepare.rbegin(); it != prepare.rend(); ++it) {
    RunInParent(*it);
  }
  registry.mu.lock();  // Released by OnParent / OnChild.
}

void OnParent() {
  GetRegistry().mu.unlock();
  for (const auto& entry : (*t_snapshot)[Index(ForkPhase::kParent)]) {
    RunInParent(entry);
  }
  delete t_snapshot;
  t_snapshot = nullptr;
}

void OnChild() {
  Registry& registry = GetRegistry();
  // Runs in the parent that were in progress on other threads do not exist
  // here: forget them, or unregistering in the child would wait forever.
  for (const EntryList& list : registry.lists) {
    for (const auto& entry : list) entry->running.store(0);
  }
  registry.mu.unlock();
  for (const auto& entry : (*t_snapshot)[Index(ForkPhase::kChild)]) {
    RunInChild(entry);
  }
  for (const auto& entry : (*t_snapshot)[Index(ForkPhase::kChildCleanup)]) {
    RunInChild(entry);
  }
  // The snapshot is not freed here: freeing is not async-signal-safe. The
  // next fork's prepare phase in this child reuses it.
}

// Exactly once, by a function-local static's initialization rather than
// std::call_once: libstdc++'s call_once, built for glibc, throws
// std::system_error under musl (the static binaries).
void InstallForkHandlers() {
  static const bool installed = [] {
    const int error_number = pthread_atfork(&OnPrepare, &OnParent, &OnChild);
    if (error_number != 0) {
      static const char kMessage[] =
          "fault: fatal: unable to register fork handlers (pthread_atfork)\n";
      ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
      (void)ignored;
      Abort();
    }
    return true;
  }();
  (void)installed;
}

void Unregister(uint64_t id) {
  std::shared_ptr<Entry> entry;
  Registry& registry = GetRegistry();
  {
    std::lock_guard<std::mutex> lock(registry.mu);
    for (EntryList& list : registry.lists) {
      for (auto it = list.begin(); it != list.end(); ++it) {
        if ((*it)->id == id) {
          entry = std::move(*it);
          list.erase(it);
          break;
        }
      }
      if (entry) break;
    }
  }
  if (!entry) return;
  entry->active.store(false);
  // A fork on another thread may have seen `active` before the store above:
  // wait for that run to end (not for our own, if a callback unregisters
  // itself). Runs are short and this is rare, so yielding is enough.
  while (entry->running.load() != 0 && t_running != entry.get()) {
    sched_yield();
  }
}

}  // namespace

CallsetHandle& CallsetHandle::operator=(CallsetHandle&& other) noexcept {
  if (this != &other) {
    Reset();
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

void CallsetHandle::Reset() {
  if (id_ == 0) return;
  const uint64_t id = id_;
  id_ = 0;
  Unregister(id);
}

CallsetHandle RegisterForkCallback(ForkPhase phase,
                                   std::function<void()> callback,
                                   VforkSafety vfork) {
  if (!callback) return CallsetHandle();
  InstallForkHandlers();
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  const uint64_t id = registry.next_id++;
  registry.lists[Index(phase)].push_back(
      std::make_shared<Entry>(id, std::move(callback), vfork));
  return CallsetHandle(id);
}

struct VforkCallsets::Snapshot {
  Lists lists;
};

VforkCallsets::VforkCallsets() = default;
VforkCallsets::VforkCallsets(VforkCallsets&&) noexcept = default;
VforkCallsets::~VforkCallsets() { End(); }

bool VforkCallsets::Begin() {
  End();
  auto snapshot = std::make_unique<Snapshot>();
  {
    Registry& registry = GetRegistry();
    std::lock_guard<std::mutex> lock(registry.mu);
    for (ForkPhase phase : {ForkPhase::kChild, ForkPhase::kChildCleanup}) {
      for (const auto& entry : registry.lists[Index(phase)]) {
        if (entry->vfork != VforkSafety::kAlsoVfork) return false;
      }
    }
    snapshot->lists = registry.lists;
  }
  const EntryList& prepare = snapshot->lists[Index(ForkPhase::kPrepare)];
  for (auto it = prepare.rbegin(); it != prepare.rend(); ++it) {
    RunInParent(*it);
  }
  snapshot_ = std::move(snapshot);
  return true;
}

void VforkCallsets::RunInChild() const {
  if (snapshot_ == nullptr) return;
  // Not RunInChild(entry): t_running is the parent's thread's here.
  for (ForkPhase phase : {ForkPhase::kChild, ForkPhase::kChildCleanup}) {
    for (const auto& entry : snapshot_->lists[Index(phase)]) {
      if (entry->active.load()) entry->callback();
    }
  }
}

void VforkCallsets::End() {
  if (snapshot_ == nullptr) return;
  std::unique_ptr<Snapshot> snapshot = std::move(snapshot_);
  for (const auto& entry : snapshot->lists[Index(ForkPhase::kParent)]) {
    RunInParent(entry);
  }
}

void ClearAtexitCallbacks() { g_runtime_child.store(true); }

bool InForkedChild() { return g_runtime_child.load(); }

void ChildExit(int status) { _exit(status); }

}  // namespace fault
