#include "runtime/compact_heap.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace fault {
namespace {

// A block's header: the previous block's size (its footer, meaningful only
// while that block is free) and this block's size with the flags below.
// The payload follows at +kHeader; a free block keeps its list links
// there.
constexpr size_t kHeader = 16;
constexpr size_t kMinBlock = 32;  // header and two links
constexpr size_t kInUse = 1;
constexpr size_t kPrevInUse = 2;
constexpr size_t kMapped = 4;  // a block with an mmap of its own
constexpr size_t kFlags = kInUse | kPrevInUse | kMapped;
constexpr int kExactBins = 63;  // block sizes 32 .. 1024, 16 apart

struct Links {
  char* next;
  char* prev;
};

size_t& PrevSize(char* b) { return *reinterpret_cast<size_t*>(b); }
size_t PrevSize(const char* b) { return *reinterpret_cast<const size_t*>(b); }
size_t& Word(char* b) { return *reinterpret_cast<size_t*>(b + 8); }
size_t Word(const char* b) { return *reinterpret_cast<const size_t*>(b + 8); }
size_t SizeOf(const char* b) { return Word(b) & ~kFlags; }
Links& LinksOf(char* b) { return *reinterpret_cast<Links*>(b + kHeader); }
const Links& LinksOf(const char* b) {
  return *reinterpret_cast<const Links*>(b + kHeader);
}

// Cached without a guard variable: malloc runs before constructors do.
size_t page_size = 0;
size_t PageSize() {
  if (page_size == 0) page_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page_size;
}
uintptr_t RoundUp(uintptr_t v, size_t to) { return (v + to - 1) & ~(to - 1); }
uintptr_t RoundDown(uintptr_t v, size_t to) { return v & ~(to - 1); }

int FloorLog2(size_t v) {
  return static_cast<int>(sizeof(unsigned long long) * 8 - 1) -
         __builtin_clzll(static_cast<unsigned long long>(v));
}

int BinIndex(size_t size) {
  if (size <= 1024) return static_cast<int>(size / 16) - 2;
  return std::min(kExactBins + FloorLog2(size) - 10, CompactHeap::kBins - 1);
}

// The block size holding `size` payload bytes; 0 when it would overflow.
size_t BlockSizeFor(size_t size) {
  if (size > SIZE_MAX - kHeader - 15) return 0;
  return std::max<size_t>(RoundUp(size + kHeader, 16), kMinBlock);
}

void* NoMemory() {
  errno = ENOMEM;
  return nullptr;
}

void ReleasePages(uintptr_t lo, uintptr_t hi, size_t* released) {
  if (hi <= lo) return;
  if (madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED) == 0) {
    *released += hi - lo;
  }
}

}  // namespace

// An arena starts with this header (padded to kHeader), then its blocks;
// its last kHeader bytes become a sentinel block, always in use, once a
// newer arena is the current one.
struct CompactHeap::Arena {
  Arena* next;
  size_t bytes;
};
static_assert(sizeof(void*) + sizeof(size_t) <= kHeader);

void CompactHeap::UnmapArenas() {
  while (arenas_ != nullptr) {
    Arena* next = arenas_->next;
    munmap(arenas_, arenas_->bytes);
    arenas_ = next;
  }
  top_ = top_end_ = touched_ = nullptr;
  for (char*& head : bins_) head = nullptr;
  nonempty_[0] = nonempty_[1] = 0;
}

void CompactHeap::Link(char* b, size_t size) {
  const int bin = BinIndex(size);
  LinksOf(b) = {bins_[bin], nullptr};
  if (bins_[bin] != nullptr) LinksOf(bins_[bin]).prev = b;
  bins_[bin] = b;
  nonempty_[bin / 64] |= uint64_t{1} << (bin % 64);
}

void CompactHeap::Unlink(char* b) {
  const Links links = LinksOf(b);
  if (links.next != nullptr) LinksOf(links.next).prev = links.prev;
  if (links.prev != nullptr) {
    LinksOf(links.prev).next = links.next;
    return;
  }
  const int bin = BinIndex(SizeOf(b));
  bins_[bin] = links.next;
  if (links.next == nullptr) {
    nonempty_[bin / 64] &= ~(uint64_t{1} << (bin % 64));
  }
}

