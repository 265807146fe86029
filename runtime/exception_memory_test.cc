#include "runtime/exception_memory.h"

#include <cxxabi.h>
#include <stdint.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include "gtest/gtest.h"

namespace fault::exception_memory {
namespace {

struct Big {
  char bytes[3000];
  int tag;
};

// Throws, catches, rethrows and carries exceptions through
// std::exception_ptr (a dependent exception) with this file's allocator in
// the link: the ABI's layout holds when libstdc++ reads back what it wrote
// into the header.
TEST(ExceptionMemory, ThrowCatchRethrowThroughTheReplacement) {
  try {
    throw std::runtime_error("first");
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "first");
    EXPECT_EQ(*abi::__cxa_current_exception_type(), typeid(std::runtime_error));
  }
  try {
    try {
      throw 42;
    } catch (int) {
      throw;  // the same object, its handler count in the header
    }
  } catch (int value) {
    EXPECT_EQ(value, 42);
  }
  std::exception_ptr saved;
  try {
    throw Big{{}, 7};
  } catch (...) {
    saved = std::current_exception();
  }
  for (int i = 0; i < 2; ++i) {  // rethrown twice: two dependents
    try {
      std::rethrow_exception(saved);
    } catch (const Big& big) {
      EXPECT_EQ(big.tag, 7);
    }
  }
  saved = nullptr;
}

// Many exceptions alive at once (nested handlers), each freed on the way
// out.
void Nest(int depth, std::vector<std::string>* seen) {
  try {
    throw std::to_string(depth);
  } catch (const std::string& text) {
    if (depth > 0) Nest(depth - 1, seen);
    seen->push_back(text);
  }
}

TEST(ExceptionMemory, NestedLiveExceptions) {
  std::vector<std::string> seen;
  Nest(20, &seen);
  ASSERT_EQ(seen.size(), 21u);
  EXPECT_EQ(seen.front(), "0");
  EXPECT_EQ(seen.back(), "20");
}

// Without the heap: the emergency slots, zeroed and aligned, until none is
// left; a freed slot is taken again; an oversized block never fits.
TEST(ExceptionMemory, EmergencySlotsWhenTheHeapFails) {
  std::vector<void*> taken;
  for (size_t i = 0; i < kEmergencySlots; ++i) {
    void* block = Allocate(kEmergencySlot, false);
    ASSERT_NE(block, nullptr) << i;
    EXPECT_TRUE(InEmergencySlot(block));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % 16, 0u);
    const unsigned char* bytes = static_cast<unsigned char*>(block);
    for (size_t b = 0; b < kEmergencySlot; ++b) ASSERT_EQ(bytes[b], 0) << b;
    static_cast<unsigned char*>(block)[0] = 0xff;  // dirty it for the reuse
    taken.push_back(block);
  }
  EXPECT_EQ(Allocate(16, false), nullptr);
  Free(taken[3]);
  void* again = Allocate(64, false);
  EXPECT_EQ(again, taken[3]);
  EXPECT_EQ(static_cast<unsigned char*>(again)[0], 0);
  for (void* block : taken) Free(block);
  EXPECT_EQ(Allocate(kEmergencySlot + 1, false), nullptr);
  void* heap = Allocate(kEmergencySlot + 1, true);
  ASSERT_NE(heap, nullptr);
  EXPECT_FALSE(InEmergencySlot(heap));
  Free(heap);
  Free(nullptr);
}

}  // namespace
}  // namespace fault::exception_memory
