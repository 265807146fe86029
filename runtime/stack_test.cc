#include "runtime/stack.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <thread>

#include "gtest/gtest.h"

namespace fault {
namespace {

// Touches `depth` bytes of stack below its caller; returns the address of
// the deepest byte.
__attribute__((noinline)) uintptr_t GoDeep(size_t depth) {
  char buffer[4096];
  memset(buffer, 1, sizeof buffer);
  asm volatile("" : : "r"(buffer) : "memory");
  if (depth <= sizeof buffer) return reinterpret_cast<uintptr_t>(buffer);
  uintptr_t deepest = GoDeep(depth - sizeof buffer);
  asm volatile("" : : "r"(buffer) : "memory");
  return deepest;
}

int Resident(uintptr_t address) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  unsigned char v = 0;
  if (mincore(reinterpret_cast<void*>(address & ~(page - 1)), page, &v) != 0) {
    return -1;
  }
  return v & 1;
}

TEST(ReturnUnusedStack, GivesBackWhatADeepCallTouched) {
  const uintptr_t deepest = GoDeep(64 << 10);
  ASSERT_EQ(Resident(deepest), 1);
  const size_t given = ReturnUnusedStack();
  EXPECT_GE(given, size_t{48} << 10);
  EXPECT_EQ(Resident(deepest), 0);
  // The stack works as before, the pages coming back as they are touched.
  EXPECT_EQ(GoDeep(64 << 10), deepest);
  EXPECT_EQ(Resident(deepest), 1);
}

TEST(ReturnUnusedStack, SeesTheStackGrowBelowWhatItKnew) {
  // The first call learns the stack's bounds; a deeper call then grows the
  // mapping below them, and the next call must still give those pages back.
  (void)ReturnUnusedStack();
  const uintptr_t deepest = GoDeep(512 << 10);
  ASSERT_EQ(Resident(deepest), 1);
  EXPECT_GE(ReturnUnusedStack(), size_t{500} << 10);
  EXPECT_EQ(Resident(deepest), 0);
}

TEST(ReturnUnusedStack, GivesBackAgainAfterEachDeepCall) {
  for (int round = 0; round < 3; ++round) {
    const uintptr_t deepest = GoDeep(32 << 10);
    ASSERT_EQ(Resident(deepest), 1) << "round " << round;
    EXPECT_GE(ReturnUnusedStack(), size_t{24} << 10) << "round " << round;
    EXPECT_EQ(Resident(deepest), 0) << "round " << round;
  }
}

// From another thread nothing is given back, not even below that thread's
// stack (another mapping).
TEST(ReturnUnusedStack, NothingFromAnotherThread) {
  size_t given = 1;
  std::thread other([&] {
    (void)GoDeep(32 << 10);
    given = ReturnUnusedStack();
  });
  other.join();
  EXPECT_EQ(given, 0u);
}

// On the main thread but on a stack of its own making (a coroutine's),
// nothing is given back: the mappings below are not the stack's.
ucontext_t main_context, other_context;
size_t given_on_other_stack = 1;
void OnOtherStack() {
  (void)GoDeep(16 << 10);
  given_on_other_stack = ReturnUnusedStack();
}

TEST(ReturnUnusedStack, NothingFromAnotherStack) {
  // A hole below it, as below the real stack, so that only the check that
  // this is not the stack the kernel made can say no.
  const size_t size = 1 << 20;
  char* reserved =
      static_cast<char*>(mmap(nullptr, 2 * size, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(reserved, MAP_FAILED);
  ASSERT_EQ(munmap(reserved, size), 0);
  char* stack = reserved + size;
  ASSERT_EQ(getcontext(&other_context), 0);
  other_context.uc_stack.ss_sp = stack;
  other_context.uc_stack.ss_size = size;
  other_context.uc_link = &main_context;
  makecontext(&other_context, OnOtherStack, 0);
  ASSERT_EQ(swapcontext(&main_context, &other_context), 0);
  EXPECT_EQ(given_on_other_stack, 0u);
  munmap(stack, size);
}

}  // namespace
}  // namespace fault