// A free block of at least `need` bytes, unlinked; nullptr when none.
char* CompactHeap::TakeFree(size_t need) {
  int bin = BinIndex(need);
  if (bin >= kExactBins) {
    // A range bin: its first block big enough.
    for (char* b = bins_[bin]; b != nullptr; b = LinksOf(b).next) {
      if (SizeOf(b) >= need) {
        Unlink(b);
        return b;
      }
    }
  } else if (bins_[bin] != nullptr) {
    char* b = bins_[bin];
    Unlink(b);
    return b;
  }
  // Any block of a later bin is bigger than `need`.
  for (int word = (bin + 1) / 64; word < 2; ++word) {
    uint64_t bits = nonempty_[word];
    if (word == (bin + 1) / 64) bits &= ~uint64_t{0} << ((bin + 1) % 64);
    if (bits == 0) continue;
    char* b = bins_[word * 64 + __builtin_ctzll(bits)];
    Unlink(b);
    return b;
  }
  return nullptr;
}

// Gives back the unused block at `b` of `size` bytes (not linked; its
// header's kPrevInUse correct): merged with a free neighbour or the top,
// then linked.
void CompactHeap::Release(char* b, size_t size) {
  if ((Word(b) & kPrevInUse) == 0) {
    char* prev = b - PrevSize(b);
    Unlink(prev);
    size += SizeOf(prev);
    b = prev;
  }
  char* next = b + size;
  if (next == top_) {
    top_ = b;
    return;
  }
  if ((Word(next) & kInUse) == 0) {
    Unlink(next);
    size += SizeOf(next);
    next = b + size;
  }
  Word(b) = size | kPrevInUse;  // two free blocks are never adjacent
  PrevSize(next) = size;
  Word(next) &= ~kPrevInUse;
  Link(b, size);
}

// Maps a new arena with room for a block of `need` bytes and makes it the
// current one; the old top becomes a free block.
bool CompactHeap::NewArena(size_t need) {
  const size_t bytes =
      std::max(kArenaBytes, RoundUp(need + 2 * kHeader, PageSize()));
  void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED) return false;
  if (top_ != nullptr) {
    // The old arena's end becomes its sentinel only now: written at once,
    // it would make the arena's last page resident for its whole life.
    Word(top_end_) = kHeader | kInUse | kPrevInUse;
    const size_t rest = static_cast<size_t>(top_end_ - top_);
    if (rest >= kMinBlock) {
      Word(top_) = rest | kPrevInUse;
      char* b = top_;
      top_ = nullptr;  // so Release does not merge into the old top
      Release(b, rest);
    } else if (rest == kHeader) {
      Word(top_) = kHeader | kInUse | kPrevInUse;  // padding, never freed
    }
  }
  auto* arena = static_cast<Arena*>(map);
  arena->next = arenas_;
  arena->bytes = bytes;
  arenas_ = arena;
  char* base = static_cast<char*>(map);
  top_ = base + kHeader;
  touched_ = top_;
  top_end_ = base + bytes - kHeader;
  return true;
}

char* CompactHeap::CutFromTop(size_t need) {
  if (top_ == nullptr || static_cast<size_t>(top_end_ - top_) < need) {
    if (!NewArena(need)) return nullptr;
  }
  char* b = top_;
  Word(b) = need | kInUse | kPrevInUse;  // the top follows a block in use
  top_ += need;
  touched_ = std::max(touched_, top_);
  return b;
}

void* CompactHeap::Allocate(size_t size) {
  if (size > kMaxSmall) return AllocateMapped(kAlignment, size);
  const size_t need = BlockSizeFor(size);
  char* b = TakeFree(need);
  if (b == nullptr) {
    b = CutFromTop(need);
    if (b == nullptr) return NoMemory();
    return b + kHeader;
  }
  const size_t have = SizeOf(b);
  if (have - need >= kMinBlock) {
    Word(b) = need | kInUse | kPrevInUse;
    char* rest = b + need;
    Word(rest) = (have - need) | kPrevInUse;
    Release(rest, have - need);
  } else {
    Word(b) = have | kInUse | kPrevInUse;
    Word(b + have) |= kPrevInUse;
  }
  return b + kHeader;
}

