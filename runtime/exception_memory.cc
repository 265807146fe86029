// The Itanium ABI's exception allocation for faultinit's static binaries,
// without libstdc++'s start-up emergency pool: see exception_memory.h.

#include "runtime/exception_memory.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <exception>

namespace fault::exception_memory {
namespace {

// A private anonymous mapping of their own, made before any other
// constructor runs and untouched (so not resident) until a throw finds
// malloc failing. Not in .bss: 2 KB there would push the touched end of
// .bss onto a page of its own (4 kB of PID 1's private memory). nullptr
// if that mmap failed: then there are no emergency slots.
using Slot = unsigned char[kEmergencySlot];
constexpr size_t kSlotsBytes = kEmergencySlots * kEmergencySlot;
Slot* slots = nullptr;
std::atomic<bool> slot_used[kEmergencySlots];

__attribute__((constructor(101))) void MapSlots() {
  void* map = mmap(nullptr, kSlotsBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map != MAP_FAILED) slots = static_cast<Slot*>(map);
}

void* TakeSlot(size_t size) {
  if (size > kEmergencySlot || slots == nullptr) return nullptr;
  for (size_t i = 0; i < kEmergencySlots; ++i) {
    if (!slot_used[i].exchange(true, std::memory_order_acquire)) {
      memset(slots[i], 0, size);
      return slots[i];
    }
  }
  return nullptr;
}

}  // namespace

bool InEmergencySlot(const void* block) {
  if (slots == nullptr) return false;
  const auto address = reinterpret_cast<uintptr_t>(block);
  const auto first = reinterpret_cast<uintptr_t>(&slots[0][0]);
  return address >= first && address < first + kSlotsBytes;
}

void* Allocate(size_t size, bool use_heap) {
  if (use_heap) {
    // malloc's blocks suit any type, as libstdc++'s own allocation relies
    // on; the 128-byte header keeps the object as aligned.
    if (void* block = malloc(size)) {
      memset(block, 0, size);
      return block;
    }
  }
  return TakeSlot(size);
}

void Free(void* block) {
  if (block == nullptr) return;
  if (!InEmergencySlot(block)) {
    free(block);
    return;
  }
  const auto offset =
      static_cast<size_t>(static_cast<unsigned char*>(block) - &slots[0][0]);
  slot_used[offset / kEmergencySlot].store(false, std::memory_order_release);
}

}  // namespace fault::exception_memory

namespace fem = fault::exception_memory;

extern "C" {

void* __cxa_allocate_exception(size_t thrown_size) noexcept {
  if (thrown_size > SIZE_MAX - fem::kExceptionHeader) std::terminate();
  void* block = fem::Allocate(thrown_size + fem::kExceptionHeader, true);
  if (block == nullptr) std::terminate();
  return static_cast<unsigned char*>(block) + fem::kExceptionHeader;
}

void __cxa_free_exception(void* thrown) noexcept {
  fem::Free(static_cast<unsigned char*>(thrown) - fem::kExceptionHeader);
}

void* __cxa_allocate_dependent_exception() noexcept {
  void* block = fem::Allocate(fem::kDependentException, true);
  if (block == nullptr) std::terminate();
  return block;
}

void __cxa_free_dependent_exception(void* dependent) noexcept {
  fem::Free(dependent);
}

}  // extern "C"

// eh_alloc.o's last strong symbol (valgrind calls it to free the pool):
// nothing to free here.
namespace __gnu_cxx {
void __freeres() noexcept {}
}  // namespace __gnu_cxx
