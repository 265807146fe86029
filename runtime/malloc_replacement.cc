// The shipped binaries' malloc family: one CompactHeap behind a lock
// (runtime/compact_heap.h says why). Linked whole (alwayslink) into the
// musl builds only: these definitions come before libc.a's, so they are
// the program's malloc (what musl supports for static links). musl's own
// internal allocations (__libc_malloc/__libc_free: locales, time zones,
// atexit past 32 handlers) stay on its mallocng, which is still linked
// (freelocale, pulled in by libstdc++, refers to __libc_free) but which
// faultinit never reaches: no brk heap appears at run time.
//
// The lock: faultinit and faultctl are single-threaded, so it is never
// contended; it keeps the heap whole if a thread ever calls malloc. A
// fork while another thread holds it would leave the child's heap locked
// (as with any malloc without atfork handlers).

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

class Lock {
 public:
  Lock() {
    while (locked.test_and_set(std::memory_order_acquire)) {
    }
  }
  ~Lock() { locked.clear(std::memory_order_release); }
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

}  // extern "C"
