// malloc_replacement.cc linked into a test binary (with glibc, whose
// malloc an executable's own definitions replace): the C functions'
// contracts over CompactHeap, with GoogleTest and libstdc++ allocating
// through it too.

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/heap.h"

// musl's internal names, defined by malloc_replacement.cc.
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* block, size_t size);
void __libc_free(void* block);
void __malloc_atfork(int who);
}

namespace {

TEST(MallocReplacement, MuslInternalNamesShareTheHeap) {
  // Blocks from either set of names go back through the other: one heap.
  std::vector<void*> blocks;
  for (int i = 0; i < 500; ++i) {
    void* block = __libc_malloc(1000);
    ASSERT_NE(block, nullptr);
    memset(block, 1, 1000);
    blocks.push_back(block);
  }
  for (void* b : blocks) free(b);
  EXPECT_GE(fault::ReturnFreedMemory(), 400u * 1000u);
  auto* zeroed = static_cast<unsigned char*>(__libc_calloc(100, 10));
  ASSERT_NE(zeroed, nullptr);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(zeroed[i], 0) << i;
  memset(zeroed, 7, 1000);
  zeroed = static_cast<unsigned char*>(__libc_realloc(zeroed, 5000));
  ASSERT_NE(zeroed, nullptr);
  EXPECT_EQ(zeroed[999], 7);
  EXPECT_GE(malloc_usable_size(zeroed), 5000u);
  __libc_free(zeroed);
}

TEST(MallocReplacement, ForkHookReleasesTheLockInParentAndChild) {
  // musl calls __malloc_atfork(-1) before fork, then 0 in the parent and 1
  // in the child. Were the lock left taken, the malloc below would spin
  // for ever (and the test time out).
  __malloc_atfork(-1);
  __malloc_atfork(0);
  void* parent = malloc(64);
  ASSERT_NE(parent, nullptr);
  free(parent);
  __malloc_atfork(-1);
  __malloc_atfork(1);
  void* child = malloc(64);
  ASSERT_NE(child, nullptr);
  free(child);
}

TEST(MallocReplacement, MallocIsTheCompactHeap) {
  // Freed, a megabyte of small blocks is given back by ReturnFreedMemory,
  // which only the replacement can count.
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) {
    blocks.push_back(malloc(1000));
    memset(blocks.back(), 1, 1000);
  }
  for (void* b : blocks) free(b);
  EXPECT_GE(fault::ReturnFreedMemory(), 900u * 1000u);
}

TEST(MallocReplacement, CallocZeroesAndChecksOverflow) {
  auto* p = static_cast<unsigned char*>(malloc(4096));
  memset(p, 0xff, 4096);
  free(p);
  auto* z = static_cast<unsigned char*>(calloc(64, 64));  // reuses p
  ASSERT_NE(z, nullptr);
  for (int i = 0; i < 4096; ++i) ASSERT_EQ(z[i], 0);
  free(z);
  errno = 0;
  EXPECT_EQ(calloc(SIZE_MAX / 2, 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
}

TEST(MallocReplacement, AlignedFamily) {
  void* p = nullptr;
  EXPECT_EQ(posix_memalign(&p, 3, 10), EINVAL);
  EXPECT_EQ(posix_memalign(&p, 2, 10), EINVAL);  // not a multiple of void*
  ASSERT_EQ(posix_memalign(&p, 256, 10), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u);
  free(p);
  errno = 0;
  EXPECT_EQ(aligned_alloc(24, 48), nullptr);
  EXPECT_EQ(errno, EINVAL);
  void* q = aligned_alloc(4096, 4096);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(q) % 4096, 0u);
  EXPECT_GE(malloc_usable_size(q), 4096u);
  free(q);
  void* m = memalign(64, 1);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m) % 64, 0u);
  free(m);
  EXPECT_EQ(malloc_usable_size(nullptr), 0u);
}

TEST(MallocReplacement, ReallocKeepsTheBytes) {
  char* p = static_cast<char*>(realloc(nullptr, 10));
  memcpy(p, "0123456789", 10);
  for (size_t size : {100u, 5000u, 400000u, 20u}) {
    p = static_cast<char*>(realloc(p, size));
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(memcmp(p, "0123456789", 10), 0) << size;
  }
  free(p);
  std::string s;
  for (int i = 0; i < 100000; ++i) s += static_cast<char>('a' + i % 26);
  EXPECT_EQ(s[99999], 'a' + 99999 % 26);
}

}  // namespace
