// File: runtime/compact_heap.h
//
// CompactHeap: the memory allocator of the shipped binaries (their malloc,
// free, realloc and the aligned family are malloc_replacement.cc, which
// forwards to one CompactHeap), made for a small process that lives as long
// as the machine: PID 1 holding a few kilobytes per service.
//
// Why not musl's malloc (mallocng): it keeps each size class in groups of
// its own, so a process with ~25 KB live in a few hundred small blocks of
// many sizes (system mode with 10 services) holds ~48 kB of pages for them.
// Here every size shares the same pages.
//
// Design: boundary tags, as in dlmalloc. A block is a 16-byte header (the
// previous block's size, valid while that block is free; this block's size
// and flags) and its payload, 16-byte aligned. Free blocks are coalesced
// with their free neighbours at once, so no two free blocks are adjacent,
// and kept in kBins lists by size (exact 16-byte steps up to 1 KiB, then
// one list per power of two; a bitmap finds the next non-empty one).
// Blocks come from arenas of kArenaBytes reserved with mmap; only the pages
// a block touches become resident. The part of the current arena above the
// last block is the top: an allocation no free block fits is cut from it,
// and a block freed next to it goes back into it. Requests over kMaxSmall
// bytes get an mmap of their own, unmapped by Free.
//
// Memory goes back to the kernel only in Trim (madvise(MADV_DONTNEED) of
// the whole pages inside free blocks and above the top), which a program
// calls after a peak (system mode after loading its units); never in Free,
// so an event loop that allocates and frees the same bytes on every event
// costs no system call and no page fault.
//
// Thread safety: none; the caller serializes (malloc_replacement.cc takes
// a lock). Not async-signal-safe. Errors: an allocation that cannot be met
// returns nullptr and sets errno to ENOMEM; freeing what this heap did not
// allocate is undefined, as with free(3).

#ifndef FAULT_RUNTIME_COMPACT_HEAP_H_
#define FAULT_RUNTIME_COMPACT_HEAP_H_

#include <cstddef>
#include <cstdint>

namespace fault {

class CompactHeap {
 public:
  static constexpr size_t kAlignment = 16;
  static constexpr size_t kArenaBytes = size_t{2} << 20;
  static constexpr size_t kMaxSmall = size_t{256} << 10;
  static constexpr int kBins = 80;

  // Constant-initialized: a global CompactHeap works before any
  // constructor has run. Its first allocation maps the first arena.
  constexpr CompactHeap() = default;
  CompactHeap(const CompactHeap&) = delete;
  CompactHeap& operator=(const CompactHeap&) = delete;
  // Trivially destructible, so that a global heap outlives every other
  // static object's destructor (which may still free). UnmapArenas is for
  // a heap that ends (tests): every block not mapped on its own is gone.
  void UnmapArenas();

  // Allocate returns `size` bytes (any size, 0 included, gets a distinct
  // block), 16-byte aligned, uninitialized.
  void* Allocate(size_t size);
  // AllocateAligned: `alignment` is a power of two (16 or less is
  // Allocate).
  void* AllocateAligned(size_t alignment, size_t size);
  // Reallocate resizes `block` (nullptr: Allocate), in place when it can,
  // keeping the first min(old, new) bytes. On failure `block` is untouched.
  void* Reallocate(void* block, size_t size);
  // Free gives `block` back (nullptr is ignored).
  void Free(void* block);
  // UsableSize: how many bytes `block` can hold (at least what was asked).
  static size_t UsableSize(const void* block);

  // Trim returns the whole pages of free memory to the kernel; they read
  // as zeros if used again. Returns how many bytes it gave back.
  size_t Trim();

  // For tests. Check walks every arena and verifies the invariants (sizes,
  // flags, footers, no adjacent free blocks, the bins hold exactly the
  // free blocks, each in its bin); false on the first violation.
  bool Check() const;
  // FreeBytes: the bytes in free blocks, not counting the top.
  size_t FreeBytes() const;

 private:
  struct Arena;

  char* TakeFree(size_t need);
  char* CutFromTop(size_t need);
  bool NewArena(size_t need);
  void Release(char* block, size_t size);
  void Link(char* block, size_t size);
  void Unlink(char* block);
  void* AllocateMapped(size_t alignment, size_t size);

  Arena* arenas_ = nullptr;    // newest (the current one) first
  char* top_ = nullptr;        // start of the current arena's top
  char* top_end_ = nullptr;    // the top's end, where the sentinel goes
  char* touched_ = nullptr;    // above it nothing in the arena is resident
  char* bins_[kBins] = {};     // heads of the free lists
  uint64_t nonempty_[2] = {};  // bit i: bins_[i] is not empty
};

}  // namespace fault

#endif  // FAULT_RUNTIME_COMPACT_HEAP_H_