void* CompactHeap::AllocateMapped(size_t alignment, size_t size) {
  const size_t extra = alignment > kAlignment ? alignment : 0;
  if (size > SIZE_MAX - kHeader - extra - PageSize()) return NoMemory();
  const size_t bytes = RoundUp(size + kHeader + extra, PageSize());
  void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return NoMemory();
  const uintptr_t base = reinterpret_cast<uintptr_t>(map);
  const uintptr_t payload = RoundUp(base + kHeader, alignment);
  char* b = reinterpret_cast<char*>(payload - kHeader);
  PrevSize(b) = payload - kHeader - base;  // the offset of the mapping
  Word(b) = bytes | kInUse | kMapped;
  return b + kHeader;
}

void* CompactHeap::AllocateAligned(size_t alignment, size_t size) {
  if (alignment <= kAlignment) return Allocate(size);
  if (alignment > kMaxSmall / 2 || size > kMaxSmall - alignment - kMinBlock) {
    return AllocateMapped(alignment, size);
  }
  // Room for the block and a leading free block of at least kMinBlock.
  char* p = static_cast<char*>(Allocate(size + alignment + kMinBlock));
  if (p == nullptr) return nullptr;
  char* b = p - kHeader;
  uintptr_t aligned = RoundUp(reinterpret_cast<uintptr_t>(p), alignment);
  if (aligned != reinterpret_cast<uintptr_t>(p) &&
      aligned - reinterpret_cast<uintptr_t>(p) < kMinBlock) {
    aligned += alignment;
  }
  const size_t lead = aligned - reinterpret_cast<uintptr_t>(p);
  if (lead != 0) {
    const size_t whole = SizeOf(b);
    char* nb = b + lead;
    Word(nb) = (whole - lead) | kInUse;  // its new predecessor is free
    Word(b) = lead | (Word(b) & kPrevInUse);
    Release(b, lead);
  }
  // The tail beyond what was asked goes back too.
  return Reallocate(reinterpret_cast<char*>(aligned), size);
}

void* CompactHeap::Reallocate(void* block, size_t size) {
  if (block == nullptr) return Allocate(size);
  char* b = static_cast<char*>(block) - kHeader;
  const size_t have = SizeOf(b);
  if ((Word(b) & kMapped) != 0) {
    if (size <= UsableSize(block) && size > kMaxSmall) return block;
  } else if (size <= kMaxSmall) {
    const size_t need = BlockSizeFor(size);
    char* next = b + have;
    if (need <= have) {
      if (have - need >= kMinBlock) {
        Word(b) = need | (Word(b) & kPrevInUse) | kInUse;
        Word(b + need) = (have - need) | kPrevInUse;
        Release(b + need, have - need);
      }
      return block;
    }
    if (next == top_ && static_cast<size_t>(top_end_ - b) >= need) {
      Word(b) = need | (Word(b) & kPrevInUse) | kInUse;
      top_ = b + need;
      touched_ = std::max(touched_, top_);
      return block;
    }
    if (next != top_ && (Word(next) & kInUse) == 0 &&
        have + SizeOf(next) >= need) {
      const size_t whole = have + SizeOf(next);
      Unlink(next);
      Word(b + whole) |= kPrevInUse;
      Word(b) = whole | (Word(b) & kPrevInUse) | kInUse;
      if (whole - need >= kMinBlock) {
        Word(b) = need | (Word(b) & kPrevInUse) | kInUse;
        Word(b + need) = (whole - need) | kPrevInUse;
        Release(b + need, whole - need);
      }
      return block;
    }
  }
  void* moved = Allocate(size);
  if (moved == nullptr) return nullptr;
  memcpy(moved, block, std::min(size, UsableSize(block)));
  Free(block);
  return moved;
}

