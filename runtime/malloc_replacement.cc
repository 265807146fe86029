// The shipped binaries' malloc family: one CompactHeap behind a lock
// (runtime/compact_heap.h says why). Linked whole (alwayslink) into the
// musl builds only: these definitions come before libc.a's, so they are
// the program's malloc (what musl supports for static links). musl's own
// internal allocations go through names of its own (__libc_malloc,
// __libc_calloc, __libc_realloc, __libc_free: locales, time zones, atexit
// past 32 handlers; __libc_malloc_impl behind aligned_alloc): they are
// defined here too, so they come from the same heap and libc.a's mallocng
// is not linked at all (its objects would otherwise be pulled in by
// freelocale's __libc_free, bringing 928 bytes of .bss and ~6 KB of code
// that nothing runs).
//
// The lock: faultinit and faultctl are single-threaded, so it is never
// contended; it keeps the heap whole if a thread ever calls malloc. musl's
// fork calls __malloc_atfork, defined here: the lock is taken before the
// fork and released in parent and child, so a child never starts with the
// heap locked by a thread that does not exist in it.

#include <errno.h>
#include <string.h>

#include <atomic>

#include "runtime/compact_heap.h"
#include "runtime/heap.h"

namespace {

// Both constant-initialized (no constructor runs: malloc is called before
// constructors are) and trivially destructible (nothing frees them while
// other destructors still free).
fault::CompactHeap heap;
std::atomic_flag locked = ATOMIC_FLAG_INIT;

void Acquire() {
  while (locked.test_and_set(std::memory_order_acquire)) {
  }
}
void Release() { locked.clear(std::memory_order_release); }

class Lock {
 public:
  Lock() { Acquire(); }
  ~Lock() { Release(); }
};

bool PowerOfTwo(size_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

namespace fault {

size_t ReturnFreedMemory() {
  Lock lock;
  return heap.Trim();
}

}  // namespace fault

extern "C" {

void* malloc(size_t size) {
  Lock lock;
  return heap.Allocate(size);
}

void free(void* block) {
  if (block == nullptr) return;
  Lock lock;
  heap.Free(block);
}

void* calloc(size_t count, size_t size) {
  size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  void* block = malloc(bytes);
  if (block != nullptr) memset(block, 0, bytes);
  return block;
}

void* realloc(void* block, size_t size) {
  Lock lock;
  return heap.Reallocate(block, size);
}

void* aligned_alloc(size_t alignment, size_t size) {
  if (!PowerOfTwo(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  Lock lock;
  return heap.AllocateAligned(alignment, size);
}

void* memalign(size_t alignment, size_t size) {
  return aligned_alloc(alignment, size);
}

int posix_memalign(void** out, size_t alignment, size_t size) {
  if (!PowerOfTwo(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  const int saved = errno;
  void* block = aligned_alloc(alignment, size);
  errno = saved;
  if (block == nullptr) return ENOMEM;
  *out = block;
  return 0;
}

size_t malloc_usable_size(void* block) {
  return block == nullptr ? 0 : fault::CompactHeap::UsableSize(block);
}

// musl's internal names (see the top of this file).
void* __libc_malloc(size_t size) { return malloc(size); }
void* __libc_malloc_impl(size_t size) { return malloc(size); }
void* __libc_calloc(size_t count, size_t size) { return calloc(count, size); }
void* __libc_realloc(void* block, size_t size) { return realloc(block, size); }
void __libc_free(void* block) { free(block); }

// fork(2)'s hook: -1 before the fork, then 0 in the parent and 1 in the
// child (musl's contract with its malloc).
void __malloc_atfork(int who) {
  if (who < 0) {
    Acquire();
  } else {
    Release();
  }
}

}  // extern "C"
