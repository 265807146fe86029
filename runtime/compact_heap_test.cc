#include "runtime/compact_heap.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace fault {
namespace {

// A heap that unmaps its arenas when it goes.
struct Heap : CompactHeap {
  ~Heap() { UnmapArenas(); }
};

size_t Page() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// Whether the page holding `p` is resident; -1 when it is not mapped.
int Resident(const void* p) {
  unsigned char v = 0;
  void* page = reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(p) &
                                       ~(uintptr_t{Page()} - 1));
  if (mincore(page, Page(), &v) != 0) return errno == ENOMEM ? -1 : -2;
  return v & 1;
}

struct Held {
  unsigned char* p;
  size_t size;
  unsigned char tag;
};

void Fill(const Held& h) { memset(h.p, h.tag, h.size); }
bool Intact(const Held& h) {
  for (size_t i = 0; i < h.size; ++i) {
    if (h.p[i] != h.tag) return false;
  }
  return true;
}

// Random allocations, frees and resizes, each block filled with its own
// byte: every block keeps its bytes until freed, and the heap's invariants
// hold throughout.
TEST(CompactHeap, RandomWorkKeepsEveryBlockAndTheInvariants) {
  Heap heap;
  std::mt19937 random(12345);
  std::vector<Held> held;
  auto size_of = [&] {
    switch (random() % 8) {
      case 0:
        return static_cast<size_t>(random() % 17);
      case 1:
        return static_cast<size_t>(random() % 20000);
      case 2:
        return static_cast<size_t>(300000 + random() % 100000);  // mapped
      default:
        return static_cast<size_t>(random() % 600);
    }
  };
  for (int step = 0; step < 20000; ++step) {
    const unsigned op = random() % 10;
    if (op < 5 || held.empty()) {
      Held h{nullptr, size_of(), static_cast<unsigned char>(step)};
      if (random() % 8 == 0) {
        const size_t alignment = size_t{32} << (random() % 8);
        h.p = static_cast<unsigned char*>(
            heap.AllocateAligned(alignment, h.size));
        ASSERT_NE(h.p, nullptr);
        ASSERT_EQ(reinterpret_cast<uintptr_t>(h.p) % alignment, 0u);
      } else {
        h.p = static_cast<unsigned char*>(heap.Allocate(h.size));
        ASSERT_NE(h.p, nullptr);
      }
      ASSERT_EQ(reinterpret_cast<uintptr_t>(h.p) % 16, 0u);
      ASSERT_GE(CompactHeap::UsableSize(h.p), h.size);
      Fill(h);
      held.push_back(h);
    } else if (op < 8) {
      const size_t i = random() % held.size();
      ASSERT_TRUE(Intact(held[i])) << "step " << step;
      heap.Free(held[i].p);
      held[i] = held.back();
      held.pop_back();
    } else {
      Held& h = held[random() % held.size()];
      ASSERT_TRUE(Intact(h)) << "step " << step;
      const size_t size = size_of();
      auto* p = static_cast<unsigned char*>(heap.Reallocate(h.p, size));
      ASSERT_NE(p, nullptr);
      for (size_t i = 0; i < std::min(size, h.size); ++i) {
        ASSERT_EQ(p[i], h.tag) << "step " << step << " byte " << i;
      }
      h.p = p;
      h.size = size;
      Fill(h);
    }
    if (step % 500 == 0) {
      ASSERT_TRUE(heap.Check()) << "step " << step;
      if (step % 2000 == 0) heap.Trim();
    }
  }
  ASSERT_TRUE(heap.Check());
  for (const Held& h : held) {
    ASSERT_TRUE(Intact(h));
    heap.Free(h.p);
  }
  EXPECT_TRUE(heap.Check());
}

TEST(CompactHeap, AFreedBlockIsReusedForTheSameSize) {
  Heap heap;
  void* a = heap.Allocate(100);
  void* guard = heap.Allocate(8);  // a is not next to the top
  heap.Free(a);
  EXPECT_EQ(heap.Allocate(100), a);
  heap.Free(guard);
  EXPECT_TRUE(heap.Check());
}

TEST(CompactHeap, NeighboursCoalesceAndTheTopTakesBackItsEnd) {
  Heap heap;
  char* x = static_cast<char*>(heap.Allocate(100));
  char* y = static_cast<char*>(heap.Allocate(200));
  char* z = static_cast<char*>(heap.Allocate(300));
  char* guard = static_cast<char*>(heap.Allocate(8));
  heap.Free(x);
  heap.Free(z);
  EXPECT_EQ(heap.FreeBytes(), 128u + 320u);
  heap.Free(y);  // joins both
  EXPECT_EQ(heap.FreeBytes(), 128u + 224u + 320u);
  EXPECT_TRUE(heap.Check());
  // One block: a request of all three fits at x.
  EXPECT_EQ(heap.Allocate(600), x);
  heap.Free(x);
  heap.Free(guard);  // everything goes back to the top
  EXPECT_EQ(heap.FreeBytes(), 0u);
  EXPECT_EQ(heap.Allocate(16), x);
  EXPECT_TRUE(heap.Check());
}