void CompactHeap::Free(void* block) {
  if (block == nullptr) return;
  char* b = static_cast<char*>(block) - kHeader;
  if ((Word(b) & kMapped) != 0) {
    munmap(b - PrevSize(b), SizeOf(b));
    return;
  }
  Release(b, SizeOf(b));
}

size_t CompactHeap::UsableSize(const void* block) {
  const char* b = static_cast<const char*>(block) - kHeader;
  if ((Word(b) & kMapped) != 0) return SizeOf(b) - PrevSize(b) - kHeader;
  return SizeOf(b) - kHeader;
}

size_t CompactHeap::Trim() {
  const size_t page = PageSize();
  size_t released = 0;
  for (int bin = 0; bin < kBins; ++bin) {
    for (char* b = bins_[bin]; b != nullptr; b = LinksOf(b).next) {
      const uintptr_t start = reinterpret_cast<uintptr_t>(b);
      ReleasePages(RoundUp(start + kHeader + sizeof(Links), page),
                   RoundDown(start + SizeOf(b), page), &released);
    }
  }
  if (top_ != nullptr) {
    const uintptr_t lo = RoundUp(reinterpret_cast<uintptr_t>(top_), page);
    const uintptr_t hi =
        std::min(RoundUp(reinterpret_cast<uintptr_t>(touched_), page),
                 RoundDown(reinterpret_cast<uintptr_t>(top_end_), page));
    if (hi > lo) {
      ReleasePages(lo, hi, &released);
      touched_ = reinterpret_cast<char*>(lo);
    }
  }
  return released;
}

bool CompactHeap::Check() const {
  size_t free_blocks = 0;
  for (const Arena* a = arenas_; a != nullptr; a = a->next) {
    const char* base = reinterpret_cast<const char*>(a);
    const char* end = base + a->bytes - kHeader;  // the sentinel
    const bool current = a == arenas_;
    const char* limit = current ? top_ : end;
    const char* b = base + kHeader;
    bool prev_in_use = true;
    size_t prev_size = 0;
    while (b < limit) {
      const size_t size = SizeOf(b);
      const bool in_use = (Word(b) & kInUse) != 0;
      if (size < kHeader || size % 16 != 0 || b + size > limit) return false;
      if ((Word(b) & kMapped) != 0) return false;
      if (((Word(b) & kPrevInUse) != 0) != prev_in_use) return false;
      if (!prev_in_use && PrevSize(b) != prev_size) return false;
      if (!in_use) {
        if (!prev_in_use || size < kMinBlock) return false;
        ++free_blocks;
      } else if (size < kMinBlock && b + size != end) {
        return false;  // only the padding before a sentinel is that small
      }
      prev_in_use = in_use;
      prev_size = size;
      b += size;
    }
    if (b != limit) return false;
    if (current) {
      if (!prev_in_use || top_ > top_end_) return false;
    } else {
      if (SizeOf(end) != kHeader || (Word(end) & kInUse) == 0) return false;
      if (((Word(end) & kPrevInUse) != 0) != prev_in_use) return false;
      if (!prev_in_use && PrevSize(end) != prev_size) return false;
    }
  }
  size_t linked = 0;
  for (int bin = 0; bin < kBins; ++bin) {
    const bool marked = (nonempty_[bin / 64] >> (bin % 64)) & 1;
    if (marked != (bins_[bin] != nullptr)) return false;
    const char* prev = nullptr;
    for (const char* b = bins_[bin]; b != nullptr; b = LinksOf(b).next) {
      if ((Word(b) & kInUse) != 0 || BinIndex(SizeOf(b)) != bin) return false;
      if (LinksOf(b).prev != prev) return false;
      prev = b;
      ++linked;
    }
  }
  return linked == free_blocks;
}

size_t CompactHeap::FreeBytes() const {
  size_t bytes = 0;
  for (int bin = 0; bin < kBins; ++bin) {
    for (const char* b = bins_[bin]; b != nullptr; b = LinksOf(b).next) {
      bytes += SizeOf(b);
    }
  }
  return bytes;
}

}  // namespace fault
