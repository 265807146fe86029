// File: runtime/callsets.h
//
// The seed's fork callsets (`fork_prepare_callset`, `fork_parent_callset`,
// `fork_child_callset`, `fork_child_cleanup`) and `clear_atexit_callbacks`.
//
// A callset is an ordered registry of callbacks run around every fork(2) of
// the process, whoever calls fork: the registries are hooked into
// pthread_atfork(3) once, the first time anything registers.
//
//   * kPrepare: in the parent, before the fork, in REVERSE registration order
//     (as pthread_atfork runs prepare handlers: the last registered, which
//     may depend on earlier ones, is quiesced first).
//   * kParent: in the parent, after the fork, in registration order.
//   * kChild: in the child, after the fork, in registration order.
//   * kChildCleanup: in the child, after every kChild callback, in
//     registration order.
//
// Each callback of one fork comes from a snapshot taken when the fork's
// prepare phase starts: a callback registered during a fork (even by another
// callback) first runs at the next fork; a callback whose handle is
// destroyed or that is unregistered before its turn (even by an earlier
// callback of the same fork) does not run. Registering or unregistering from
// inside a callback is allowed.
//
// Child callbacks run in the child right after fork(2), before fork returns.
// If the parent had other threads, only the forking thread exists in the
// child and any lock another thread held stays locked forever: such
// callbacks must then restrict themselves to async-signal-safe work (no
// malloc, no stdio, no locks), as for any code between fork and exec.
// Callbacks must not throw and must not call fork.
//
// Thread safety: registration, unregistration and forking may happen from
// any threads at once (the registries are guarded by a mutex, which is held
// across fork(2) itself so the child never inherits it locked).
// `ClearAtexitCallbacks`, `InForkedChild` and `ChildExit` are
// async-signal-safe.

#ifndef FAULT_RUNTIME_CALLSETS_H_
#define FAULT_RUNTIME_CALLSETS_H_

#include <stdint.h>

#include <functional>
#include <memory>

namespace fault {

// ForkPhase: which callset a callback belongs to (see the file comment for
// when and in which order each runs).
enum class ForkPhase {
  kPrepare,
  kParent,
  kChild,
  kChildCleanup,
};

// VforkSafety: whether a kChild or kChildCleanup callback may also run in
// a child that shares the parent's memory (VforkCallsets, below): one that
// makes system calls on the process's own state (sigaction, sigprocmask)
// and leaves the memory it may write as it found it. Other phases ignore
// it.
enum class VforkSafety { kForkOnly, kAlsoVfork };

// CallsetHandle owns one registration: destroying (or move-assigning over)
// the handle unregisters the callback, after which it never starts again. A
// callback already running on another thread's fork is not waited for.
// `Release()` keeps the callback registered for the life of the process.
// Move-only; a default-constructed or moved-from handle owns nothing.
// Not thread-safe: one handle is used by one thread at a time.
class [[nodiscard]] CallsetHandle {
 public:
  CallsetHandle() = default;
  CallsetHandle(CallsetHandle&& other) noexcept : id_(other.id_) {
    other.id_ = 0;
  }
  CallsetHandle& operator=(CallsetHandle&& other) noexcept;
  CallsetHandle(const CallsetHandle&) = delete;
  CallsetHandle& operator=(const CallsetHandle&) = delete;
  ~CallsetHandle() { Reset(); }

  // registered reports whether this handle owns a registration.
  bool registered() const { return id_ != 0; }

  // Reset unregisters the callback now (no-op for an empty handle).
  void Reset();

  // Release gives up ownership: the callback stays registered forever.
  void Release() { id_ = 0; }

 private:
  friend CallsetHandle RegisterForkCallback(ForkPhase phase,
                                            std::function<void()> callback,
                                            VforkSafety vfork);
  explicit CallsetHandle(uint64_t id) : id_(id) {}

  uint64_t id_ = 0;  // 0: no registration.
};

// RegisterForkCallback adds `callback` at the end of `phase`'s callset and
// returns the handle that owns the registration. The first registration in
// the process installs the pthread_atfork handlers (exactly once). An empty
// `callback` gives an empty handle and registers nothing.
//
// Not async-signal-safe (allocates, locks); may be called from inside a fork
// callback (in the child only if the parent was single-threaded).
// Aborts the process if pthread_atfork fails (ENOMEM at startup).
CallsetHandle RegisterForkCallback(ForkPhase phase,
                                   std::function<void()> callback,
                                   VforkSafety vfork = VforkSafety::kForkOnly);

// VforkCallsets: the callsets around a child made by
// clone(CLONE_VM | CLONE_VFORK) (runtime/spawn_clone.cc), which fork's
// pthread_atfork handlers do not reach. Such a child runs on the parent's
// memory, and its thread's (TLS, errno), while the parent is suspended
// until the child execs or exits: what runs there must leave that memory as
// it found it. So the child callsets run there only when every callback in
// them was registered VforkSafety::kAlsoVfork.
//   Begin (parent, before the clone): false, having run nothing, when some
//     kChild or kChildCleanup callback is kForkOnly (the caller forks
//     instead); else runs the kPrepare callset (reverse order), takes the
//     snapshot the child runs, and returns true. Allocates; not in a child.
//   RunInChild (the child): the snapshot's kChild then kChildCleanup
//     callbacks, in order. Async-signal-safe: it allocates, locks and writes
//     nothing of its own (the registry is untouched; a callback may not
//     unregister itself there).
//   End (parent, once the clone returned, or failed): the kParent callset,
//     and the snapshot freed. The destructor runs it if Begin succeeded and
//     End did not run.
// Move-only; one thread uses one object.
class VforkCallsets {
 public:
  VforkCallsets();
  VforkCallsets(VforkCallsets&&) noexcept;
  VforkCallsets& operator=(VforkCallsets&&) = delete;
  VforkCallsets(const VforkCallsets&) = delete;
  VforkCallsets& operator=(const VforkCallsets&) = delete;
  ~VforkCallsets();

  bool Begin();
  void RunInChild() const;
  void End();

 private:
  struct Snapshot;
  std::unique_ptr<Snapshot> snapshot_;
};

// ClearAtexitCallbacks is the seed's `clear_atexit_callbacks`, for a child
// that will not exec: C++ cannot unregister atexit handlers, so instead it
// marks the process as a forked runtime child, and the runtime's exit paths
// that consult `InForkedChild()` leave by _exit(2), so the parent's atexit
// handlers, static destructors and stdio buffers never run or flush a second
// time. Typically registered as a kChild callback:
//
//   RegisterForkCallback(ForkPhase::kChild, &ClearAtexitCallbacks).Release();
//
// Async-signal-safe and fork-safe; idempotent. The mark is inherited by the
// process's own children and cleared by exec.
void ClearAtexitCallbacks();

// InForkedChild reports whether ClearAtexitCallbacks has run in this process
// (or in an ancestor since the last exec). Async-signal-safe.
bool InForkedChild();

// ChildExit leaves a forked child with _exit(status): no atexit handlers, no
// static destructors, no stdio flush (buffered output of the parent that the
// child inherited is not written twice). Async-signal-safe; never returns.
[[noreturn]] void ChildExit(int status);

}  // namespace fault

#endif  // FAULT_RUNTIME_CALLSETS_H_