TEST(CompactHeap, ReallocateGrowsInPlaceOrMovesWithTheBytes) {
  Heap heap;
  char* p = static_cast<char*>(heap.Allocate(100));
  memset(p, 'a', 100);
  EXPECT_EQ(heap.Reallocate(p, 3000), p);  // into the top
  char* after = static_cast<char*>(heap.Allocate(10));
  char* q = static_cast<char*>(heap.Reallocate(p, 6000));
  EXPECT_NE(q, p);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(q[i], 'a');
  EXPECT_EQ(heap.Reallocate(q, 50), q);  // shrinks in place
  EXPECT_TRUE(heap.Check());
  heap.Free(q);
  heap.Free(after);
  EXPECT_TRUE(heap.Check());
}

TEST(CompactHeap, TrimGivesFreePagesBack) {
  Heap heap;
  std::vector<char*> blocks;
  for (int i = 0; i < 64; ++i) {
    blocks.push_back(static_cast<char*>(heap.Allocate(1000)));
    memset(blocks.back(), 'x', 1000);
  }
  char* keep = blocks.back();  // holds the freed ones away from the top
  char* middle = blocks[32];
  EXPECT_EQ(Resident(middle), 1);
  for (int i = 0; i < 63; ++i) heap.Free(blocks[i]);
  EXPECT_EQ(Resident(middle), 1);  // Free alone keeps the pages
  EXPECT_GE(heap.Trim(), 10 * Page());
  EXPECT_EQ(Resident(middle), 0);
  EXPECT_EQ(Resident(keep), 1);
  EXPECT_TRUE(heap.Check());
  // Reused after Trim: zeros, then whatever is written.
  char* again = static_cast<char*>(heap.Allocate(50000));
  memset(again, 'y', 50000);
  EXPECT_TRUE(heap.Check());
  heap.Free(again);
  heap.Free(keep);  // all in the top now
  EXPECT_GE(heap.Trim(), 10 * Page());
  EXPECT_EQ(Resident(middle), 0);
  EXPECT_TRUE(heap.Check());
}

TEST(CompactHeap, LargeBlocksHaveTheirOwnMapping) {
  Heap heap;
  const size_t size = CompactHeap::kMaxSmall + 1;
  char* p = static_cast<char*>(heap.Allocate(size));
  ASSERT_NE(p, nullptr);
  EXPECT_GE(CompactHeap::UsableSize(p), size);
  p[0] = 1;
  p[size - 1] = 2;
  char* aligned = static_cast<char*>(heap.AllocateAligned(1 << 20, 100));
  ASSERT_NE(aligned, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned) % (1 << 20), 0u);
  aligned[99] = 3;
  heap.Free(p);
  heap.Free(aligned);
  EXPECT_EQ(Resident(p), -1);
  EXPECT_EQ(Resident(p + size - 1), -1);
  EXPECT_EQ(Resident(aligned), -1);
  EXPECT_TRUE(heap.Check());
}

TEST(CompactHeap, ANewArenaWhenTheFirstIsFull) {
  Heap heap;
  std::vector<void*> blocks;
  // 12 x 200 KB does not fit one 2 MiB arena.
  for (int i = 0; i < 12; ++i) {
    blocks.push_back(heap.Allocate(200 << 10));
    ASSERT_NE(blocks.back(), nullptr);
    memset(blocks.back(), i, 200 << 10);
  }
  EXPECT_TRUE(heap.Check());
  for (size_t i = 0; i < blocks.size(); i += 2) heap.Free(blocks[i]);
  EXPECT_TRUE(heap.Check());
  for (size_t i = 1; i < blocks.size(); i += 2) heap.Free(blocks[i]);
  EXPECT_TRUE(heap.Check());
}

TEST(CompactHeap, ImpossibleRequestsFailWithEnomem) {
  Heap heap;
  errno = 0;
  EXPECT_EQ(heap.Allocate(SIZE_MAX - 8), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(heap.AllocateAligned(64, SIZE_MAX - 100), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  void* p = heap.Allocate(10);
  errno = 0;
  EXPECT_EQ(heap.Reallocate(p, SIZE_MAX - 8), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  heap.Free(p);  // still valid
  EXPECT_TRUE(heap.Check());
}

}  // namespace
}  // namespace fault
